// One connection walked hop by hop. The first failure decides the verdict; hops after it are
// still shown (as "skip" when they would pass) so the user sees the whole path. In a verdict-only
// run (the matrix) nothing after the first failure can change the answer, so paths stop there,
// and evidence and notes are never built.
import type { Finding } from '../../findings/finding.js';
import type { EvalContext } from '../context.js';
import type { EnforcedBy, Hop, PairResult, Symptom } from '../report.js';
import { appendAll } from '../../arrays.js';

export interface Failure {
  symptom: Symptom;
  enforcedBy: EnforcedBy;
  decisive: Finding;
}

export class PathRun {
  readonly findings: Finding[] = [];
  readonly hops: Hop[] = [];
  readonly verdictOnly: boolean;
  failure?: Failure;
  /** Why the connection cannot be decided from the input, if it cannot. */
  unknown?: string;

  constructor(ctx: EvalContext) {
    this.verdictOnly = ctx.mode === 'verdict';
  }

  /** True once the verdict is settled and nothing later can be shown (verdict-only runs). */
  get settled(): boolean {
    return this.verdictOnly && this.failure !== undefined;
  }

  /** A finding that explains without deciding; verdict-only runs skip it. */
  note(f: Finding | undefined): void {
    if (f && !this.verdictOnly) this.findings.push(f);
  }

  /** Findings built only when they will be shown. */
  notes(make: () => Finding[]): void {
    if (!this.verdictOnly) appendAll(this.findings, make());
  }

  evidence(hop: Hop, line: string | (() => string)): void {
    if (!this.verdictOnly) hop.evidence.push(typeof line === 'function' ? line() : line);
  }

  /** The hop fails because of `decisive`; the first failure on the path decides the verdict. */
  fail(hop: Hop, decisive: Finding, symptom: Symptom, enforcedBy: EnforcedBy): void {
    hop.result = 'fail';
    if (!this.findings.includes(decisive)) this.findings.push(decisive);
    this.failure ??= { symptom, enforcedBy, decisive };
  }

  /** Appends the hop; a hop that passes after the decisive failure is shown as skipped. */
  add(hop: Hop): void {
    this.hops.push(this.failure && hop.result === 'pass' ? { ...hop, result: 'skip' } : hop);
  }

  result(source: string, destination: string): PairResult {
    const f = this.failure;
    return {
      source,
      destination,
      ok: !f,
      symptom: f ? f.symptom : 'ok',
      enforcedBy: f ? f.enforcedBy : 'none',
      hops: this.hops,
      findings: this.findings,
      decisive: f?.decisive,
      ...(this.unknown && !f ? { unknown: this.unknown } : {}),
    };
  }
}
