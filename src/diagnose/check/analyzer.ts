// A check analyzer looks at the whole input, not at one connection. Each lives in its own file and
// is listed in check/index.ts; the rules they apply are the ones explain's hops use (src/mesh and
// the note analyzers), so explain and check never disagree about an object.
import type { PodFact, Snapshot } from '../../snapshot/types.js';
import { FINDINGS, type CheckGroup, type FindingCode } from '../../findings/catalogue.js';
import type { Finding } from '../../findings/finding.js';
import type { EvalContext } from '../context.js';

export const groupOf = (code: FindingCode): CheckGroup => FINDINGS[code].group;

/** What every analyzer of one scan shares. */
export interface Scan {
  ctx: EvalContext;
  snapshot: Snapshot;
  /** The namespaces asked for (-n), or every namespace (-A). */
  namespaces: string[] | 'all';
  /** True when objects of this namespace are reported on (cluster-scoped objects always are). */
  inScope(namespace: string | undefined): boolean;
  /** Pods of the scanned namespaces, without ztunnel and waypoint pods. */
  pods: PodFact[];
}

export interface CheckAnalyzer {
  name: string;
  /** The codes this analyzer can report (the catalogue test reads them). */
  codes: FindingCode[];
  run(scan: Scan): Finding[];
}

/** A finding of a scan; `explain` is the command that shows one affected connection with its proven fixes. */
export type CheckFinding = Finding & { explain?: string };

export function withExplain(f: Finding, explain: string | undefined): CheckFinding {
  if (explain) (f as CheckFinding).explain = explain;
  return f;
}
