// Through the waypoint bound to the destination (§6), and to an egress waypoint (§9).
import { refText } from '../../snapshot/ref.js';
import type { PodFact } from '../../snapshot/types.js';
import { HBONE_PORT, LABEL_TUNNEL } from '../../mesh/constants.js';
import { identityOf } from '../../mesh/identity.js';
import type { RequestFacts } from '../../mesh/http.js';
import { enrollmentFindings, enrollmentOf, podLabel, podName, type EvalContext } from '../context.js';
import { PathRun } from '../explain/path.js';
import type { PairResult } from '../report.js';
import type { ResolvedDestination } from '../explain/resolve.js';
import type { WaypointRoute } from '../explain/route.js';
import { captureHop } from '../hops/capture.js';
import { checkWire, podEnd } from '../hops/wire.js';
import { checkArrival } from '../hops/arrival.js';
import { inboundHop } from '../hops/ztunnel-inbound.js';
import { sidecarHop } from '../hops/sidecar.js';
import { checkWaypointReady, waypointLabel, waypointPolicyHop } from '../hops/waypoint.js';
import { NOTES, runNotes } from '../notes/index.js';
import { SOURCE_ZTUNNEL_STALLS, T, networkHop } from './wires.js';

/** §6, §8 row 2, §4.7: client → waypoint:15008 → its policies → destination:15008 → its ztunnel. */
export function waypointPath(
  ctx: EvalContext,
  src: PodFact,
  dst: PodFact,
  targetPort: number,
  dest: ResolvedDestination,
  route: WaypointRoute,
  request: RequestFacts,
): PairResult {
  const run = new PathRun(ctx);
  const http = request.protocol === 'HTTP';
  const clientIdentity = identityOf(src, ctx.snapshot.mesh.trustDomain);
  const resultOf = () => run.result(podName(src), `${podName(dst)}:${targetPort}`);
  run.notes(() => enrollmentFindings(ctx, src));
  run.notes(() => enrollmentFindings(ctx, dst));
  intoWaypoint(ctx, run, src, route, dest, request, 'istio.io/use-waypoint');
  if (run.settled) return resultOf();

  const dstEnr = enrollmentOf(ctx, dst);
  // §12.8: a sidecar with the tunnel label terminates the waypoint's HBONE.
  const sidecarTunnel = dstEnr.mode === 'sidecar' && dst.meta.labels[LABEL_TUNNEL] === 'http';
  const tunnel = dstEnr.captured || dstEnr.redirection === 'pending' || sidecarTunnel;
  const wpPod = route.pods[0];
  const wpLabel = waypointLabel(route);
  const wire = networkHop(wpLabel, podLabel(dst), tunnel ? HBONE_PORT : targetPort, tunnel ? 'HBONE' : 'TCP');
  const upstreamFailure = http ? 'http-503' : 'timeout';
  checkWire(ctx, run, wire, {
    from: wpPod ? podEnd(wpPod, wpLabel) : { label: wpLabel },
    to: podEnd(dst, podLabel(dst), dst.podIPs[0], dest.service?.selector),
    port: wire.port,
    hbone: tunnel,
    appPort: targetPort,
    symptom: upstreamFailure,
    consequence: {
      egress: ` The waypoint's connection fails${http ? ': it answers 503' : ''}.`,
      ingress:
        ` Through a waypoint the destination must admit ${wire.port} from the waypoint pods, not from the client.` +
        `${http ? ` The waypoint answers 503 after its ${T} s connect timeout.` : ''}`,
    },
  });
  checkArrival(ctx, run, wire, dst, 'waypoint', upstreamFailure);
  run.add(wire);
  if (run.settled) return resultOf();
  if (dstEnr.captured) {
    inboundHop(ctx, run, {
      destination: dst,
      targetPort,
      selector: dest.service?.selector,
      service: dest.service,
      identity: route.identity,
      sourceIp: wpPod?.podIPs[0],
      via: { gateway: route.gateway, clientIdentity, clientName: podName(src) },
      rejected: http ? 'http-503' : 'reset',
    });
  } else if (dstEnr.mode === 'sidecar') {
    sidecarHop(ctx, run, {
      destination: dst,
      targetPort,
      client: src,
      clientLabel: podLabel(src),
      hbone: sidecarTunnel,
      clientCaptured: true,
      request,
      selector: dest.service?.selector,
      via: { identity: route.identity, label: wpLabel, ip: wpPod?.podIPs[0] },
    });
  }
  run.notes(() => runNotes(ctx, NOTES.port, { destination: dst, port: targetPort }));
  run.notes(() => runNotes(ctx, NOTES.pair, { source: src, destination: dst, service: dest.service }));
  return resultOf();
}

/** Capture, the client's HBONE to a waypoint pod, and the waypoint's policies: every waypoint route starts so. */
export function intoWaypoint(
  ctx: EvalContext,
  run: PathRun,
  src: PodFact,
  route: WaypointRoute,
  dest: ResolvedDestination,
  request: RequestFacts,
  how: 'istio.io/use-waypoint' | 'egress waypoint',
): void {
  const gw = route.gateway.meta;
  const bound = `${refText(route.labelledObject)} is bound to Gateway ${gw.namespace}/${gw.name} (${how})`;
  captureHop(ctx, run, src, dest.port, [bound, ...route.evidence]);
  if (run.settled) return;
  toWaypoint(ctx, run, src, route);
  if (run.settled) return;
  waypointPolicyHop(ctx, run, route, dest, request, src, identityOf(src, ctx.snapshot.mesh.trustDomain));
}

/** The client's ztunnel opens HBONE to a waypoint pod (§6.4, §8). */
function toWaypoint(ctx: EvalContext, run: PathRun, src: PodFact, route: WaypointRoute): void {
  const wpPod = route.pods[0];
  const wpLabel = waypointLabel(route);
  const wire = networkHop(podLabel(src), wpLabel, HBONE_PORT, 'HBONE');
  checkWaypointReady(ctx, run, wire, route);
  if (wpPod) {
    checkWire(ctx, run, wire, {
      from: podEnd(src, podLabel(src)),
      to: podEnd(wpPod, wpLabel),
      port: HBONE_PORT,
      hbone: true,
      symptom: 'timeout',
      consequence: SOURCE_ZTUNNEL_STALLS,
    });
  } else {
    run.evidence(wire, 'no waypoint pods in the input: assumed Ready; NetworkPolicy on the waypoint hop not checked');
  }
  run.add(wire);
}

/** §9: client → egress waypoint (its policies) → the external host, which the waypoint dials itself. */
