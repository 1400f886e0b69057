// Each route as its sequence of hops. A hop's rule lives in hops/; the files here only say which
// hops a route crosses, in order, and what each end of each wire is.
import type { PodFact } from '../../snapshot/types.js';
import type { RequestFacts } from '../../mesh/http.js';
import type { EvalContext } from '../context.js';
import type { PairResult } from '../report.js';
import type { ResolvedDestination } from '../explain/resolve.js';
import type { Route } from '../explain/route.js';
import { directPath, type PairSource } from './direct.js';
import { seenBehindClientProxy } from '../hops/client-proxy.js';
import { waypointPath } from './waypoint.js';
import { egressWaypointPath, externalPath, noEndpointsPath } from './outside.js';

export { directPath, type PairSource };

/** The route's hops for one source and (for in-cluster routes) one destination pod. */
export function evaluateRoute(
  ctx: EvalContext,
  route: Route,
  source: PairSource,
  target: { pod: PodFact; targetPort: number } | undefined,
  dest: ResolvedDestination,
  request: RequestFacts,
): PairResult {
  const client = source.kind === 'pod' ? source.pod : undefined;
  const pair = seenBehindClientProxy(ctx, client, request, hopsOf(ctx, route, source, client, target, dest, request));
  if ((route.kind === 'direct' || route.kind === 'waypoint') && route.undecided && pair.ok)
    pair.unknown ??= route.undecided;
  return pair;
}

function hopsOf(
  ctx: EvalContext,
  route: Route,
  source: PairSource,
  client: PodFact | undefined,
  target: { pod: PodFact; targetPort: number } | undefined,
  dest: ResolvedDestination,
  request: RequestFacts,
): PairResult {
  switch (route.kind) {
    case 'no-endpoints':
      return noEndpointsPath(ctx, client, dest, route.viaWaypointHttp, route.nodeLocal);
    case 'external':
      return externalPath(ctx, client!, dest);
    case 'egress-waypoint':
      return egressWaypointPath(ctx, client!, dest, route.waypoint, request);
    case 'waypoint':
      return waypointPath(ctx, client!, target!.pod, target!.targetPort, dest, route.waypoint, request);
    case 'direct':
      return directPath(ctx, source, target!.pod, target!.targetPort, dest, request);
  }
}

/** §11's checklist for pod → pod without a waypoint: capture, the wire, the destination's ztunnel or sidecar. */
