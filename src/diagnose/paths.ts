// Each route as its sequence of hops. A hop's rule lives in hops/; this file only says which
// hops a route crosses, in order, and what each end of each wire is.
import type { PodFact } from '../snapshot/types.js';
import { podRef, refTo } from '../snapshot/ref.js';
import {
  ANNOTATION_BYPASS_INBOUND,
  HBONE_PORT,
  LABEL_TUNNEL,
  ZTUNNEL_CONNECT_TIMEOUT_SECONDS,
} from '../mesh/constants.js';
import { identityOf } from '../mesh/identity.js';
import type { RequestFacts } from '../mesh/http.js';
import { finding } from '../findings/finding.js';
import { enrollmentFindings, enrollmentOf, podLabel, podName, type EvalContext } from './context.js';
import { PathRun } from './path.js';
import type { Hop, PairResult } from './report.js';
import type { ResolvedDestination } from './resolve.js';
import type { Route, WaypointRoute } from './route.js';
import { captureHop, notCapturedNote } from './hops/capture.js';
import { checkWire, podEnd, type Wire } from './hops/wire.js';
import { checkArrival } from './hops/arrival.js';
import { inboundHop } from './hops/ztunnel-inbound.js';
import { sidecarHop } from './hops/sidecar.js';
import { checkWaypointReady, waypointLabel, waypointPolicyHop } from './hops/waypoint.js';
import { NOTES, runNotes } from './notes/index.js';

export type PairSource = { kind: 'pod'; pod: PodFact } | { kind: 'kubelet' };

const T = ZTUNNEL_CONNECT_TIMEOUT_SECONDS;
/** What a stalled HBONE dial looks like from the source ztunnel (§5, §8). */
const SOURCE_ZTUNNEL_STALLS: Wire['consequence'] = {
  egress:
    ` The source ztunnel stalls for its ${T} s connect timeout and logs "maybe a NetworkPolicy is blocking HBONE ` +
    `port 15008".`,
  ingress: ` The source ztunnel gives up after ${T} s.`,
};
const PLAINTEXT: Wire['consequence'] = { egress: '', ingress: '' };

const networkHop = (from: string, to: string, port: number, protocol: Hop['protocol']): Hop => ({
  from,
  to,
  port,
  protocol,
  result: 'pass',
  layer: 'network',
  evidence: [],
});

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
  switch (route.kind) {
    case 'no-endpoints':
      return noEndpointsPath(ctx, client, dest, route.viaWaypointHttp);
    case 'external':
      return externalPath(ctx, client!, dest);
    case 'egress-waypoint':
      return egressWaypointPath(ctx, client!, dest, route.waypoint, request);
    case 'waypoint':
      return waypointPath(ctx, client!, target!.pod, target!.targetPort, dest, route.waypoint, request);
    case 'direct':
      return directPath(ctx, source, target!.pod, target!.targetPort, dest);
  }
}

/** §11's checklist for pod → pod without a waypoint: capture, the wire, the destination's ztunnel or sidecar. */
export function directPath(
  ctx: EvalContext,
  source: PairSource,
  dst: PodFact,
  targetPort: number,
  dest: ResolvedDestination,
): PairResult {
  const { mesh } = ctx.snapshot;
  const run = new PathRun(ctx);
  const src = source.kind === 'pod' ? source.pod : undefined;
  const kubelet = !src;
  const srcEnr = src ? enrollmentOf(ctx, src) : undefined;
  const dstEnr = enrollmentOf(ctx, dst);
  const srcLabel = src ? podLabel(src) : `kubelet on ${dst.nodeName ?? 'the node'}`;
  const resultOf = () => run.result(src ? podName(src) : 'kubelet', `${podName(dst)}:${targetPort}`);
  if (src) run.notes(() => enrollmentFindings(ctx, src));
  run.notes(() => enrollmentFindings(ctx, dst));

  const srcCaptured = !!srcEnr && (srcEnr.captured || srcEnr.redirection === 'pending');
  if (src && srcCaptured) captureHop(ctx, run, src, dest.port);
  else if (src) notCapturedNote(ctx, run, src);
  if (run.settled) return resultOf();

  // The packet on the wire (§8, §10); node-local sockets to an enrolled pod are SNATed (§7).
  const dstPending = dstEnr.redirection === 'pending';
  const srcSendsHbone = (srcCaptured && srcEnr?.captured) || srcEnr?.mode === 'sidecar' || srcEnr?.mode === 'gateway';
  const dstTerminatesHbone = dstEnr.captured || (dstEnr.mode === 'sidecar' && dst.meta.labels[LABEL_TUNNEL] === 'http');
  const hbone = !!srcSendsHbone && dstTerminatesHbone;
  const sameNodeHost = !!src?.hostNetwork && src.nodeName !== undefined && src.nodeName === dst.nodeName;
  const probeSnat = (kubelet || sameNodeHost) && (dstEnr.captured || dstPending);
  const wirePort = hbone ? HBONE_PORT : targetPort;
  const sourceIp = probeSnat ? mesh.probeSnatIPv4 : src?.hostNetwork ? (src.hostIP ?? src.podIPs[0]) : src?.podIPs[0];
  const wireFrom = probeSnat ? `${kubelet ? 'kubelet' : srcLabel} SNAT ${mesh.probeSnatIPv4}` : srcLabel;
  const wire = networkHop(wireFrom, podLabel(dst), wirePort, hbone ? 'HBONE' : 'TCP');
  if (kubelet && !probeSnat) {
    run.evidence(wire, 'destination not captured: the probe comes from the node, which CNIs let through');
  } else {
    checkWire(ctx, run, wire, {
      from: { label: srcLabel, pod: probeSnat ? undefined : src, ip: sourceIp },
      to: podEnd(dst, podLabel(dst), dst.podIPs[0], dest.service?.selector),
      port: wirePort,
      hbone,
      appPort: targetPort,
      probeSnat: probeSnat ? { kubelet, ipv4: mesh.probeSnatIPv4, ipv6: mesh.probeSnatIPv6 } : undefined,
      symptom: kubelet ? 'probe-failure' : 'timeout',
      consequence: hbone ? SOURCE_ZTUNNEL_STALLS : PLAINTEXT,
    });
  }
  if (!probeSnat) checkArrival(ctx, run, wire, dst, srcCaptured ? 'source ztunnel' : 'plaintext client', 'timeout');
  if (!dstEnr.captured && !dstPending && dstEnr.mode !== 'sidecar' && !run.verdictOnly) {
    const how = srcCaptured
      ? 'ztunnel passes the connection through as plaintext from the source pod IP'
      : 'the connection is plain TCP';
    const detail =
      `${podName(dst)} is not in the mesh (${dstEnr.reason}): ${how}, and no AuthorizationPolicy or ` +
      `PeerAuthentication applies to it.`;
    run.note(finding('AD703', detail, [podRef(dst)]));
  }
  run.add(wire);
  if (run.settled) return resultOf();

  // The destination's ztunnel (§3, §4) or its sidecar (§10).
  const bypassInbound = dst.meta.annotations[ANNOTATION_BYPASS_INBOUND] === 'true' && !hbone;
  if (bypassInbound && dstEnr.captured) {
    const detail =
      `${podName(dst)} has ${ANNOTATION_BYPASS_INBOUND}=true: plaintext inbound reaches the app directly, so no ` +
      'STRICT check and no AuthorizationPolicy applies to it.';
    run.note(finding('AD113', detail, [podRef(dst)]));
  }
  if (dstEnr.captured && !probeSnat && !bypassInbound) {
    inboundHop(ctx, run, {
      destination: dst,
      targetPort,
      selector: dest.service?.selector,
      identity: hbone && src ? identityOf(src, mesh.trustDomain) : undefined,
      sourceIp,
      client: src,
      rejected: 'reset',
    });
  } else if (dstEnr.mode === 'sidecar' && !kubelet) {
    sidecarHop(ctx, run, {
      destination: dst,
      targetPort,
      client: src,
      clientLabel: srcLabel,
      hbone,
      clientCaptured: srcCaptured,
    });
  }
  run.notes(() => runNotes(ctx, NOTES.port, { destination: dst, port: targetPort }));
  return resultOf();
}

/** §6, §8 row 2, §4.7: client → waypoint:15008 → its policies → destination:15008 → its ztunnel. */
function waypointPath(
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
  const gw = route.gateway.meta;
  captureHop(ctx, run, src, dest.port, [
    `${bindingName(route)} is bound to Gateway ${gw.namespace}/${gw.name} (istio.io/use-waypoint)`,
    ...route.evidence,
  ]);
  if (run.settled) return resultOf();
  toWaypoint(ctx, run, src, route);
  if (run.settled) return resultOf();
  waypointPolicyHop(ctx, run, route, dest, request, src, clientIdentity);
  if (run.settled) return resultOf();

  const dstEnr = enrollmentOf(ctx, dst);
  const tunnel = dstEnr.captured || dstEnr.redirection === 'pending';
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
      identity: route.identity,
      sourceIp: wpPod?.podIPs[0],
      via: { gateway: route.gateway, clientIdentity, clientName: podName(src) },
      rejected: http ? 'http-503' : 'reset',
    });
  }
  run.notes(() => runNotes(ctx, NOTES.port, { destination: dst, port: targetPort }));
  return resultOf();
}

const bindingName = (route: WaypointRoute) => {
  const r = route.labelledObject;
  return `${r.kind} ${r.namespace ? `${r.namespace}/` : ''}${r.name}`;
};

/** The client's ztunnel opens HBONE to a waypoint pod (§6.4, §8). */
function toWaypoint(ctx: EvalContext, run: PathRun, src: PodFact, route: WaypointRoute): void {
  const wpPod = route.pods[0];
  const wpLabel = waypointLabel(route);
  const wire = networkHop(podLabel(src), wpLabel, HBONE_PORT, 'HBONE');
  checkWaypointReady(run, wire, route);
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
function egressWaypointPath(
  ctx: EvalContext,
  src: PodFact,
  dest: ResolvedDestination,
  route: WaypointRoute,
  request: RequestFacts,
): PairResult {
  const run = new PathRun(ctx);
  const http = request.protocol === 'HTTP';
  const resultOf = () => run.result(podName(src), dest.input);
  const gw = route.gateway.meta;
  captureHop(ctx, run, src, dest.port, [
    `${bindingName(route)} is bound to Gateway ${gw.namespace}/${gw.name} (egress waypoint)`,
  ]);
  if (run.settled) return resultOf();
  toWaypoint(ctx, run, src, route);
  if (run.settled) return resultOf();
  waypointPolicyHop(ctx, run, route, dest, request, src, identityOf(src, ctx.snapshot.mesh.trustDomain));
  if (run.settled) return resultOf();
  const wpPod = route.pods[0];
  const wpLabel = waypointLabel(route);
  const out = networkHop(wpLabel, `${dest.input}${dest.externalIp ? ` (${dest.externalIp})` : ''}`, dest.port, 'TCP');
  if (wpPod) {
    checkWire(ctx, run, out, {
      from: podEnd(wpPod, wpLabel),
      to: { label: dest.input, ip: dest.externalIp },
      port: dest.port,
      hbone: false,
      symptom: http ? 'http-503' : 'timeout',
      consequence: { egress: ' The egress waypoint is the pod that connects out.', ingress: '' },
    });
  }
  run.add(out);
  return resultOf();
}

/** §9: a destination outside the mesh registry: ztunnel passes it through as plaintext. */
function externalPath(ctx: EvalContext, src: PodFact, dest: ResolvedDestination): PairResult {
  const { mesh } = ctx.snapshot;
  const run = new PathRun(ctx);
  const captured = enrollmentOf(ctx, src).captured;
  run.notes(() => enrollmentFindings(ctx, src));
  if (captured && dest.kind === 'external' && mesh.outboundTrafficPolicy === 'REGISTRY_ONLY' && !run.verdictOnly) {
    const detail =
      `meshConfig.outboundTrafficPolicy is REGISTRY_ONLY, but ztunnel does not enforce it: ${dest.input} is ` +
      `not in the ` +
      'registry and is still passed through. Control egress with an egress waypoint and policy, or a NetworkPolicy.';
    run.note(
      finding(
        'AD812',
        detail,
        mesh.sources.filter((r) => r.kind === 'ConfigMap'),
      ),
    );
  }
  if (captured) captureHop(ctx, run, src, dest.port);
  if (run.settled) return run.result(podName(src), dest.input);
  const out = networkHop(podLabel(src), dest.externalIp ?? dest.input, dest.port, 'TCP');
  run.evidence(
    out,
    captured ? 'ztunnel passes unknown or external destinations through as plaintext (§9)' : 'plain TCP',
  );
  checkWire(ctx, run, out, {
    from: podEnd(src, podLabel(src)),
    to: { label: dest.externalIp ?? dest.input, ip: dest.externalIp },
    port: dest.port,
    hbone: false,
    symptom: 'timeout',
    consequence: {
      egress: dest.externalIp
        ? ''
        : ' The external address is unknown in the input, so only rules without peers or with 0.0.0.0/0 could ' +
          'allow it.',
      ingress: '',
    },
  });
  run.add(out);
  return run.result(podName(src), dest.input);
}

/** §11 row 23: nothing to connect to. */
function noEndpointsPath(
  ctx: EvalContext,
  src: PodFact | undefined,
  dest: ResolvedDestination,
  viaWaypointHttp: boolean,
): PairResult {
  const captured = src ? enrollmentOf(ctx, src).captured : false;
  const svc = dest.object ? `${dest.object.kind} ${dest.object.namespace}/${dest.object.name}` : dest.input;
  const notReady = dest.notReady.map((p) => podName(p));
  const why = notReady.length
    ? ` (selected but not usable: ${notReady.join(', ')})`
    : ' (its selector matches no pod in the input)';
  const consequence = captured
    ? 'The source ztunnel logs "no healthy upstream" and resets the connection.'
    : 'kube-proxy rejects connections to a Service without endpoints.';
  const f = finding('AD701', `${svc} has no ready endpoints${why}. ${consequence}`, [
    ...(dest.object ? [dest.object] : []),
    ...dest.notReady.map((p) => podRef(p)),
  ]);
  return {
    source: src ? podName(src) : 'kubelet',
    destination: svc,
    ok: false,
    // §5: through a waypoint, HTTP clients get 503 "no healthy upstream" (UH).
    symptom: viaWaypointHttp ? 'http-503' : captured ? 'reset' : 'refused',
    enforcedBy: 'dataplane',
    hops: [
      {
        ...networkHop(src ? podLabel(src) : 'client', svc, dest.port, 'TCP'),
        result: 'fail',
        evidence: ['no endpoints'],
      },
    ],
    findings: [f],
    decisive: f,
  };
}

export { refTo };
