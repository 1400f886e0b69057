// Evaluates one source → destination-pod pair hop by hop, in the order of §11's checklist:
// capture, ztunnel on each node, NetworkPolicy on the wire, PeerAuthentication and
// AuthorizationPolicy at the destination ztunnel.
import type { AuthorizationPolicyFact, PodFact, Snapshot } from '../snapshot/types.js';
import { evaluateEnrollment, type Enrollment } from '../mesh/enrollment.js';
import { effectiveMtls } from '../mesh/peer-authentication.js';
import { convertAuthorizationPolicy, dryRunEnforced, isDryRun, policiesInScope, type ConversionResult } from '../mesh/authorization.js';
import { assertRbac, type RbacConnection, type RbacPolicy } from '../mesh/ztunnel-rbac.js';
import { evaluateNetworkPolicy, type DirectionVerdict, type NetEndpoint, type NetworkPolicyIndex } from '../mesh/network-policy.js';
import {
  ANNOTATION_BYPASS_INBOUND,
  CONVERTED_PA_PREFIX,
  HBONE_PORT,
  LABEL_TUNNEL,
  STATIC_STRICT_POLICY,
  ZTUNNEL_CONNECT_TIMEOUT_SECONDS,
  ZTUNNEL_INPOD_PORTS,
} from '../mesh/constants.js';
import { finding, type Finding } from './findings.js';
import * as fixes from './fixes.js';
import { explainRuleMismatch, l4OnlyPolicyFix, targetRefPolicyFix, withoutRuleFix } from './authz-explain.js';
import { servicesSelecting, type ResolvedDestination } from './resolve.js';

export type Symptom = 'ok' | 'reset' | 'refused' | 'timeout' | 'http-403' | 'http-503' | 'probe-failure';
export type EnforcedBy = 'networkpolicy' | 'ztunnel' | 'waypoint' | 'dataplane' | 'none';
export type HopResult = 'pass' | 'fail' | 'skip';

export interface Hop {
  from: string;
  to: string;
  port: number;
  protocol: 'HBONE' | 'TCP' | 'HTTP';
  result: HopResult;
  /** What decides at this hop: capture, network, ztunnel-inbound, probe. */
  layer: 'capture' | 'network' | 'waypoint' | 'ztunnel-inbound' | 'app';
  /** The peer identity the receiving side sees; absent for plaintext. */
  identity?: string;
  evidence: string[];
}

export interface PairResult {
  source: string;
  destination: string;
  ok: boolean;
  symptom: Symptom;
  enforcedBy: EnforcedBy;
  hops: Hop[];
  findings: Finding[];
  /** The finding that stops the connection, when it fails. */
  decisive?: Finding;
  /** Why the pair cannot be decided, when it cannot. */
  unknown?: string;
}

export interface EvalContext {
  snapshot: Snapshot;
  netpols: NetworkPolicyIndex;
  conversions: Map<AuthorizationPolicyFact, ConversionResult>;
  enrollments: Map<PodFact, Enrollment>;
  /** Per destination pod: policies in scope and effective mTLS (a matrix asks many times). */
  inScope: Map<PodFact, AuthorizationPolicyFact[]>;
  mtls: Map<PodFact, ReturnType<typeof effectiveMtls>>;
  /** Verdicts only: no evidence text and no informational findings (the matrix). */
  lean: boolean;
  fixTargets: Map<PodFact, fixes.FixTarget>;
}

export type PairSource = { kind: 'pod'; pod: PodFact } | { kind: 'kubelet' };

export function createContext(snapshot: Snapshot, netpols: NetworkPolicyIndex, lean = false): EvalContext {
  return { snapshot, netpols, conversions: new Map(), enrollments: new Map(), inScope: new Map(), mtls: new Map(), lean, fixTargets: new Map() };
}

export function enrollmentOf(ctx: EvalContext, pod: PodFact): Enrollment {
  let e = ctx.enrollments.get(pod);
  if (!e) {
    const workload = pod.owner ? ctx.snapshot.workloads.find((w) => w.meta.namespace === pod.meta.namespace && (w.meta.name === pod.owner!.name || pod.owner!.name.startsWith(`${w.meta.name}-`))) : undefined;
    e = evaluateEnrollment(pod, ctx.snapshot.namespaces.get(pod.meta.namespace), ctx.snapshot.mesh, workload);
    ctx.enrollments.set(pod, e);
  }
  return e;
}

function conversionOf(ctx: EvalContext, ap: AuthorizationPolicyFact): ConversionResult {
  let c = ctx.conversions.get(ap);
  if (!c) {
    c = convertAuthorizationPolicy(ap, ctx.snapshot.mesh);
    ctx.conversions.set(ap, c);
  }
  return c;
}

export const podRef = (p: PodFact) => `Pod ${p.meta.namespace}/${p.meta.name}`;
const labels = new WeakMap<PodFact, string>();
export const podLabel = (p: PodFact): string => {
  let l = labels.get(p);
  if (l === undefined) labels.set(p, (l = `${p.meta.namespace}/${p.meta.name}${p.podIPs[0] ? ` (${p.podIPs[0]})` : ''}`));
  return l;
};
const apRef = (ap: { meta: { namespace: string; name: string } }) => `AuthorizationPolicy ${ap.meta.namespace}/${ap.meta.name}`;
const paRef = (pa: { meta: { namespace: string; name: string } }) => `PeerAuthentication ${pa.meta.namespace}/${pa.meta.name}`;

export function identityOf(pod: PodFact, trustDomain: string): string {
  return `${trustDomain}/ns/${pod.meta.namespace}/sa/${pod.serviceAccount}`;
}

export interface ZtunnelCheck {
  ok: boolean;
  assumed: boolean;
  detail: string;
  object?: string;
}

const ztunnelChecks = new WeakMap<Snapshot, Map<string, ZtunnelCheck>>();

/** §2.1: the ztunnel that serves a pod is the one on its node, found by label (cached per node). */
export function ztunnelOnNode(snapshot: Snapshot, node: string | undefined): ZtunnelCheck {
  let byNode = ztunnelChecks.get(snapshot);
  if (!byNode) ztunnelChecks.set(snapshot, (byNode = new Map()));
  const key = node ?? '';
  let check = byNode.get(key);
  if (!check) byNode.set(key, (check = checkZtunnelOnNode(snapshot, node)));
  return check;
}

function checkZtunnelOnNode(snapshot: Snapshot, node: string | undefined): ZtunnelCheck {
  if (!snapshot.ztunnelsKnown) return { ok: true, assumed: true, detail: 'no ztunnel pods in the input: assumed healthy' };
  if (!node) {
    const anyReady = snapshot.ztunnels.some((z) => z.ready);
    return { ok: anyReady, assumed: true, detail: anyReady ? 'pod not scheduled in the input; a ready ztunnel exists' : 'no ztunnel pod in the input is Ready' };
  }
  const z = snapshot.ztunnels.find((p) => p.nodeName === node);
  if (!z) return { ok: false, assumed: false, detail: `no ztunnel pod runs on node ${node}` };
  if (!z.ready) return { ok: false, assumed: false, detail: `ztunnel ${z.meta.namespace}/${z.meta.name} on node ${node} is not Ready`, object: podRef(z) };
  return { ok: true, assumed: false, detail: `ztunnel ${z.meta.namespace}/${z.meta.name} is Ready on node ${node}`, object: podRef(z) };
}

function ztunnelFix(node: string | undefined): string {
  return `# No YAML fixes this: get a Ready ztunnel onto node ${node ?? '<node>'}.\nkubectl get pods -n istio-system -l app=ztunnel -o wide\nkubectl describe daemonset -n istio-system -l app=ztunnel   # tolerations, GKE ResourceQuota for system-node-critical\n# Pods annotated ambient.istio.io/redirection=pending start flowing once a ztunnel proxies them.`;
}

interface Failure {
  symptom: Symptom;
  enforcedBy: EnforcedBy;
  decisive: Finding;
}

function describeNetDirection(v: DirectionVerdict): string {
  return v.selecting.map((p) => `${p.meta.namespace}/${p.meta.name}`).join(', ');
}

export function evaluatePair(ctx: EvalContext, source: PairSource, dstPod: PodFact, targetPort: number, dest: ResolvedDestination): PairResult {
  const { snapshot } = ctx;
  const mesh = snapshot.mesh;
  const findings: Finding[] = [];
  const hops: Hop[] = [];
  let failure: Failure | undefined;
  let unknown: string | undefined;
  const fail = (f: Failure) => {
    failure ??= f;
  };

  const dstEnr = enrollmentOf(ctx, dstPod);
  let target = ctx.fixTargets.get(dstPod);
  if (!target) ctx.fixTargets.set(dstPod, (target = fixes.fixTarget(dstPod, dest.service?.selector)));
  const srcPod = source.kind === 'pod' ? source.pod : undefined;
  const srcEnr = srcPod ? enrollmentOf(ctx, srcPod) : undefined;
  const srcLabel = srcPod ? podLabel(srcPod) : `kubelet on ${dstPod.nodeName ?? 'the node'}`;
  const dstLabel = podLabel(dstPod);

  for (const e of [srcEnr, dstEnr]) for (const n of e?.notes ?? []) findings.push(finding(n.code, n.detail, n.objects));

  // --- capture: the source pod's ztunnel (§1.3, §2.3, §5) ---
  const srcCaptured = !!srcEnr && (srcEnr.captured || srcEnr.redirection === 'pending');
  if (srcPod && srcEnr && srcCaptured) {
    const zt = ztunnelOnNode(snapshot, srcPod.nodeName);
    const hop: Hop = { from: srcLabel, to: `ztunnel on ${srcPod.nodeName ?? 'its node'}`, port: dest.port, protocol: 'TCP', result: 'pass', layer: 'capture', evidence: [`source captured: ${srcEnr.reason}`, zt.detail] };
    if (srcEnr.redirection === 'pending') {
      hop.result = 'fail';
      fail({ symptom: 'refused', enforcedBy: 'dataplane', decisive: findings.find((f) => f.code === 'AD109' && f.objects[0] === podRef(srcPod))! });
    } else if (!zt.ok) {
      hop.result = 'fail';
      const f = finding('AD201', `${zt.detail}. Outbound traffic of ${podRef(srcPod)} is redirected in-pod to a ztunnel listener that no longer exists, so connect() is refused (curl exit 7).`, [podRef(srcPod), ...(zt.object ? [zt.object] : [])], ztunnelFix(srcPod.nodeName));
      findings.push(f);
      fail({ symptom: 'refused', enforcedBy: 'dataplane', decisive: f });
    }
    hops.push(hop);
  } else if (srcPod && srcEnr) {
    const why = srcEnr.mode === 'sidecar' ? 'it has a sidecar, which sends its own mTLS' : srcEnr.reason;
    if (!ctx.lean && srcEnr.mode !== 'sidecar' && srcEnr.mode !== 'gateway') findings.push(finding('AD101', `${podRef(srcPod)} is not in the ambient mesh (${why}), so its connections leave as plaintext with no identity.`, [podRef(srcPod), `Namespace ${srcPod.meta.namespace}`]));
  }

  // --- the packet on the wire (§8, §10) ---
  const dstPending = dstEnr.redirection === 'pending';
  const dstCaptured = dstEnr.captured;
  const dstSidecarHbone = dstEnr.mode === 'sidecar' && dstPod.meta.labels[LABEL_TUNNEL] === 'http';
  const srcSendsHbone = (srcCaptured && srcEnr?.captured) || srcEnr?.mode === 'sidecar' || srcEnr?.mode === 'gateway';
  const hbone = !!srcSendsHbone && (dstCaptured || dstSidecarHbone);
  const kubelet = source.kind === 'kubelet';
  // §7: node-local sockets to an enrolled pod are SNATed to the probe address and skip ztunnel.
  const probeSnat = (kubelet || (srcPod?.hostNetwork && srcPod.nodeName !== undefined && srcPod.nodeName === dstPod.nodeName)) && (dstCaptured || dstPending);
  const wirePort = hbone ? HBONE_PORT : targetPort;
  let wireSourceIp: string | undefined;
  let wireFromLabel = srcLabel;
  if (probeSnat) {
    wireSourceIp = mesh.probeSnatIPv4;
    wireFromLabel = `${kubelet ? 'kubelet' : srcLabel} SNAT ${mesh.probeSnatIPv4}`;
  } else if (srcPod?.hostNetwork) {
    wireSourceIp = srcPod.hostIP ?? srcPod.podIPs[0];
  } else {
    wireSourceIp = srcPod?.podIPs[0];
  }
  const netSrc: NetEndpoint = probeSnat || kubelet ? { ip: wireSourceIp } : { pod: srcPod, ip: wireSourceIp, namespaceLabels: srcPod ? snapshot.namespaces.get(srcPod.meta.namespace)?.meta.labels : undefined };
  const netDst: NetEndpoint = { pod: dstPod, ip: dstPod.podIPs[0], namespaceLabels: snapshot.namespaces.get(dstPod.meta.namespace)?.meta.labels };
  const wireHop: Hop = { from: wireFromLabel, to: `${dstLabel}`, port: wirePort, protocol: hbone ? 'HBONE' : 'TCP', result: 'pass', layer: 'network', evidence: [] };
  if (kubelet && !probeSnat) wireHop.evidence.push('destination not captured: the probe comes from the node, which CNIs let through');
  const np = kubelet && !probeSnat ? undefined : evaluateNetworkPolicy(ctx.netpols, { src: netSrc, dst: netDst, port: wirePort, protocol: 'TCP' });
  if (np) {
    if (!ctx.lean) wireHop.evidence.push(np.egress.isolated ? `source egress: ${np.egress.allowed ? 'allowed' : 'denied'} by ${np.egress.decidedByAdmin ?? describeNetDirection(np.egress)}` : 'source egress: no NetworkPolicy selects the source');
    if (!ctx.lean) wireHop.evidence.push(np.ingress.isolated ? `destination ingress: ${np.ingress.allowed ? 'allowed' : 'denied'} by ${np.ingress.decidedByAdmin ?? describeNetDirection(np.ingress)}` : 'destination ingress: no NetworkPolicy selects the destination');
    for (const dir of [np.egress, np.ingress]) {
      if (dir.viaIpBlockOnPod) {
        const refs = dir.allowedBy.map((r) => fixes.policyRef(r.policy));
        findings.push(finding('AD506', `Only an ipBlock admits this pod-to-pod traffic (${refs.join(', ')}). Kubernetes leaves ipBlock matching of pod IPs to the CNI; many CNIs match, some do not.`, refs));
      }
    }
  }
  const appPortWouldPass = (dir: 'egress' | 'ingress') => {
    if (!hbone || ctx.lean) return false;
    const alt = evaluateNetworkPolicy(ctx.netpols, { src: netSrc, dst: netDst, port: targetPort, protocol: 'TCP' });
    return alt[dir].allowed;
  };
  if (np && !np.egress.allowed && srcPod) {
    wireHop.result = 'fail';
    const refs = np.egress.decidedByAdmin ? [np.egress.decidedByAdmin] : np.egress.selecting.map(fixes.policyRef);
    const code = hbone ? 'AD502' : 'AD504';
    const extra = hbone && appPortWouldPass('egress') ? ` The policies allow port ${targetPort}, but mesh traffic leaves on TCP ${HBONE_PORT}; the app port is only inside the tunnel.` : '';
    const f = finding(
      code,
      () => `Egress from ${podRef(srcPod)} to ${dstLabel} on TCP ${wirePort} is not allowed by ${refs.join(', ')}.${extra}${hbone ? ` The source ztunnel stalls for its ${ZTUNNEL_CONNECT_TIMEOUT_SECONDS} s connect timeout and logs "maybe a NetworkPolicy is blocking HBONE port 15008".` : ''}`,
      refs,
      () => fixes.networkPolicyEgressFix(srcPod, dstPod, wirePort, `allow-${hbone ? 'hbone' : 'egress'}-to-${fixes.workloadName(dstPod)}`),
    );
    findings.push(f);
    fail({ symptom: 'timeout', enforcedBy: 'networkpolicy', decisive: f });
  }
  if (np && !np.ingress.allowed) {
    wireHop.result = 'fail';
    const refs = np.ingress.decidedByAdmin ? [np.ingress.decidedByAdmin] : np.ingress.selecting.map(fixes.policyRef);
    if (probeSnat) {
      const f = finding(
        'AD505',
        `Ingress to ${podRef(dstPod)} from ${mesh.probeSnatIPv4} (the ambient probe SNAT address) on TCP ${wirePort} is not allowed by ${refs.join(', ')}. Whether the CNI enforces this for link-local sources depends on the CNI; most do. The kubelet reports "probe failed: context deadline exceeded".`,
        refs,
        () => fixes.networkPolicyIngressFix(target, { ipBlock: [`${mesh.probeSnatIPv4}/32`, `${mesh.probeSnatIPv6}/128`] }, 0, `allow-kubelet-probes-${fixes.workloadName(dstPod)}`),
      );
      findings.push(f);
      fail({ symptom: kubelet ? 'probe-failure' : 'timeout', enforcedBy: 'networkpolicy', decisive: f });
    } else {
      const code = hbone ? 'AD501' : 'AD503';
      const extra = hbone && appPortWouldPass('ingress') ? ` The policies allow port ${targetPort}, but ambient traffic arrives on TCP ${HBONE_PORT}; rules that name the app port no longer match mesh traffic.` : '';
      const from = srcPod ?? undefined;
      const f = finding(
        code,
        () => `Ingress to ${podRef(dstPod)} from ${srcLabel} on TCP ${wirePort} is not allowed by ${refs.join(', ')}.${extra}${hbone ? ` The source ztunnel gives up after ${ZTUNNEL_CONNECT_TIMEOUT_SECONDS} s.` : ''}`,
        refs,
        () => from && !from.hostNetwork
          ? fixes.networkPolicyIngressFix(target, from, wirePort, `allow-${hbone ? 'hbone' : 'ingress'}-from-${fixes.workloadName(from)}`)
          : fixes.networkPolicyIngressFix(target, { ipBlock: [`${wireSourceIp ?? '0.0.0.0'}/32`] }, wirePort, `allow-ingress-to-${fixes.workloadName(dstPod)}`),
      );
      findings.push(f);
      fail({ symptom: 'timeout', enforcedBy: 'networkpolicy', decisive: f });
    }
  }
  // §2.3: the destination's in-pod rules point at a ztunnel that must exist.
  if ((dstCaptured || dstPending) && !probeSnat) {
    const zt = ztunnelOnNode(snapshot, dstPod.nodeName);
    if (!ctx.lean) wireHop.evidence.push(`destination ${zt.detail}`);
    if (dstPending) {
      wireHop.result = 'fail';
      fail({ symptom: 'timeout', enforcedBy: 'dataplane', decisive: findings.find((f) => f.code === 'AD109' && f.objects[0] === podRef(dstPod))! });
    } else if (!zt.ok) {
      wireHop.result = 'fail';
      const f = finding('AD201', `${zt.detail}. Inbound packets to ${podRef(dstPod)} hit in-pod TPROXY rules with no listener and are dropped, so the connection stalls${srcCaptured ? ` until the source ztunnel's ${ZTUNNEL_CONNECT_TIMEOUT_SECONDS} s connect timeout` : ''}.`, [podRef(dstPod), ...(zt.object ? [zt.object] : [])], ztunnelFix(dstPod.nodeName));
      findings.push(f);
      fail({ symptom: 'timeout', enforcedBy: 'dataplane', decisive: f });
    }
  }
  if (!ctx.lean && !dstCaptured && !dstPending && dstEnr.mode !== 'sidecar') {
    findings.push(finding('AD703', `${podRef(dstPod)} is not in the mesh (${dstEnr.reason}): ${srcCaptured ? 'ztunnel passes the connection through as plaintext from the source pod IP' : 'the connection is plain TCP'}, and no AuthorizationPolicy or PeerAuthentication applies to it.`, [podRef(dstPod)]));
  }
  hops.push({ ...wireHop, result: failure && wireHop.result === 'pass' ? 'skip' : wireHop.result });

  // --- destination ztunnel inbound: PeerAuthentication and AuthorizationPolicy (§3, §4) ---
  const bypassInbound = dstPod.meta.annotations[ANNOTATION_BYPASS_INBOUND] === 'true' && !hbone;
  if (bypassInbound && dstCaptured) {
    findings.push(finding('AD113', `${podRef(dstPod)} has ${ANNOTATION_BYPASS_INBOUND}=true: plaintext inbound reaches the app directly, so no STRICT check and no AuthorizationPolicy applies to it.`, [podRef(dstPod)]));
  }
  const identity = hbone && srcPod ? identityOf(srcPod, mesh.trustDomain) : undefined;
  if (dstCaptured && !probeSnat && !bypassInbound) {
    const inbound: Hop = { from: `ztunnel on ${dstPod.nodeName ?? 'the node'}`, to: `${dstPod.meta.namespace}/${dstPod.meta.name}:${targetPort}`, port: targetPort, protocol: 'TCP', result: 'pass', layer: 'ztunnel-inbound', identity, evidence: [] };
    if (!ctx.lean) inbound.evidence.push(identity ? `peer identity ${identity}` : 'plaintext: no peer identity');
    const decision = evaluateInbound(ctx, target, { identity, sourceIp: wireSourceIp, destinationIp: dstPod.podIPs[0], destinationPort: targetPort }, srcPod, findings, inbound);
    if (decision) {
      inbound.result = 'fail';
      fail(decision);
    }
    if (ZTUNNEL_INPOD_PORTS.includes(targetPort) && !failure) {
      // §2.5: ztunnel refuses to proxy to its own in-pod ports, so the connection is closed.
      const f = finding('AD705', `Port ${targetPort} is one of ztunnel's in-pod ports (15001, 15006, 15008, 15053, 15080); ztunnel refuses to proxy to it ("attempted recursive call to ourselves") and the client is reset.`, [podRef(dstPod)]);
      findings.push(f);
      inbound.result = 'fail';
      fail({ symptom: 'reset', enforcedBy: 'dataplane', decisive: f });
    }
    hops.push({ ...inbound, result: failure && inbound.result === 'pass' ? 'skip' : inbound.result });
  } else if (dstEnr.mode === 'sidecar' && !kubelet) {
    // §10: a sidecar destination enforces its own mTLS and policies in Envoy.
    const mtls = effectiveMtls(dstPod, snapshot.peerAuthentications, mesh.rootNamespace);
    const mutual = hbone || srcEnr?.mode === 'sidecar' || srcEnr?.mode === 'gateway';
    const senderIdentity = mutual && srcPod ? identityOf(srcPod, mesh.trustDomain) : undefined;
    const hop: Hop = { from: srcEnr?.mode === 'sidecar' ? 'sidecar of the source' : hbone ? 'ztunnel (HBONE)' : srcLabel, to: `${dstPod.meta.namespace}/${dstPod.meta.name}:${targetPort}`, port: targetPort, protocol: 'TCP', result: 'pass', layer: 'ztunnel-inbound', identity: senderIdentity, evidence: [`the destination runs a sidecar${dstSidecarHbone ? ' that terminates HBONE (networking.istio.io/tunnel=http)' : ''}`, `mTLS mode ${mtls.mode}${mtls.decidedBy ? ` from ${paRef(mtls.decidedBy)}` : ''}`] };
    if (!mutual && mtls.mode === 'STRICT') {
      const why = srcCaptured ? `runs a sidecar without ${LABEL_TUNNEL}=http, so ztunnel sends it plaintext TCP` : `runs a sidecar and ${srcLabel} connects in plaintext`;
      const f = finding('AD704', `${podRef(dstPod)} ${why}, which its STRICT mTLS rejects: the client sees a reset.`, [...(mtls.decidedBy ? [paRef(mtls.decidedBy)] : []), podRef(dstPod)]);
      findings.push(f);
      hop.result = 'fail';
      fail({ symptom: 'reset', enforcedBy: 'dataplane', decisive: f });
    } else if (!mutual && srcCaptured) {
      findings.push(finding('AD707', `${podRef(dstPod)} runs a sidecar without ${LABEL_TUNNEL}=http, so ztunnel sends it plaintext TCP; its PERMISSIVE mTLS accepts it.`, [podRef(dstPod)]));
    }
    const sidecarPolicies = policiesInScope(dstPod, snapshot.authorizationPolicies, mesh.rootNamespace);
    if (sidecarPolicies.length > 0 && !failure) {
      const refs = sidecarPolicies.map(apRef);
      findings.push(finding('AD706', `${refs.join(', ')} ${refs.length > 1 ? 'apply' : 'applies'} at the sidecar of ${podRef(dstPod)}; sidecar (Envoy) authorization with HTTP rules is not evaluated by this version.`, refs));
      unknown = `AuthorizationPolicies apply at the sidecar of ${podRef(dstPod)}, which this version does not evaluate.`;
    }
    hops.push({ ...hop, result: failure && hop.result === 'pass' ? 'skip' : hop.result });
  }

  // The app port itself.
  const declared = dstPod.containers.some((c) => c.ports.some((p) => p.containerPort === targetPort));
  if (!declared && !ctx.lean) findings.push(finding('AD702', `No container of ${podRef(dstPod)} declares port ${targetPort}; the verdict assumes the app listens there. If it does not, the client sees a reset (ztunnel logs "connection failed: Connection refused").`, [podRef(dstPod)]));

  const ok = !failure;
  return {
    source: srcPod ? podRef(srcPod) : 'kubelet',
    destination: `${podRef(dstPod)}:${targetPort}`,
    ok,
    symptom: failure ? failure.symptom : 'ok',
    enforcedBy: failure ? failure.enforcedBy : 'none',
    hops,
    findings,
    decisive: failure?.decisive,
    ...(unknown && ok ? { unknown } : {}),
  };
}

/** §3-§4 at the destination ztunnel; returns the failure, if the connection is rejected. */
/** The waypoint a connection came through, for the §4.7 identity pitfall. */
export interface ViaWaypoint {
  gateway: string;
  clientIdentity?: string;
  clientLabel: string;
}

export function evaluateInbound(ctx: EvalContext, target: fixes.FixTarget, conn: RbacConnection, src: PodFact | undefined, findings: Finding[], hop: Hop, via?: ViaWaypoint): Failure | undefined {
  const { snapshot } = ctx;
  const mesh = snapshot.mesh;
  const dst = target.pod;
  let mtls = ctx.mtls.get(dst);
  if (!mtls) ctx.mtls.set(dst, (mtls = effectiveMtls(dst, snapshot.peerAuthentications, mesh.rootNamespace)));
  if (!ctx.lean) hop.evidence.push(`mTLS mode ${mtls.mode}${mtls.decidedBy ? ` from ${paRef(mtls.decidedBy)}` : ' (default, no PeerAuthentication)'}`);
  for (const pa of mtls.levels.ignoredRootSelectors) findings.push(finding('AD303', `${paRef(pa)} has a selector in the root namespace ${mesh.rootNamespace}; istiod ignores it for ambient workloads.`, [paRef(pa)]));
  for (const pa of mtls.levels.shadowed) findings.push(finding('AD304', `${paRef(pa)} is ignored for ${podRef(dst)}: another PeerAuthentication at the same level is older and wins.`, [paRef(pa)]));
  if (mtls.decidedBy?.mode === 'DISABLE') findings.push(finding('AD302', `${paRef(mtls.decidedBy)} sets DISABLE: ambient pods still talk mTLS; for ztunnel it only means "not STRICT", so plaintext is accepted.`, [paRef(mtls.decidedBy)]));

  const applied: { policy: RbacPolicy; ap?: AuthorizationPolicyFact; conversion?: ConversionResult }[] = mtls.policies.map((policy) => ({ policy }));
  if (via && mesh.autoAllowWaypointPolicy && conn.identity) {
    // §4.7: istiod's synthetic ALLOW for the waypoint, with PILOT_AUTO_ALLOW_WAYPOINT_POLICY=true.
    const [wpNs, wpName] = via.gateway.split('/');
    applied.push({ policy: { name: `istio_allow_waypoint_${wpNs}_${wpName}`, namespace: wpNs, scope: 'WORKLOAD_SELECTOR', action: 'ALLOW', groups: [{ rules: [{ matches: [{ principals: [{ exact: conn.identity }] }] }] }] } });
    if (!ctx.lean) hop.evidence.push(`PILOT_AUTO_ALLOW_WAYPOINT_POLICY: istiod adds ${wpNs}/istio_allow_waypoint_${wpNs}_${wpName}`);
  }
  let scope = ctx.inScope.get(dst);
  if (!scope) ctx.inScope.set(dst, (scope = policiesInScope(dst, snapshot.authorizationPolicies, mesh.rootNamespace)));
  for (const ap of scope) {
    const conv = conversionOf(ctx, ap);
    if (!ctx.lean) noteConversion(ctx, ap, conv, dst, findings);
    if (conv.policy) applied.push({ policy: conv.policy, ap, conversion: conv });
  }
  if (!ctx.lean) noteTargetRefPolicies(ctx, dst, findings);
  for (const a of ctx.lean ? [] : applied) {
    const c = a.ap?.conditions.find((x) => x.type === 'ZtunnelAccepted');
    if (c) hop.evidence.push(`${a.ap!.meta.namespace}/${a.ap!.meta.name} status ZtunnelAccepted=${c.status}${c.reason ? ` (${c.reason})` : ''}`);
  }
  const decision = assertRbac(applied.map((a) => a.policy), conn);
  if (!ctx.lean) {
    const enforcing = applied.filter((a) => a.ap).map((a) => `${a.policy.action} ${a.policy.namespace}/${a.policy.name}`);
    hop.evidence.push(enforcing.length > 0 ? `policies at ztunnel: ${enforcing.join(', ')}` : 'no AuthorizationPolicy applies at ztunnel');
  }
  if (decision.allowed) {
    if (decision.decisive) hop.evidence.push(`allowed by ${decision.decisive.namespace}/${decision.decisive.name} rule ${(decision.groupIndex ?? 0) + 1}`);
    return undefined;
  }
  const who = via ? `waypoint ${via.gateway}` : src ? podRef(src) : 'the client';
  if (decision.reason === 'denied') {
    const p = decision.decisive!;
    if (p.name === STATIC_STRICT_POLICY || p.name.startsWith(CONVERTED_PA_PREFIX)) {
      const pa = mtls.decidedBy && p.name === STATIC_STRICT_POLICY ? mtls.decidedBy : mtls.levels.workload ?? mtls.decidedBy;
      const objects = pa ? [paRef(pa)] : [];
      if (src) objects.push(podRef(src));
      const fix = () => src && !src.hostNetwork
        ? `# Either enrol the client in ambient (preferred):\n${fixes.enrolNamespaceFix(src.meta.namespace)}\n---\n# or accept plaintext on this port only:\n${fixes.permissivePortFix(target, conn.destinationPort)}`
        : `# Accept plaintext on this port only:\n${fixes.permissivePortFix(target, conn.destinationPort)}`;
      const f = finding(
        'AD301',
        `${podRef(dst)} is under STRICT mTLS${pa ? ` (${paRef(pa)})` : ''} and ${who} connects in plaintext. ztunnel accepts the TCP handshake, matches ${p.namespace}/${p.name}, and drops the socket: the client sees a reset (curl exit 56). The destination ztunnel logs "explicitly denied by: ${p.namespace}/${p.name}".`,
        objects,
        fix,
      );
      findings.push(f);
      return { symptom: 'reset', enforcedBy: 'ztunnel', decisive: f };
    }
    const entry = applied.find((a) => a.policy === p)!;
    const ap = entry.ap!;
    const f = finding(
      'AD401',
      `DENY ${apRef(ap)} rule ${(decision.groupIndex ?? 0) + 1} matches ${who}${conn.identity ? ` (${conn.identity})` : ' (plaintext)'} on port ${conn.destinationPort}. ztunnel resets the connection and logs "explicitly denied by: ${ap.meta.namespace}/${ap.meta.name}".`,
      [apRef(ap)],
      () => withoutRuleFix(ap, decision.groupIndex ?? 0, entry.conversion!),
    );
    findings.push(f);
    return { symptom: 'reset', enforcedBy: 'ztunnel', decisive: f };
  }
  // ALLOW policies apply and none matches.
  const allows = applied.filter((a) => a.ap && a.policy.action === 'ALLOW');
  const reasons = ctx.lean ? [] : allows.map((a) => `${a.ap!.meta.namespace}/${a.ap!.meta.name}: ${explainRuleMismatch(a.ap!, a.conversion!, conn)}`);
  const objects = allows.map((a) => apRef(a.ap!));
  // (In a lean context the detail below is short: the reasons are not computed.)
  const emptyAllow = allows.find((a) => a.ap!.rules === undefined || a.ap!.rules.length === 0);
  const l7Allow = allows.find((a) => a.conversion!.report.droppedRules.length > 0);
  let fix: () => string;
  if (!conn.identity) {
    fix = () => src && !src.hostNetwork
      ? `# Identity-based rules cannot match plaintext. Enrol the client:\n${fixes.enrolNamespaceFix(src.meta.namespace)}`
      : `# Plaintext has no identity; only ipBlocks can admit it:\n${fixes.allowIpFix(target, conn.sourceIp ?? '0.0.0.0/0', conn.destinationPort)}`;
  } else if (l7Allow && l7Allow.ap!.rules?.length) {
    fix = () => `# Keep the L4 part at ztunnel:\n${l4OnlyPolicyFix(l7Allow.ap!)}\n---\n# and enforce the HTTP part at a waypoint (needs a waypoint bound to the Service):\n${targetRefPolicyFix(l7Allow.ap!, servicesSelecting(ctx.snapshot, dst)[0]?.meta.name)}`;
  } else {
    const identity = conn.identity;
    fix = () => fixes.allowPrincipalFix(target, identity, conn.destinationPort, src ? `allow-${fixes.workloadName(src)}-to-${fixes.workloadName(dst)}` : undefined);
  }
  let f: Finding;
  const clientWouldPass = via?.clientIdentity && assertRbac(applied.map((a) => a.policy), { ...conn, identity: via.clientIdentity }).allowed;
  if (via && clientWouldPass) {
    f = finding(
      'AD807',
      `${objects.join(', ')} admit${objects.length > 1 ? '' : 's'} the client ${via.clientLabel} (${via.clientIdentity}), but traffic reaches ${podRef(dst)} through ${who}, so the destination ztunnel sees the waypoint's identity ${conn.identity} and rejects it ("allow policies exist, but none allowed"). HTTP clients get a 503 from the waypoint.`,
      objects,
      () => `# Admit the waypoint at ztunnel, and move client rules to the waypoint with targetRefs:\n${fixes.allowPrincipalFix(target, conn.identity!, conn.destinationPort, `allow-waypoint-to-${fixes.workloadName(dst)}`)}`,
    );
  } else if (emptyAllow && allows.length === 1) {
    f = finding('AD408', () => `${apRef(emptyAllow.ap!)} is an ALLOW with no rules${emptyAllow.policy.scope === 'GLOBAL' ? `; in the root namespace ${mesh.rootNamespace} it applies to every ambient workload in the mesh` : ''}. It matches nothing, so every connection to ${podRef(dst)} is denied until another ALLOW admits it; ztunnel logs "allow policies exist, but none allowed".`, objects, fix);
  } else if (l7Allow && allows.every((a) => a.conversion!.report.droppedRules.length > 0 || a === emptyAllow)) {
    const fields = [...new Set(l7Allow.conversion!.report.droppedRules.flatMap((r) => r.fields))];
    f = finding('AD403', `${apRef(l7Allow.ap!)} is enforced by ztunnel (it uses a selector, not targetRefs) but its rules use HTTP fields (${fields.join(', ')}). istiod drops those rules, the ALLOW still applies, and it matches nothing, so ${who} is reset. ${reasons.join(' ')}`, objects, fix);
  } else {
    f = finding('AD402', () => `ALLOW policies apply to ${podRef(dst)} but none matches ${who}${conn.identity ? ` (identity ${conn.identity})` : ' (plaintext, no identity)'} on port ${conn.destinationPort}. ${reasons.join(' ')} ztunnel resets the connection and logs "allow policies exist, but none allowed".`, objects, fix);
  }
  findings.push(f);
  return { symptom: 'reset', enforcedBy: 'ztunnel', decisive: f };
}

function noteConversion(ctx: EvalContext, ap: AuthorizationPolicyFact, conv: ConversionResult, dst: PodFact, findings: Finding[]): void {
  const ref = apRef(ap);
  const version = ctx.snapshot.mesh.istioVersion;
  if (conv.notSent === 'CUSTOM' || conv.notSent === 'AUDIT') {
    findings.push(finding('AD406', `${ref} uses action ${ap.action}, which ztunnel does not support: it is not enforced for ${podRef(dst)} (fail-open). Enforce it at a waypoint with targetRefs.`, [ref]));
  }
  if (isDryRun(ap)) {
    const enforced = dryRunEnforced(version);
    const detail =
      enforced === true
        ? `${ref} is marked dry-run, but Istio ${version} ignores dry-run for ambient: the policy IS enforced.`
        : enforced === false
          ? `${ref} is marked dry-run; Istio ${version} drops it for ztunnel (not enforced, not logged unless AMBIENT_ENABLE_DRY_RUN_AUTHORIZATION_POLICY is set).`
          : `${ref} is marked dry-run. The Istio version is not in the input: from 1.29 it is not enforced (the verdict assumes this); up to 1.28 it IS enforced.`;
    findings.push(finding('AD407', detail, [ref]));
  }
  for (const d of conv.report.strippedRules) {
    const detail = d.noOp
      ? `${ref} rule ${d.index + 1} uses HTTP fields (${d.fields.join(', ')}); ztunnel removes them and the rule keeps a clause that matches nothing, so this DENY rule has no effect at ztunnel. The ZtunnelAccepted status message (1.24-1.30) wrongly says it is "more restrictive".`
      : `${ref} rule ${d.index + 1} uses HTTP fields (${d.fields.join(', ')}); ztunnel enforces it without them, which denies more than written.`;
    findings.push(finding('AD404', detail, [ref], `# Enforce HTTP rules at a waypoint: replace "selector" with targetRefs to the Service, e.g.\n${targetRefPolicyFix(ap, undefined)}`));
  }
  // §4.3: on 1.24-1.30 istiod says "more restrictive" even when the DENY does nothing at ztunnel.
  const accepted = ap.conditions.find((c) => c.type === 'ZtunnelAccepted');
  if (accepted?.message && /more restrictive/i.test(accepted.message) && ap.action === 'DENY' && conv.report.strippedRules.length > 0 && conv.report.strippedRules.every((r) => r.noOp)) {
    findings.push(finding('AD813', `${ref} has status ZtunnelAccepted "${accepted.message}", but every rule with HTTP fields is a no-op at ztunnel, so this DENY has no effect there (the message is misleading on Istio 1.24-1.30).`, [ref]));
  }
  if (conv.report.spiffePrincipals.length > 0) {
    findings.push(finding('AD405', `${ref} names ${conv.report.spiffePrincipals.join(', ')}; ztunnel compares principals without the spiffe:// prefix, so these never match. Write ${conv.report.spiffePrincipals[0].replace('spiffe://', '')}.`, [ref]));
  }
  if (conv.report.droppedValues.length > 0) {
    findings.push(finding('AD411', `${ref} has values istiod drops without warning: ${conv.report.droppedValues.join(', ')}. A match left with no fields never matches.`, [ref]));
  }
  const td = ctx.snapshot.mesh.trustDomain;
  const foreign = (ap.rules ?? []).flatMap((r) => (r.from ?? []).flatMap((f) => [...(f.source?.principals ?? []), ...(f.source?.notPrincipals ?? [])])).filter((p) => !p.startsWith('spiffe://') && p.includes('/ns/') && !p.startsWith(`${td}/`) && p !== '*');
  if (foreign.length > 0 && td !== 'cluster.local') {
    findings.push(finding('AD409', `${ref} names ${foreign.join(', ')}, but the mesh trust domain is ${td}; ztunnel does not apply trust-domain aliases, so these never match.`, [ref]));
  }
  const ipRules = (ap.rules ?? []).some((r) => (r.from ?? []).some((f) => f.source?.ipBlocks?.length || f.source?.notIpBlocks?.length));
  if (ipRules) findings.push(finding('AD412', `${ref} uses ipBlocks; ztunnel compares them with the TCP peer address: the source pod IP directly, the waypoint's IP through a waypoint, and ${ctx.snapshot.mesh.probeSnatIPv4} never (probes skip ztunnel).`, [ref]));
}

function noteTargetRefPolicies(ctx: EvalContext, dst: PodFact, findings: Finding[]): void {
  const services = servicesSelecting(ctx.snapshot, dst);
  for (const ap of ctx.snapshot.authorizationPolicies) {
    if (ap.targetRefs.length === 0 || ap.meta.namespace !== dst.meta.namespace) continue;
    const hits = ap.targetRefs.filter((t) => (t.kind === 'Service' && services.some((s) => s.meta.name === t.name)) || t.kind === 'Gateway');
    if (hits.length === 0) continue;
    findings.push(finding('AD410', `${apRef(ap)} uses targetRefs (${hits.map((h) => `${h.kind} ${h.name}`).join(', ')}): only a waypoint enforces it; ztunnel ignores it on this path.`, [apRef(ap)]));
  }
}
