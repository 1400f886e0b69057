// Reachability among all workloads of some namespaces: every cell is the verdict `explain`
// would give for "one pod of A → one pod of B on the port", computed with the same engine
// (one shared context, so a large matrix stays fast).
import type { PodFact, Snapshot } from '../snapshot/types.js';
import { resolvePodPort, servicesSelecting } from '../mesh/services.js';
import { requestFacts, type RequestFacts } from '../mesh/http.js';
import { UsageError } from '../errors.js';
import { createContext, type EvalContext } from './context.js';
import { matrixWorkloads } from './workloads.js';
import type { ResolvedDestination } from './resolve.js';
import { bindingFor, routeFor } from './route.js';
import { evaluateRoute } from './paths/index.js';
import type { MatrixCell, MatrixReport, PairResult } from './report.js';

export interface MatrixQuery {
  namespaces: string[] | 'all';
  /** One port for every destination, or each destination's Service target ports. */
  port?: number;
  servicePorts?: boolean;
}

function destinationPorts(snapshot: Snapshot, pod: PodFact, query: MatrixQuery): number[] {
  if (query.port !== undefined) return [query.port];
  const ports = new Set<number>();
  for (const svc of servicesSelecting(snapshot, pod)) {
    for (const sp of svc.ports) {
      const p = resolvePodPort(pod, sp.targetPort, sp.protocol);
      if (p !== undefined) ports.add(p);
    }
  }
  return [...ports].sort((a, b) => a - b);
}

export function matrix(snapshot: Snapshot, query: MatrixQuery): MatrixReport {
  if (query.port === undefined && !query.servicePorts)
    throw new UsageError('name the port with --port, or use --service-ports');
  const ctx = createContext(snapshot, 'verdict');
  const workloads = matrixWorkloads(snapshot, query.namespaces);
  if (query.namespaces !== 'all') {
    for (const ns of query.namespaces)
      if (!snapshot.namespaces.has(ns)) throw new UsageError(`namespace "${ns}" not found`);
  }
  const cells: MatrixCell[] = [];
  for (const dst of workloads) {
    for (const port of destinationPorts(snapshot, dst.pod, query)) {
      const dest: ResolvedDestination = {
        input: `${dst.name}:${port}`,
        kind: 'pod',
        addressedBy: 'pod-ip',
        port,
        protocol: 'TCP',
        targets: [{ pod: dst.pod, targetPort: port }],
        notReady: [],
      };
      for (const src of workloads) {
        if (src === dst) continue;
        const pair = evaluateCell(ctx, src.pod, dest);
        cells.push({
          source: src.name,
          destination: dst.name,
          port,
          outcome: !pair.ok ? 'denied' : pair.unknown ? 'unknown' : 'allowed',
          symptom: pair.symptom,
          enforcedBy: pair.enforcedBy,
          ...(pair.decisive ? { code: pair.decisive.code } : {}),
        });
      }
    }
  }
  return {
    namespaces:
      query.namespaces === 'all' ? [...new Set(workloads.map((w) => w.pod.meta.namespace))].sort() : query.namespaces,
    workloads: workloads.map((w) => w.name),
    ports: query.port !== undefined ? String(query.port) : 'service target ports',
    cells,
  };
}

const requests = new WeakMap<ResolvedDestination, RequestFacts>();

/** One source pod → one destination pod as addressed, routed as explain routes it. */
function evaluateCell(ctx: EvalContext, client: PodFact, dest: ResolvedDestination): PairResult {
  const binding = bindingFor(ctx, client, dest);
  let request = requests.get(dest);
  if (!request) requests.set(dest, (request = requestFacts(dest, {})));
  const route = routeFor(ctx, binding, client, dest, request, []);
  return evaluateRoute(ctx, route, { kind: 'pod', pod: client }, dest.targets[0], dest, request);
}
