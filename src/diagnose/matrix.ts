// Reachability among all workloads of some namespaces: every cell is the verdict `explain`
// would give for "one pod of A → one pod of B on the port", computed with the same engine
// (one shared context, so a large matrix stays fast).
import type { PodFact, Snapshot } from '../snapshot/types.js';
import { resolvePodPort, servicesSelecting } from '../mesh/services.js';
import { requestFacts, type RequestFacts } from '../mesh/http.js';
import { InputError, UsageError } from '../errors.js';
import { compareText } from '../order.js';
import { liftableWithoutVariants } from './verdict.js';
import { candidateLabels } from './missing-namespaces.js';
import { createContext, type EvalContext } from './context.js';
import { matrixWorkloads } from './workloads.js';
import { podClassKeys, relativeSourceClasses } from './pod-classes.js';
import { podAddressed, serviceAddressed, type ResolvedDestination } from './resolve.js';
import { bindingFor, routeFor, routeTargets } from './route.js';
import { evaluateRoute } from './paths/index.js';
import type { Finding, MatrixCell, MatrixReport, PairResult } from './report.js';
import { forbiddenLine } from './rbac-gaps.js';
import { unreadReason } from './notes/reading.js';

export interface MatrixQuery {
  namespaces: string[] | 'all';
  /** One port for every destination, or each destination's Service target ports. */
  port?: number;
  servicePorts?: boolean;
  /** false: evaluate every cell (what the class evaluation is tested against). */
  classes?: boolean;
  /** The workloads to cross instead of one pod per workload of the namespaces (check: one per class). */
  workloads?: { name: string; pod: PodFact }[];
  /** Keep the decisive finding on each failing cell (`MatrixCellWithFinding`). */
  keepDecisive?: boolean;
  /** Yield one cell per destination and kind of source the destination's rules tell apart (check). */
  distinctSources?: boolean;
  /** With servicePorts: a pod no Service selects is reached on its declared container ports. */
  podPortsWithoutService?: boolean;
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

/** A cell that carries the finding that decided it (check reads it; it is never rendered). */
export type MatrixCellWithFinding = MatrixCell & { finding?: Finding };

/**
 * The destinations a workload is reached as: one pod on --port, or (--service-ports) each Service
 * that selects it on each of its ports, addressed as a Service so its waypoint applies (§6.5).
 */
function destinationsOf(
  snapshot: Snapshot,
  dst: { name: string; pod: PodFact },
  query: MatrixQuery,
): ResolvedDestination[] {
  const pod = dst.pod;
  if (query.port !== undefined) {
    const port = query.port;
    return [podAddressed(pod, port, `${dst.name}:${port}`)];
  }
  const out: ResolvedDestination[] = [];
  const services = servicesSelecting(snapshot, pod);
  if (services.length === 0 && query.podPortsWithoutService) {
    const declared = pod.containers.flatMap((c) => c.ports.filter((p) => p.protocol === 'TCP'));
    for (const port of new Set(declared.map((p) => p.containerPort)))
      out.push(podAddressed(pod, port, `${dst.name}:${port}`));
  }
  for (const svc of services) {
    for (const sp of svc.ports) {
      const targetPort = resolvePodPort(pod, sp.targetPort, sp.protocol);
      if (targetPort === undefined) continue;
      const host = `${svc.meta.name}.${svc.meta.namespace}`;
      out.push(serviceAddressed(svc, sp, [{ pod, targetPort }], [], { input: `${host}:${sp.port}`, host }));
    }
  }
  return out.sort((a, b) => a.targets[0].targetPort - b.targets[0].targetPort || compareText(a.input, b.input));
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
  if (!query.workloads && snapshot.gaps.some((g) => g.resource === 'pods' || g.resource === 'namespaces'))
    throw new InputError(forbiddenLine(snapshot.gaps));
  const workloads = query.workloads ?? matrixWorkloads(snapshot, query.namespaces);
  // Checked before any cell is decided: the answer would not fit, or would never end.
  if (query.maxCells !== undefined && workloads.length * workloads.length > query.maxCells)
    throw tooLarge(workloads.length, query);
  // §11 (evidence): what RBAC hid can turn a cell unknown, as in explain.
  const unreadable = snapshot.gaps.map((g) => g.resource);
  const { dependsOnMissingLabels, variantsExist } = missingNamespaceProbe(snapshot, query);
  // Pods no rule can tell apart get one evaluation per pair of classes (pod-classes.ts); when every
  // workload is a class of its own there is nothing to share and cells are evaluated directly.
  const classOf = query.classes === false ? undefined : classIds(snapshot, workloads);
  // Answers by (source class, destination class), one per destination port (index in dests).
  const decided = new Map<number, Answer[]>();
  // Finer still: sources told apart only by what the destination's rules read (pod-classes.ts);
  // one key function and answer table per destination class.
  const relative =
    query.classes === false || variantsExist
      ? undefined
      : relativeSourceClasses(
          ctx,
          workloads.map((w) => w.pod),
        );
  const byDestination = new Map<number, { keys: Float64Array; answers: Map<number, Answer[]> }>();
  const decide = (src: PodFact, dst: PodFact, dest: ResolvedDestination) => {
    const pair = evaluateCell(ctx, src, dest);
    const unknown =
      (pair.ok ? !!pair.unknown || unreadable.length > 0 : liftableWithoutVariants(pair.decisive, unreadable)) ||
      dependsOnMissingLabels(src, dst, dest, pair.ok);
    return {
      outcome: unknown ? 'unknown' : pair.ok ? 'allowed' : 'denied',
      symptom: unknown ? 'unknown' : pair.symptom,
      enforcedBy: unknown ? 'none' : pair.enforcedBy,
      ...(pair.decisive && !unknown ? { code: pair.decisive.code } : {}),
      ...(pair.decisive && !unknown && query.keepDecisive ? { finding: pair.decisive } : {}),
    } as const;
  };
  function* cells(): Generator<MatrixCell> {
    for (const [index, dst] of workloads.entries()) {
      const dests = destinationsOf(snapshot, dst, query);
      let table: { keys: Float64Array; answers: Map<number, Answer[]> } | undefined;
      if (relative) {
        const dstClass = classOf ? classOf.ids.get(dst)! : index;
        table = byDestination.get(dstClass);
        if (!table) byDestination.set(dstClass, (table = { keys: relative(dst.pod), answers: new Map() }));
      }
      for (let i = 0; i < dests.length; i++) {
        const dest = dests[i];
        const yielded = query.distinctSources && table ? new Set<number>() : undefined;
        const port = dest.targets[0].targetPort;
        const service = dest.service
          ? `${dest.service.meta.namespace}/${dest.service.meta.name}:${dest.port}`
          : undefined;
        for (let srcIndex = 0; srcIndex < workloads.length; srcIndex++) {
          const src = workloads[srcIndex];
          if (src === dst) continue;
          let answer;
          if (table) {
            const key = table.keys[srcIndex];
            if (yielded) {
              if (yielded.has(key)) continue;
              yielded.add(key);
            }
            let answers = table.answers.get(key);
            if (!answers) table.answers.set(key, (answers = []));
            answer = answers[i] ??= decide(src.pod, dst.pod, dest);
          } else if (classOf) {
            const key = classOf.ids.get(src)! * classOf.count + classOf.ids.get(dst)!;
            let answers = decided.get(key);
            if (!answers) decided.set(key, (answers = []));
            answer = answers[i] ??= decide(src.pod, dst.pod, dest);
          } else answer = decide(src.pod, dst.pod, dest);
          // One literal (no spreads): a 5,000-workload matrix makes 25 million of these.
          const cell: MatrixCell = {
            source: src.name,
            destination: dst.name,
            port,
            outcome: answer.outcome,
            symptom: answer.symptom,
            enforcedBy: answer.enforcedBy,
          };
          if (answer.code !== undefined) cell.code = answer.code;
          if (answer.finding !== undefined) (cell as MatrixCellWithFinding).finding = answer.finding;
          if (service !== undefined) cell.service = service;
          yield cell;
        }
      }
    }
  }
  const header: MatrixHeader = {
    namespaces:
      query.namespaces === 'all' ? [...new Set(workloads.map((w) => w.pod.meta.namespace))].sort() : query.namespaces,
    workloads: workloads.map((w) => w.name),
    ports: query.port !== undefined ? String(query.port) : 'service target ports',
    // Which cells are unknown, and why: what could not be read (§11 evidence).
    ...(snapshot.gaps.length ? { unreadable: unreadReason(snapshot) } : {}),
  };
  return { header, cells: cells() };
}

type Answer = Pick<MatrixCell, 'outcome' | 'symptom' | 'enforcedBy' | 'code'> & { finding?: Finding };

/** Small numbers for the workloads' classes, or undefined when no two workloads share one. */
function classIds<W extends { pod: PodFact }>(
  snapshot: Snapshot,
  workloads: W[],
): { ids: Map<W, number>; count: number } | undefined {
  const keyOf = podClassKeys(snapshot);
  const byKey = new Map<string, number>();
  const ids = new Map<W, number>();
  for (const w of workloads) {
    const key = keyOf(w.pod);
    let id = byKey.get(key);
    if (id === undefined) byKey.set(key, (id = byKey.size));
    ids.set(w, id);
  }
  return byKey.size < workloads.length ? { ids, count: byKey.size } : undefined;
}

const requests = new WeakMap<ResolvedDestination, RequestFacts>();

/** One source pod → one destination pod as addressed, routed as explain routes it. */
function evaluateCell(ctx: EvalContext, client: PodFact, dest: ResolvedDestination): PairResult {
  const binding = bindingFor(ctx, client, dest);
  let request = requests.get(dest);
  if (!request) requests.set(dest, (request = requestFacts(dest, {})));
  const route = routeFor(ctx, binding, client, dest, request, []);
  return evaluateRoute(ctx, route, { kind: 'pod', pod: client }, routeTargets(route, dest)[0], dest, request);
}

/**
 * §1.1, §6.3, §8 (AD903): a cell whose source or destination namespace is not in the input is
 * unknown when one of the labels that matter would flip it, as explain decides.
 */
function missingNamespaceProbe(snapshot: Snapshot, query: MatrixQuery) {
  const implied =
    snapshot.origin === 'cluster'
      ? []
      : [...snapshot.namespaces.values()].filter((n) => n.implied).map((n) => n.meta.name);
  const variants = implied.flatMap((ns) =>
    candidateLabels(snapshot, ns).map((labels) => {
      const changed = snapshot.withChange({
        apply: [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels } }],
        delete: [],
      });
      const pods = new Map(changed.pods.map((p) => [`${p.meta.namespace}/${p.meta.name}`, p]));
      return { ns, ctx: createContext(changed, 'verdict'), pods };
    }),
  );
  const dependsOnMissingLabels = (src: PodFact, dst: PodFact, dest: ResolvedDestination, ok: boolean): boolean => {
    for (const v of variants) {
      if (v.ns !== src.meta.namespace && v.ns !== dst.meta.namespace) continue;
      const srcV = v.pods.get(`${src.meta.namespace}/${src.meta.name}`);
      const dstV = v.pods.get(`${dst.meta.namespace}/${dst.meta.name}`);
      if (!srcV || !dstV) continue;
      const destV = destinationsOf(v.ctx.snapshot, { name: '', pod: dstV }, query).find((d) => d.port === dest.port);
      if (destV && evaluateCell(v.ctx, srcV, destV).ok !== ok) return true;
    }
    return false;
  };
  return { dependsOnMissingLabels, variantsExist: variants.length > 0 };
}
