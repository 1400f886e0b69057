// §11's checklist for a pod (or the kubelet) → a pod without a waypoint.
import { probeSnatAddress } from '../../mesh/istio-cni.js';
import type { PodFact } from '../../snapshot/types.js';
import type { RequestFacts } from '../../mesh/http.js';
import { podRef } from '../../snapshot/ref.js';
import { ANNOTATION_BYPASS_INBOUND, HBONE_PORT, LABEL_TUNNEL } from '../../mesh/constants.js';
import { identityOf } from '../../mesh/identity.js';
import { finding } from '../../findings/finding.js';
import { enrollmentFindings, enrollmentOf, podLabel, podName, type EvalContext } from '../context.js';
import { PathRun } from '../explain/path.js';
import type { PairResult } from '../report.js';
import type { ResolvedDestination } from '../explain/resolve.js';
import { captureHop, notCapturedNote } from '../hops/capture.js';
import { checkWire, podEnd } from '../hops/wire.js';
import { checkArrival } from '../hops/arrival.js';
import { inboundHop } from '../hops/ztunnel-inbound.js';
import { sidecarHop } from '../hops/sidecar.js';
import { NOTES, runNotes } from '../notes/index.js';
import { PLAINTEXT, SOURCE_ZTUNNEL_STALLS, networkHop } from './wires.js';

export type PairSource = { kind: 'pod'; pod: PodFact } | { kind: 'kubelet' };

/** §11's checklist for pod → pod without a waypoint: capture, the wire, the destination's ztunnel or sidecar. */
export function directPath(
  ctx: EvalContext,
  source: PairSource,
  dst: PodFact,
  targetPort: number,
  dest: ResolvedDestination,
  request: RequestFacts,
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
  // The kubelet probes the pod's primary IP (status.podIP): an IPv6-primary pod is probed over IPv6,
  // SNATed to the IPv6 probe address (cni/pkg/iptables, AppendVersionedRule with both addresses).
  const snatIp = probeSnatAddress(mesh, dst.podIPs[0]);
  const sourceIp = probeSnat ? snatIp : src?.hostNetwork ? (src.hostIP ?? src.podIPs[0]) : src?.podIPs[0];
  const wireFrom = probeSnat ? `${kubelet ? 'kubelet' : srcLabel} SNAT ${snatIp}` : srcLabel;
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
      probeSnat: probeSnat ? { kubelet, used: snatIp, ipv4: mesh.probeSnatIPv4, ipv6: mesh.probeSnatIPv6 } : undefined,
      symptom: kubelet ? 'probe-failure' : 'timeout',
      consequence: hbone ? SOURCE_ZTUNNEL_STALLS : PLAINTEXT,
    });
  }
  if (!probeSnat) checkArrival(ctx, run, wire, dst, srcCaptured ? 'source ztunnel' : 'plaintext client', 'timeout');
  const envoyDestination = dstEnr.mode === 'sidecar' || dstEnr.mode === 'gateway';
  if (!dstEnr.captured && !dstPending && !envoyDestination && !run.verdictOnly) {
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
      service: dest.service,
      identity: hbone && src ? identityOf(src, mesh.trustDomain) : undefined,
      sourceIp,
      client: src,
      rejected: 'reset',
    });
  } else if (envoyDestination && !kubelet) {
    sidecarHop(ctx, run, {
      destination: dst,
      targetPort,
      client: src,
      clientLabel: srcLabel,
      hbone,
      clientCaptured: srcCaptured,
      request,
      selector: dest.service?.selector,
    });
  }
  run.notes(() => runNotes(ctx, NOTES.port, { destination: dst, port: targetPort }));
  run.notes(() => runNotes(ctx, NOTES.pair, { source: src, destination: dst, service: dest.service }));
  return resultOf();
}

/** §6, §8 row 2, §4.7: client → waypoint:15008 → its policies → destination:15008 → its ztunnel. */
