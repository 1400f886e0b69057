// The path stage: which hops a connection takes. Direct (pod → pod), through the waypoint bound
// to the destination (§6), through an egress waypoint or straight out (§9), or nowhere (no
// endpoints). explain, probes and matrix all ask here.
import type { GatewayFact, PodFact } from '../../snapshot/types.js';
import { refText, refTo, type ObjectRef } from '../../snapshot/ref.js';
import { egressBypassReason } from '../../mesh/egress.js';
import type { RequestFacts } from '../../mesh/http.js';
import { finding, type Finding, type Remedy } from '../../findings/finding.js';
import { enrollmentOf, type EvalContext } from '../context.js';
import type { DestinationTarget, ResolvedDestination } from './resolve.js';
import { computeBinding } from './waypoint-binding.js';
import { command, note } from '../../findings/command.js';

export interface WaypointRoute {
  gateway: GatewayFact;
  /** Ready waypoint pods; empty when the input holds none (assumed healthy). */
  pods: PodFact[];
  /** The input holds waypoint pods, none Ready: fail closed (§6.4). */
  noReadyPods: boolean;
  identity: string;
  labelledObject: ObjectRef;
  /** Status conditions istiod wrote about this binding, shown as evidence (§4.8, §6.4). */
  evidence: string[];
}

export interface Binding {
  findings: Finding[];
  route?: WaypointRoute;
}

const DIRECT: Route = { kind: 'direct' };
const EXTERNAL: Route = { kind: 'external' };
/** Routes are shared values: a matrix asks for millions. */
const viaWaypoint = new WeakMap<WaypointRoute, Route>();

/** The endpoints a route reaches when not all of the destination's (internalTrafficPolicy: Local). */
interface NodeLocal {
  targets?: DestinationTarget[];
  /** Why the endpoints the route reaches cannot be told (the picking node is not in the input). */
  undecided?: string;
}

export type Route =
  | ({ kind: 'direct' } & NodeLocal)
  | ({ kind: 'waypoint'; waypoint: WaypointRoute } & NodeLocal)
  | { kind: 'egress-waypoint'; waypoint: WaypointRoute }
  | { kind: 'external' }
  | { kind: 'no-endpoints'; viaWaypointHttp: boolean; nodeLocal?: { nodes: string[]; picker: 'client' | 'waypoint' } };

/** The destination pods a route connects to. */
export function routeTargets(route: Route, dest: ResolvedDestination): DestinationTarget[] {
  return route.kind === 'direct' || route.kind === 'waypoint' ? (route.targets ?? dest.targets) : [];
}

/** §4.8, §6.4: the binding for these clients, and istiod's WaypointBound condition checked against it. */
export function bindWaypoint(ctx: EvalContext, clients: PodFact[], dest: ResolvedDestination): Binding {
  const result = computeBinding(ctx, clients, dest);
  const owner = dest.service ?? dest.serviceEntry;
  const bound = owner?.conditions.find((c) => c.type === 'istio.io/WaypointBound');
  const computedBound = !!result.route || result.findings.some((f) => f.code === 'AD804');
  if (owner && bound && dest.object && (bound.status === 'True') !== computedBound) {
    const detail =
      `${refText(dest.object)} has status ` +
      `WaypointBound=${bound.status}${bound.reason ? ` (${bound.reason})` : ''}, but ` +
      `from the objects in the input the binding ${computedBound ? 'applies' : 'does not apply'}. The status may be ` +
      'stale, or the input may lack objects (the waypoint Gateway or its pods).';
    result.findings.push(finding('AD813', detail, [dest.object]));
  }
  return result;
}

const bindingCache = new WeakMap<ResolvedDestination, Map<string, Binding>>();

/** The binding for one client, cached per destination and kind of client (what §6.6 depends on). */
export function bindingFor(ctx: EvalContext, client: PodFact, dest: ResolvedDestination): Binding {
  const e = enrollmentOf(ctx, client);
  const key = `${e.captured}/${e.mode}`;
  let byClient = bindingCache.get(dest);
  if (!byClient) bindingCache.set(dest, (byClient = new Map()));
  let binding = byClient.get(key);
  if (!binding) byClient.set(key, (binding = computeBinding(ctx, [client], dest)));
  return binding;
}

/** The hops one client's connection takes to the destination (for pod destinations, per target pod). */
export function routeFor(
  ctx: EvalContext,
  binding: Binding,
  client: PodFact | undefined,
  dest: ResolvedDestination,
  request: RequestFacts,
  notes: Finding[],
): Route {
  const enrollment = client ? enrollmentOf(ctx, client) : undefined;
  const captured = !!enrollment?.captured;
  const waypoint = binding.route;
  if (dest.kind === 'external' || dest.kind === 'serviceentry') {
    if (client && waypoint && captured && !egressBypassed(ctx, client, dest, notes))
      return { kind: 'egress-waypoint', waypoint };
    return EXTERNAL;
  }
  const viaWaypointHttp = !!waypoint && request.protocol === 'HTTP' && captured;
  if (dest.targets.length === 0) {
    // A selector-less Service whose endpoints are not pods: plaintext to those addresses (§9's path).
    if (dest.outside?.length && client) {
      return waypoint && captured ? { kind: 'egress-waypoint', waypoint } : EXTERNAL;
    }
    return { kind: 'no-endpoints', viaWaypointHttp };
  }
  const throughWaypoint = !!waypoint && !!client && (captured || enrollment?.mode === 'gateway');
  let route: Route = DIRECT;
  if (throughWaypoint) {
    route = viaWaypoint.get(waypoint) ?? { kind: 'waypoint', waypoint };
    viaWaypoint.set(waypoint, route);
  }
  if (dest.service?.internalTrafficPolicy !== 'Local' || dest.addressedBy !== 'service') return route;
  const local = nodeLocalTargets(dest, throughWaypoint ? waypoint!.pods : client ? [client] : []);
  if (local.undecided) return { ...route, undecided: local.undecided } as Route;
  if (local.targets.length === 0) {
    const picker = throughWaypoint ? 'waypoint' : 'client';
    return { kind: 'no-endpoints', viaWaypointHttp, nodeLocal: { nodes: local.nodes, picker } };
  }
  return { ...route, targets: local.targets } as Route;
}

/**
 * internalTrafficPolicy: Local. ztunnel gets the Service with routing preference NODE in STRICT
 * mode (pilot/pkg/serviceregistry/ambient/services.go constructService; ztunnel src/state.rs
 * load_balance: an endpoint on another node is never picked); Envoy (a waypoint or sidecar) gets only
 * the endpoints on its own node (pilot/pkg/xds/endpoints/endpoint_builder.go, NodeLocal); kube-proxy
 * does the same for clients outside the mesh. The node is the picker's: the client's, or the waypoint's.
 */
function nodeLocalTargets(
  dest: ResolvedDestination,
  pickers: PodFact[],
): { targets: DestinationTarget[]; nodes: string[]; undecided?: string } {
  const nodes = [...new Set(pickers.map((p) => p.nodeName ?? ''))];
  if (pickers.length === 0 || nodes.includes('')) {
    const who = pickers.length === 0 ? 'the waypoint has no pods in the input' : 'a pod that picks has no node';
    return {
      targets: dest.targets,
      nodes,
      undecided:
        `${dest.object ? refText(dest.object) : dest.input} has internalTrafficPolicy: Local, and ${who}: ` +
        'which endpoints it may use cannot be told.',
    };
  }
  return { targets: dest.targets.filter((t) => nodes.includes(t.pod.nodeName ?? '')), nodes };
}

/** §9: records AD811 and returns true when the client bypasses the egress waypoint. */
function egressBypassed(ctx: EvalContext, client: PodFact, dest: ResolvedDestination, notes: Finding[]): boolean {
  const se = dest.serviceEntry;
  if (!se) return false;
  const why = egressBypassReason(client, se, dest.host === dest.externalIp, ctx.snapshot.mesh);
  if (!why) return false;
  const detail =
    `${why}: ztunnel sees an unknown destination and passes it through directly, bypassing the egress waypoint ` +
    `and its policies.`;
  const patch = { spec: { addresses: ['240.240.0.10'] } };
  const fix: Remedy[] = [
    {
      title: `Give ServiceEntry ${se.meta.namespace}/${se.meta.name} a VIP ztunnel can match, with DNS capture on`,
      commands: [
        command([
          'kubectl',
          '-n',
          se.meta.namespace,
          'patch',
          'serviceentry',
          se.meta.name,
          '--type',
          'merge',
          '-p',
          JSON.stringify(patch),
        ]),
        note('and DNS capture on: istio-cni ambient.dnsCapture=true, then restart the client pods'),
      ],
      effects: [
        {
          apiVersion: 'networking.istio.io/v1',
          kind: 'ServiceEntry',
          metadata: { name: se.meta.name, namespace: se.meta.namespace },
          ...patch,
        },
      ],
    },
  ];
  notes.push(finding('AD811', detail, [refTo('ServiceEntry', se.meta)], fix));
  return true;
}
