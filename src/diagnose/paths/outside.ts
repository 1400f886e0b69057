// Routes that leave the mesh's pods: an egress waypoint, straight out, or nowhere (§9, §11 row 23).
import type { PodFact } from '../../snapshot/types.js';
import { podRef, refText } from '../../snapshot/ref.js';
import type { RequestFacts } from '../../mesh/http.js';
import { finding } from '../../findings/finding.js';
import { enrollmentFindings, enrollmentOf, podLabel, podName, type EvalContext } from '../context.js';
import { PathRun } from '../explain/path.js';
import type { PairResult } from '../report.js';
import type { ResolvedDestination } from '../explain/resolve.js';
import type { WaypointRoute } from '../explain/route.js';
import { captureHop } from '../hops/capture.js';
import { checkWire, podEnd } from '../hops/wire.js';
import { waypointLabel } from '../hops/waypoint.js';
import { intoWaypoint } from './waypoint.js';
import { networkHop } from './wires.js';
import { ztunnelLogs } from '../../mesh/ztunnel-log-signatures.js';
import { ENVOY_REPLIES } from '../../mesh/envoy-log-signatures.js';

/** §9: client → egress waypoint (its policies) → the external host, which the waypoint dials itself. */
export function egressWaypointPath(
  ctx: EvalContext,
  src: PodFact,
  dest: ResolvedDestination,
  route: WaypointRoute,
  request: RequestFacts,
): PairResult {
  const run = new PathRun(ctx);
  const http = request.protocol === 'HTTP';
  const resultOf = () => run.result(podName(src), dest.input);
  intoWaypoint(ctx, run, src, route, dest, request, 'egress waypoint');
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
export function externalPath(ctx: EvalContext, src: PodFact, dest: ResolvedDestination): PairResult {
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
  run.evidence(out, () =>
    dest.outside?.length
      ? `the Service's endpoints are not pods (EndpointSlice addresses ${dest.outside.join(', ')}): ` +
        `${captured ? 'ztunnel connects to them' : 'the client connects'} in plaintext`
      : captured
        ? 'ztunnel passes unknown or external destinations through as plaintext'
        : 'plain TCP',
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
export function noEndpointsPath(
  ctx: EvalContext,
  src: PodFact | undefined,
  dest: ResolvedDestination,
  viaWaypointHttp: boolean,
  nodeLocal?: { nodes: string[]; picker: 'client' | 'waypoint' },
): PairResult {
  const captured = src ? enrollmentOf(ctx, src).captured : false;
  const svc = dest.object ? refText(dest.object) : dest.input;
  const notReady = dest.notReady.map((p) => podName(p));
  const why = nodeLocal
    ? ` on ${nodeLocal.picker === 'waypoint' ? "the waypoint's" : "the client's"} node ` +
      `${nodeLocal.nodes.join(', ')}, and its internalTrafficPolicy is Local: endpoints on other nodes are never ` +
      `used (${dest.targets.map((t) => `${podName(t.pod)} on ${t.pod.nodeName}`).join(', ')})`
    : notReady.length
      ? ` (selected but not usable: ${notReady.join(', ')})`
      : ' (its selector matches no pod in the input)';
  const consequence =
    nodeLocal?.picker === 'waypoint'
      ? `The waypoint has no endpoint it may use: it answers 503 "${ENVOY_REPLIES.noHealthyUpstream}"${
          viaWaypointHttp ? '' : ' and closes TCP connections'
        }.`
      : captured
        ? `The source ztunnel logs "${ztunnelLogs('no-healthy-upstream')}" and resets the connection.`
        : nodeLocal
          ? 'kube-proxy drops connections to a Local Service without an endpoint on the node.'
          : 'kube-proxy rejects connections to a Service without endpoints.';
  const f = finding('AD701', `${svc} has no ready endpoints${why}. ${consequence}`, [
    ...(dest.object ? [dest.object] : []),
    ...dest.notReady.map((p) => podRef(p)),
  ]);
  return {
    source: src ? podName(src) : 'kubelet',
    destination: svc,
    ok: false,
    // §5: through a waypoint, HTTP clients get Envoy's 503 (UH).
    symptom: viaWaypointHttp ? 'http-503' : captured ? 'reset' : nodeLocal ? 'timeout' : 'refused',
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
