// Runs one scenario's command on a snapshot, and reduces a report to what must agree between
// offline and live runs: the verdict and the findings (code and objects), or the error.
import { explainRun } from '../../src/diagnose/explain/explain.js';
import { annotateWithEvidence } from '../../src/diagnose/evidence/index.js';
import { probes } from '../../src/diagnose/explain/probes.js';
import { UserFacingError } from '../../src/errors.js';
import { evidenceTime, hasEvidence, mergeEvidence, readEvidenceFiles } from '../../src/input/evidence.js';
import type { Finding, Hop, Symptom, Verdict } from '../../src/diagnose/report.js';
import { check } from '../../src/diagnose/check/index.js';
import type { Snapshot } from '../../src/snapshot/types.js';
import type { Scenario } from './scenarios.js';

/** The time the live evidence tests judge served records at (they compare live and offline reads). */
export const EVIDENCE_NOW = '2026-11-30T21:00:00Z';

/** check's namespaces from the scenario's CLI args: -A, or each -n NAME. */
export function checkNamespaces(s: Scenario): string[] | 'all' {
  const named = s.args.flatMap((a, i) => (s.args[i - 1] === '-n' ? [a] : []));
  return s.args.includes('-A') || named.length === 0 ? 'all' : named;
}

/** A check report in the shape the scenario assertions read: denied when it reports an error. */
function checkAsReport(s: Scenario, snapshot: Snapshot) {
  const report = check(snapshot, { namespaces: checkNamespaces(s), ignore: s.flags.ignore });
  const failing = report.summary.errors > 0;
  return {
    check: report,
    verdict: {
      outcome: failing ? 'denied' : 'allowed',
      symptom: failing ? 'unknown' : 'ok',
      enforcedBy: 'none',
      summary: `${report.summary.errors} error(s), ${report.summary.warnings} warning(s)`,
    } as Verdict,
    findings: report.findings as Finding[],
    path: [] as Hop[],
  };
}

export function runScenarioOn(s: Scenario, snapshot: Snapshot) {
  const ns = s.flags.namespace ?? 'default';
  const symptom = s.flags.symptom as Symptom | undefined;
  if (s.command === 'check') return checkAsReport(s, snapshot);
  if (s.command === 'probes') return probes(snapshot, s.args[0], ns, symptom);
  const run = explainRun(snapshot, {
    source: s.args[0],
    destination: s.args[1],
    namespace: ns,
    port: s.flags.port,
    method: s.flags.method,
    path: s.flags.path,
    headers: s.flags.header,
    symptom,
  });
  if (!s.flags.logs && !s.flags.configDump && !hasEvidence(snapshot.evidence)) return run.report;
  const evidence = mergeEvidence(snapshot.evidence, readEvidenceFiles(s.flags.logs, s.flags.configDump));
  // As the CLI judges it: at the evidence's own time, never the clock of the machine running the tests.
  return annotateWithEvidence(run, evidence, evidenceTime(evidence, (s.flags as { at?: string }).at).time);
}

export interface Outcome {
  outcome?: string;
  symptom?: string;
  enforcedBy?: string;
  findings?: string[];
  error?: { exitCode: number; message: string };
}

export function outcomeOf(run: () => ReturnType<typeof runScenarioOn>): Outcome {
  try {
    const r = run();
    return {
      outcome: r.verdict.outcome,
      symptom: r.verdict.symptom,
      enforcedBy: r.verdict.enforcedBy,
      findings: r.findings.map((f) => `${f.code} ${f.objects.join(', ')}`),
    };
  } catch (err) {
    // Only the nearest suggestion is compared: a live cluster has namespaces files do not.
    if (err instanceof UserFacingError)
      return { error: { exitCode: err.exitCode, message: err.message.replace(/(nearest: [^,]+).*$/, '$1') } };
    throw err;
  }
}
