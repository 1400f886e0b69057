// The pair engine: one question per (client pod, destination as addressed), routed and evaluated as
// explain routes and evaluates it, and the generator of typed cells over pod classes that the matrix,
// check and the proofs of fixes consume. Outside explain's own loop, this is the only caller of
// binding, routing and evaluation.
import type { PodFact, Snapshot } from '../../snapshot/types.js';
import { resolvePodPort, servicesSelecting } from '../../mesh/services.js';
import { requestFacts, type RequestAsked, type RequestFacts } from '../../mesh/http.js';
import { compareText } from '../../order.js';
import type { Finding } from '../../findings/finding.js';
import type { FindingCode } from '../../findings/catalogue.js';
import { liftableWithoutVariants } from '../explain/verdict.js';
import { candidateLabels } from '../explain/missing-namespaces.js';
import { createContext, type EvalContext } from '../context.js';
import { podClassKeys, relativeSourceClasses } from './pod-classes.js';
import { podAddressed, serviceAddressed, type ResolvedDestination } from '../explain/resolve.js';
import { bindingFor, routeFor, routeTargets } from '../explain/route.js';
import { evaluateRoute } from '../paths/index.js';
import type { EnforcedBy, PairResult, Symptom } from '../report.js';

/** One pod standing for a workload, with the workload's name as the matrix shows it. */
export interface Workload {
  name: string;
  pod: PodFact;
}

/** The answer for one pair, shared by every pair of the same classes. */
export interface PairAnswer {
  outcome: 'allowed' | 'denied' | 'unknown';
  symptom: Symptom;
  enforcedBy: EnforcedBy;
  /** The code of the finding that decides a denied answer. */
  code?: FindingCode;
  /** That finding itself, when the query keeps it (check reads it; a matrix would only hold memory). */
  decisive?: Finding;
}

const requests = new WeakMap<ResolvedDestination, RequestFacts>();

/**
 * One client pod → one destination as addressed, routed as explain routes it. `first`: the pair with
 * the first target the route picks (a matrix cell); `every`: one pair per target other than the
 * client itself (whether a connection works wherever it lands).
 */
export function askPair(
  ctx: EvalContext,
  client: PodFact,
  dest: ResolvedDestination,
  targets: 'first' | 'every',
  asked?: RequestAsked,
): PairResult[] {
  let request = asked ? requestFacts(dest, asked) : requests.get(dest);
  if (!request) requests.set(dest, (request = requestFacts(dest, {})));
  const route = routeFor(ctx, bindingFor(ctx, client, dest), client, dest, request, []);
  const source = { kind: 'pod', pod: client } as const;
  if (targets === 'first') return [evaluateRoute(ctx, route, source, routeTargets(route, dest)[0], dest, request)];
  const picked =
    route.kind === 'direct' || route.kind === 'waypoint'
      ? routeTargets(route, dest).filter((t) => t.pod !== client)
      : [undefined];
  return picked.map((t) => evaluateRoute(ctx, route, source, t, dest, request));
}

/** True when the client reaches the destination, wherever the route lands, with nothing unknown. */
export function works(ctx: EvalContext, client: PodFact, dest: ResolvedDestination, asked?: RequestAsked): boolean {
  const pairs = askPair(ctx, client, dest, 'every', asked);
  return pairs.length > 0 && pairs.every((p) => p.ok && !p.unknown);
}

/** How each destination workload is addressed. */
export interface Addressing {
  /** One port for every destination (the pod addressed directly), or each Service's target ports. */
  port?: number;
  /** With Service ports: a pod no Service selects is reached on its declared container ports. */
  podPortsWithoutService?: boolean;
}

/**
 * The destinations a workload is reached as: one pod on the port, or each Service that selects it
 * on each of its ports, addressed as a Service so its waypoint applies (§6.5).
 */
export function destinationsOf(snapshot: Snapshot, dst: Workload, addressing: Addressing): ResolvedDestination[] {
  const pod = dst.pod;
  if (addressing.port !== undefined) {
    const port = addressing.port;
    return [podAddressed(pod, port, `${dst.name}:${port}`)];
  }
  const out: ResolvedDestination[] = [];
  const services = servicesSelecting(snapshot, pod);
  if (services.length === 0 && addressing.podPortsWithoutService) {
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

export interface PairCellsQuery extends Addressing {
  workloads: Workload[];
  /** Clients that are never a destination here (gateway pods, host-network pods): rows without a column. */
  sourcesOnly?: Workload[];
  /** false: evaluate every pair (what the class evaluation is tested against). */
  classes?: boolean;
  /** One cell per destination and kind of source the destination's rules tell apart (check). */
  distinctSources?: boolean;
  /** Keep each denied answer's decisive finding, not only its code. */
  keepDecisive?: boolean;
}

/**
 * Every source workload → every destination workload as addressed, one answer per pair of classes
 * (pod-classes.ts): `make` turns each (source, destination workload, destination, answer) into a cell,
 * so a 25-million-cell matrix allocates one object per cell.
 */
export function* pairCells<T>(
  ctx: EvalContext,
  query: PairCellsQuery,
  make: (source: Workload, destination: Workload, dest: ResolvedDestination, answer: PairAnswer) => T,
): Generator<T> {
  const snapshot = ctx.snapshot;
  const { workloads } = query;
  const sources = query.sourcesOnly?.length ? [...workloads, ...query.sourcesOnly] : workloads;
  // §11 (evidence): what RBAC hid can turn an answer unknown, as in explain.
  const unreadable = snapshot.gaps.map((g) => g.resource);
  const { dependsOnMissingLabels, variantsExist } = missingNamespaceProbe(snapshot, query);
  // Pods no rule can tell apart get one evaluation per pair of classes (pod-classes.ts); when every
  // workload is a class of its own there is nothing to share and pairs are evaluated directly.
  const classOf = query.classes === false ? undefined : classIds(snapshot, sources);
  // Answers by (source class, destination class), one per destination port (index in dests).
  const decided = new Map<number, PairAnswer[]>();
  // Finer still: sources told apart only by what the destination's rules read (pod-classes.ts);
  // one key function and answer table per destination class.
  const relative =
    query.classes === false || variantsExist
      ? undefined
      : relativeSourceClasses(
          ctx,
          sources.map((w) => w.pod),
        );
  const byDestination = new Map<number, { keys: Float64Array; answers: Map<number, PairAnswer[]> }>();
  const decide = (src: PodFact, dst: PodFact, dest: ResolvedDestination): PairAnswer => {
    const [pair] = askPair(ctx, src, dest, 'first');
    const unknown =
      (pair.ok ? !!pair.unknown || unreadable.length > 0 : liftableWithoutVariants(pair.decisive, unreadable)) ||
      dependsOnMissingLabels(src, dst, dest, pair.ok);
    if (unknown) return { outcome: 'unknown', symptom: 'unknown', enforcedBy: 'none' };
    const answer: PairAnswer = {
      outcome: pair.ok ? 'allowed' : 'denied',
      symptom: pair.symptom,
      enforcedBy: pair.enforcedBy,
    };
    if (pair.decisive) answer.code = pair.decisive.code;
    if (pair.decisive && query.keepDecisive) answer.decisive = pair.decisive;
    return answer;
  };
  for (const [index, dst] of workloads.entries()) {
    const dests = destinationsOf(snapshot, dst, query);
    let table: { keys: Float64Array; answers: Map<number, PairAnswer[]> } | undefined;
    if (relative) {
      const dstClass = classOf ? classOf.ids.get(dst)! : index;
      table = byDestination.get(dstClass);
      if (!table) byDestination.set(dstClass, (table = { keys: relative(dst.pod), answers: new Map() }));
    }
    for (let i = 0; i < dests.length; i++) {
      const dest = dests[i];
      const yielded = query.distinctSources && table ? new Set<number>() : undefined;
      for (let srcIndex = 0; srcIndex < sources.length; srcIndex++) {
        const src = sources[srcIndex];
        if (src === dst) continue;
        let answer: PairAnswer;
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
        yield make(src, dst, dest, answer);
      }
    }
  }
}

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

/**
 * §1.1, §6.3, §8 (AD903): a pair whose source or destination namespace is not in the input is
 * unknown when one of the labels that matter would flip it, as explain decides.
 */
function missingNamespaceProbe(snapshot: Snapshot, addressing: Addressing) {
  const implied =
    snapshot.origin !== 'files'
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
      const destV = destinationsOf(v.ctx.snapshot, { name: '', pod: dstV }, addressing).find(
        (d) => d.port === dest.port,
      );
      if (destV && askPair(v.ctx, srcV, destV, 'first')[0].ok !== ok) return true;
    }
    return false;
  };
  return { dependsOnMissingLabels, variantsExist: variants.length > 0 };
}
