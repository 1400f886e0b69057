// Reachability among all workloads of some namespaces: every cell is the verdict `explain`
// would give for "one pod of A → one pod of B on the port", computed with the same engine
// (one shared context, so a large matrix stays fast).
import type { Snapshot } from '../../snapshot/types.js';
import { InputError, UsageError } from '../../errors.js';
import { createContext } from '../context.js';
import { matrixSourcesOnly, matrixWorkloads } from './workloads.js';
import { pairCells } from './pairs.js';
import type { ResolvedDestination } from '../explain/resolve.js';
import type { MatrixCell, MatrixReport } from '../report.js';
import { forbiddenLine } from '../explain/rbac-gaps.js';
import { unreadReason } from '../notes/reading.js';

export interface MatrixQuery {
  namespaces: string[] | 'all';
  /** One port for every destination, or each destination's Service target ports. */
  port?: number;
  servicePorts?: boolean;
  /** false: evaluate every cell (what the class evaluation is tested against). */
  classes?: boolean;
  /** Refuse, in one line, a matrix of more than this many workload pairs (--max-cells). */
  maxCells?: number;
  /** How the output holds the cells, for the refusal's advice: in memory, or streamed. */
  streamed?: boolean;
}

/** Workload pairs a matrix may have by default: a table held in memory, or cells streamed as JSON. */
export const MATRIX_MAX_CELLS = { inMemory: 250_000, streamed: 25_000_000 } as const;

const thousands = (n: number) => n.toLocaleString('en-US');

/** The one line for a matrix too large to answer, with what narrows it. */
function tooLarge(workloads: number, query: MatrixQuery): UsageError {
  const advice = query.streamed
    ? 'narrow it with -n NAMESPACE (repeatable), or raise --max-cells'
    : `narrow it with -n NAMESPACE (repeatable), or stream it with -o jsonl (up to ` +
      `${thousands(MATRIX_MAX_CELLS.streamed)} by default)`;
  return new UsageError(
    `the matrix of ${thousands(workloads)} workloads has ${thousands(workloads * workloads)} pairs, more than ` +
      `--max-cells ${thousands(query.maxCells!)}: ${advice}`,
  );
}

/** The report with every cell in memory (text output, tests). */
export function matrix(snapshot: Snapshot, query: MatrixQuery): MatrixReport {
  const { header, cells } = matrixStream(snapshot, query);
  return { ...header, cells: [...cells] };
}

export type MatrixHeader = Omit<MatrixReport, 'cells'>;

/**
 * The matrix as a header and a lazy sequence of cells: -o json and -o jsonl write each cell as it
 * is decided, so memory does not grow with the output.
 */
export function matrixStream(
  snapshot: Snapshot,
  query: MatrixQuery,
): { header: MatrixHeader; cells: Iterable<MatrixCell> } {
  if (query.port === undefined && !query.servicePorts)
    throw new UsageError('name the port with --port, or use --service-ports');
  const ctx = createContext(snapshot, 'verdict');
  if (query.namespaces !== 'all') {
    for (const ns of query.namespaces)
      if (!snapshot.namespaces.has(ns)) throw new UsageError(`namespace "${ns}" not found`);
  }
  // Without the pods (or the namespaces to list them in) there is no workload to cross: that is a
  // refused read (exit 2), not an empty matrix.
  if (snapshot.gaps.some((g) => g.resource === 'pods' || g.resource === 'namespaces'))
    throw new InputError(forbiddenLine(snapshot.gaps));
  const workloads = matrixWorkloads(snapshot, query.namespaces);
  const sourcesOnly = matrixSourcesOnly(snapshot, query.namespaces);
  // Checked before any cell is decided: the answer would not fit, or would never end.
  if (query.maxCells !== undefined && (workloads.length + sourcesOnly.length) * workloads.length > query.maxCells)
    throw tooLarge(workloads.length, query);
  // The Service as a cell names it (`ns/name:port`), made once per destination.
  const serviceText = new WeakMap<ResolvedDestination, string>();
  const cells = pairCells(ctx, { ...query, workloads, sourcesOnly }, (src, dst, dest, answer): MatrixCell => {
    // One literal (no spreads): a 5,000-workload matrix makes 25 million of these.
    const cell: MatrixCell = {
      source: src.name,
      destination: dst.name,
      port: dest.targets[0].targetPort,
      outcome: answer.outcome,
      symptom: answer.symptom,
      enforcedBy: answer.enforcedBy,
    };
    if (answer.code !== undefined) cell.code = answer.code;
    if (dest.service !== undefined) {
      let service = serviceText.get(dest);
      if (service === undefined)
        serviceText.set(dest, (service = `${dest.service.meta.namespace}/${dest.service.meta.name}:${dest.port}`));
      cell.service = service;
    }
    return cell;
  });
  const header: MatrixHeader = {
    namespaces:
      query.namespaces === 'all' ? [...new Set(workloads.map((w) => w.pod.meta.namespace))].sort() : query.namespaces,
    workloads: [...workloads, ...sourcesOnly].map((w) => w.name),
    ...(sourcesOnly.length ? { sourcesOnly: sourcesOnly.map((w) => w.name) } : {}),
    ports: query.port !== undefined ? String(query.port) : 'service target ports',
    // Which cells are unknown, and why: what could not be read (§11 evidence).
    ...(snapshot.gaps.length ? { unreadable: unreadReason(snapshot) } : {}),
  };
  return { header, cells };
}
