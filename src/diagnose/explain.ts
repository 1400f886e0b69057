// The explain pipeline: snapshot → resolve → path per pod pair → evaluate → verdict.
// Pure: plain data in, a report out.
import type { PodFact, Snapshot } from '../snapshot/types.js';
import { indexNetworkPolicies, evaluateNetworkPolicy } from '../mesh/network-policy.js';
import { bindingProblem, ignoredWaypointLabels, waypointBinding, waypointPods, waypointServiceAccount } from '../mesh/waypoints.js';
import type { WaypointRequest } from '../mesh/waypoint-authorization.js';
import { evaluateEgressWaypointPair, evaluateWaypointPair, type WaypointRoute } from './evaluate-waypoint.js';
import { ANNOTATION_DNS_CAPTURE } from '../mesh/constants.js';
import { finding, type Finding } from './findings.js';
import { createContext, enrollmentOf, evaluatePair, identityOf, podLabel, podRef, ztunnelOnNode, type EvalContext, type Hop, type PairResult, type PairSource, type Symptom } from './evaluate.js';
import { resolveDestination, resolveSource, type ResolvedDestination, type ResolvedSource } from './resolve.js';
import { aggregate, mergeFindings, symptomFinding, type Verdict } from './verdict.js';
import * as fixes from './fixes.js';
import { InputError, UsageError } from '../errors.js';

export interface PodSummary {
  name: string;
  namespace: string;
  ip?: string;
  node?: string;
  mode: string;
  captured: boolean;
  identity?: string;
}

export interface ExplainReport {
  source: { input: string; kind: string; namespace?: string; object?: string; pods: PodSummary[] };
  destination: {
    input: string;
    kind: string;
    namespace?: string;
    object?: string;
    port: number;
    targetPort?: number;
    addressedBy: string;
    path?: string;
    pods: PodSummary[];
  };
  verdict: Verdict;
  path: Hop[];
  findings: Finding[];
}

export interface ExplainQuery {
  source: string;
  destination: string;
  namespace: string;
  port?: string;
  method?: string;
  path?: string;
  headers?: string[];
  symptom?: Symptom;
}

/** Bounds the pairs for very large workloads; pods of one workload share labels and policy. */
const MAX_PAIRS = 2500;

export function summarizePod(ctx: EvalContext, pod: PodFact): PodSummary {
  const e = enrollmentOf(ctx, pod);
  return {
    name: pod.meta.name,
    namespace: pod.meta.namespace,
    ...(pod.podIPs[0] ? { ip: pod.podIPs[0] } : {}),
    ...(pod.nodeName ? { node: pod.nodeName } : {}),
    mode: e.mode,
    captured: e.captured,
    ...(e.captured || e.mode === 'sidecar' ? { identity: identityOf(pod, ctx.snapshot.mesh.trustDomain) } : {}),
  };
}

/** §4.8, §6.4: istiod's WaypointBound condition, checked against the computed binding. */
function waypointRouting(ctx: EvalContext, src: ResolvedSource, dest: ResolvedDestination): { findings: Finding[]; route?: WaypointRoute } {
  const result = computeRouting(ctx, src, dest);
  const owner = dest.service ?? dest.serviceEntry;
  const bound = owner?.conditions.find((c) => c.type === 'istio.io/WaypointBound');
  const computedBound = !!result.route || result.findings.some((f) => f.code === 'AD804');
  if (owner && bound && (bound.status === 'True') !== computedBound) {
    result.findings.push(
      finding('AD813', `${dest.object} has status WaypointBound=${bound.status}${bound.reason ? ` (${bound.reason})` : ''}, but from the objects in the input the binding ${computedBound ? 'applies' : 'does not apply'}. The status may be stale, or the input may lack objects (the waypoint Gateway or its pods).`, [dest.object!]),
    );
  }
  return result;
}

/** §6.3-§6.6: the waypoint that serves this client's traffic, or why none does. */
function computeRouting(ctx: EvalContext, src: ResolvedSource, dest: ResolvedDestination): { findings: Finding[]; route?: WaypointRoute } {
  const { snapshot } = ctx;
  const findings: Finding[] = [];
  const objects: { ref: string; meta: PodFact['meta'] }[] = [];
  const dstNs = dest.namespace ? snapshot.namespaces.get(dest.namespace) : undefined;
  if (dstNs) objects.push({ ref: `Namespace ${dstNs.meta.name}`, meta: dstNs.meta });
  if (dest.service) objects.push({ ref: `Service ${dest.service.meta.namespace}/${dest.service.meta.name}`, meta: dest.service.meta });
  if (dest.serviceEntry) objects.push({ ref: `ServiceEntry ${dest.serviceEntry.meta.namespace}/${dest.serviceEntry.meta.name}`, meta: dest.serviceEntry.meta });
  for (const n of ignoredWaypointLabels(objects)) findings.push(finding('AD802', n.detail, n.objects));

  const addressedBy = dest.addressedBy === 'pod-ip' ? 'pod-ip' : 'service';
  const target = dest.service
    ? { ref: `Service ${dest.service.meta.namespace}/${dest.service.meta.name}`, meta: dest.service.meta }
    : dest.serviceEntry
      ? { ref: `ServiceEntry ${dest.serviceEntry.meta.namespace}/${dest.serviceEntry.meta.name}`, meta: dest.serviceEntry.meta }
      : dest.targets[0]
        ? { ref: podRef(dest.targets[0].pod), meta: dest.targets[0].pod.meta }
        : undefined;
  // Headless Services are addressed by pod IP (§6.5): the pods' own labels decide.
  const bindingObject = dest.service && addressedBy === 'pod-ip' && dest.targets[0] ? { ref: podRef(dest.targets[0].pod), meta: dest.targets[0].pod.meta } : target;
  const binding = waypointBinding(bindingObject, dstNs, snapshot.gateways);
  if (!binding) return { findings };
  const gwRef = `Gateway ${binding.namespace}/${binding.name}`;
  if (!binding.gateway) {
    findings.push(finding('AD802', `${binding.labelledObject} asks for waypoint ${binding.namespace}/${binding.name}, which is not in the input. If it does not exist in the cluster either, Istio marks the binding WaypointIsNotReady and traffic goes direct, skipping any L7 policy.`, [binding.labelledObject]));
    return { findings };
  }
  // §6.6: only ambient-captured clients send to waypoints; an Istio ingress gateway does when the
  // Service or its namespace says istio.io/ingress-use-waypoint=true.
  const ingressOptIn = [dest.service?.meta.labels, dstNs?.meta.labels].some((l) => l?.['istio.io/ingress-use-waypoint'] === 'true');
  const capturedClient = src.pods.some((p) => enrollmentOf(ctx, p).captured || (enrollmentOf(ctx, p).mode === 'gateway' && ingressOptIn && addressedBy === 'service'));
  if (!capturedClient) {
    findings.push(finding('AD804', `${binding.labelledObject} is bound to ${gwRef}, but the client is not an ambient-captured pod, so it talks to the destination directly and the waypoint's policies do not apply to it.`, [gwRef, binding.labelledObject]));
    return { findings };
  }
  const inherited = binding.labelledObject.startsWith('Namespace ');
  const problem = bindingProblem(binding, addressedBy, bindingObject?.meta.namespace ?? binding.namespace, snapshot.gatewayClasses, inherited);
  if (problem?.kind === 'not-ready') {
    findings.push(finding('AD805', `${gwRef} has no status.addresses, so Istio never made it ready (WaypointIsNotReady): traffic goes direct and the waypoint's L7 policies are not applied (fail-open).`, [gwRef, binding.labelledObject], `# Check the waypoint Deployment and the Gateway's Programmed condition:\nkubectl -n ${binding.namespace} get gateway ${binding.name} -o yaml`));
    return { findings };
  }
  if (problem?.kind === 'traffic-type') {
    if (!(inherited && addressedBy === 'pod-ip')) {
      findings.push(finding('AD806', `${gwRef} serves traffic type "${problem.supports}" (istio.io/waypoint-for), but this traffic is addressed to ${addressedBy === 'service' ? 'a Service' : 'a pod IP'} (UnsupportedTrafficType): it goes direct and the waypoint's policies are skipped.`, [gwRef, binding.labelledObject], `# Let the waypoint serve both kinds of traffic:\nkubectl -n ${binding.namespace} label gateway ${binding.name} istio.io/waypoint-for=all --overwrite`));
    }
    return { findings };
  }
  if (problem?.kind === 'attachment-denied') {
    findings.push(finding('AD806', `${binding.labelledObject} uses ${gwRef} from another namespace, but its listener does not allow routes from other namespaces (AttachmentDenied): traffic goes direct.`, [gwRef, binding.labelledObject], 'spec:\n  listeners:\n  - name: mesh\n    port: 15008\n    protocol: HBONE\n    allowedRoutes:\n      namespaces:\n        from: All'));
    return { findings };
  }
  const gw = binding.gateway;
  const pods = waypointPods(gw, snapshot.pods);
  const ready = pods.filter((p) => p.ready);
  return {
    findings,
    route: {
      gateway: gw,
      pods: ready,
      noReadyPods: pods.length > 0 && ready.length === 0,
      identity: `${snapshot.mesh.trustDomain}/ns/${gw.meta.namespace}/sa/${waypointServiceAccount(gw)}`,
      labelledObject: binding.labelledObject,
      evidence: [dest.service, dest.serviceEntry].flatMap((o) => (o?.conditions ?? []).filter((c) => c.type === 'istio.io/WaypointBound').map((c) => `${dest.object} status WaypointBound=${c.status}${c.reason ? ` (${c.reason})` : ''}${c.message ? `: ${c.message}` : ''}`)),
    },
  };
}

/**
 * §9: egress reaches the egress waypoint only when ztunnel sees the ServiceEntry's VIP: it needs
 * an address (spec.addresses or one allocated in status) and DNS capture for the client.
 * Returns true (and records why) when the client bypasses the waypoint.
 */
function egressBypass(ctx: EvalContext, srcPod: PodFact, dest: ResolvedDestination, findings: Finding[]): boolean {
  const se = dest.serviceEntry;
  if (!se) return false;
  const seRef = `ServiceEntry ${se.meta.namespace}/${se.meta.name}`;
  const addressedByIp = dest.input.split(':')[0] === dest.externalIp;
  const hasVip = se.addresses.length > 0 || se.statusAddresses.length > 0;
  const dnsAnnotation = srcPod.meta.annotations[ANNOTATION_DNS_CAPTURE];
  const dnsCapture = dnsAnnotation !== undefined ? dnsAnnotation === 'true' : (ctx.snapshot.mesh.dnsCapture ?? true);
  let why: string | undefined;
  if (se.resolution === 'NONE' && !se.addresses.length) why = `${seRef} has resolution NONE, so no VIP is allocated`;
  else if (!hasVip) why = `${seRef} has no spec.addresses and no allocated status.addresses (auto-allocation is off before 1.25 or disabled)`;
  else if (!addressedByIp && !dnsCapture) why = `DNS capture is off for ${podRef(srcPod)} (${dnsAnnotation !== undefined ? `annotation ${ANNOTATION_DNS_CAPTURE}=${dnsAnnotation}` : 'istio-cni AMBIENT_DNS_CAPTURE=false'}), so the client resolves the real IP`;
  if (!why) return false;
  findings.push(finding('AD811', `${why}: ztunnel sees an unknown destination and passes it through directly, bypassing the egress waypoint and its policies.`, [seRef], `# Give the ServiceEntry a VIP ztunnel can match, e.g.\nspec:\n  addresses: [240.240.0.10]\n# and make sure DNS capture is on (istio-cni ambient.dnsCapture=true; restart the pods).`));
  return true;
}

/** What the waypoint sees of the request: HTTP when the port or the user says so (§4.1). */
function requestFacts(dest: ResolvedDestination, query: ExplainQuery): Omit<WaypointRequest, 'identity' | 'sourceIp'> {
  const portName = dest.servicePort?.name ?? '';
  const appProtocol = (dest.servicePort?.appProtocol ?? '').toLowerCase();
  const httpAppProtocol = ['http', 'http2', 'grpc', 'grpc-web', 'kubernetes.io/h2c'].includes(appProtocol);
  const http = !!dest.scheme || !!query.method || !!query.path || (query.headers?.length ?? 0) > 0 || httpAppProtocol || (!appProtocol && /^(http|http2|grpc|grpc-web)(-|$)/i.test(portName));
  const headers: Record<string, string> = {};
  for (const h of query.headers ?? []) {
    const i = h.indexOf(':');
    if (i > 0) headers[h.slice(0, i).trim().toLowerCase()] = h.slice(i + 1).trim();
  }
  const host = dest.service ? `${dest.service.meta.name}.${dest.service.meta.namespace}.svc.cluster.local` : (dest.serviceEntry?.hosts[0] ?? dest.input.split(':')[0]);
  return { protocol: http ? 'HTTP' : 'TCP', method: (query.method ?? 'GET').toUpperCase(), path: query.path ?? dest.path ?? '/', host, headers, port: dest.port };
}

function externalPair(ctx: EvalContext, srcPod: PodFact, dest: ResolvedDestination): PairResult {
  const e = enrollmentOf(ctx, srcPod);
  const findings: Finding[] = e.notes.map((n) => finding(n.code, n.detail, n.objects));
  if (e.captured && dest.kind === 'external' && ctx.snapshot.mesh.outboundTrafficPolicy === 'REGISTRY_ONLY') {
    findings.push(finding('AD812', `meshConfig.outboundTrafficPolicy is REGISTRY_ONLY, but ztunnel does not enforce it: ${dest.input} is not in the registry and is still passed through. Control egress with an egress waypoint and policy, or a NetworkPolicy.`, [...ctx.snapshot.mesh.sources.filter((x) => x.startsWith('ConfigMap istio'))]));
  }
  const hops: Hop[] = [];
  let result: PairResult['symptom'] = 'ok';
  let enforcedBy: PairResult['enforcedBy'] = 'none';
  let decisive: Finding | undefined;
  if (e.captured) {
    const zt = ztunnelOnNode(ctx.snapshot, srcPod.nodeName);
    hops.push({ from: podLabel(srcPod), to: `ztunnel on ${srcPod.nodeName ?? 'its node'}`, port: dest.port, protocol: 'TCP', result: zt.ok ? 'pass' : 'fail', layer: 'capture', evidence: [zt.detail] });
    if (!zt.ok) {
      decisive = finding('AD201', `${zt.detail}; outbound connections of ${podRef(srcPod)} are refused.`, [podRef(srcPod)]);
      findings.push(decisive);
      result = 'refused';
      enforcedBy = 'dataplane';
    }
  }
  const np = evaluateNetworkPolicy(ctx.netpols, { src: { pod: srcPod, ip: srcPod.podIPs[0], namespaceLabels: ctx.snapshot.namespaces.get(srcPod.meta.namespace)?.meta.labels }, dst: { ip: dest.externalIp }, port: dest.port, protocol: 'TCP' });
  const wire: Hop = { from: podLabel(srcPod), to: `${dest.externalIp ?? dest.input}`, port: dest.port, protocol: 'TCP', result: 'pass', layer: 'network', evidence: [e.captured ? 'ztunnel passes unknown or external destinations through as plaintext (§9)' : 'plain TCP'] };
  if (!np.egress.allowed) {
    wire.result = 'fail';
    const refs = np.egress.selecting.map(fixes.policyRef);
    const f = finding('AD504', `Egress from ${podRef(srcPod)} to ${dest.externalIp ?? dest.input} on TCP ${dest.port} is not allowed by ${refs.join(', ')}${dest.externalIp ? '' : ' (the external address is unknown in the input, so only rules without peers or with 0.0.0.0/0 could allow it)'}.`, refs, fixes.networkPolicyEgressFix(srcPod, undefined, dest.port, `allow-egress-${dest.port}`));
    findings.push(f);
    if (!decisive) {
      decisive = f;
      result = 'timeout';
      enforcedBy = 'networkpolicy';
    }
  }
  hops.push({ ...wire, result: decisive && wire.result === 'pass' ? 'skip' : wire.result });
  return { source: podRef(srcPod), destination: dest.input, ok: !decisive, symptom: result, enforcedBy, hops, findings, decisive };
}

function noEndpointsPair(ctx: EvalContext, srcPod: PodFact | undefined, dest: ResolvedDestination, viaWaypointHttp = false): PairResult {
  const captured = srcPod ? enrollmentOf(ctx, srcPod).captured : false;
  const svc = dest.object ?? dest.input;
  const notReady = dest.notReady.map((p) => podRef(p));
  const f = finding(
    'AD701',
    `${svc} has no ready endpoints${notReady.length ? ` (selected but not usable: ${notReady.join(', ')})` : ' (its selector matches no pod in the input)'}. ${captured ? 'The source ztunnel logs "no healthy upstream" and resets the connection.' : 'kube-proxy rejects connections to a Service without endpoints.'}`,
    [svc, ...notReady],
  );
  return {
    source: srcPod ? podRef(srcPod) : 'kubelet',
    destination: svc,
    ok: false,
    // §5: through a waypoint, HTTP clients get 503 "no healthy upstream" (UH).
    symptom: viaWaypointHttp ? 'http-503' : captured ? 'reset' : 'refused',
    enforcedBy: 'dataplane',
    hops: [{ from: srcPod ? podLabel(srcPod) : 'client', to: svc, port: dest.port, protocol: 'TCP', result: 'fail', layer: 'network', evidence: ['no endpoints'] }],
    findings: [f],
    decisive: f,
  };
}

/** What the live reader could not read (RBAC) and what it learned about the cluster. */
export function readingFindings(snapshot: Snapshot): { findings: Finding[]; unknown?: string } {
  const findings: Finding[] = snapshot.notes.map((n) => finding('AD803', n));
  for (const g of snapshot.gaps) {
    findings.push(finding('AD902', `Forbidden: cannot ${g.verb} ${g.resource}${g.namespace ? ` in namespace ${g.namespace}` : ' at cluster scope'} (${g.message}). The diagnosis goes on without them; objects of this kind could change the verdict.`, g.namespace ? [`Namespace ${g.namespace}`] : [], `# Grant the read-only ClusterRole from docs/rbac.md, e.g.\nkubectl create clusterrolebinding ambient-doctor-$USER --clusterrole=ambient-doctor-reader --user=$USER`));
  }
  const unknown = snapshot.gaps.length > 0 ? `Could not read ${snapshot.gaps.map((g) => `${g.resource}${g.namespace ? ` in ${g.namespace}` : ''}`).join(', ')} (forbidden); the verdict could change with them.` : undefined;
  return { findings, unknown };
}

/** One source pod → one destination as addressed, with the same routing as explain (for the matrix). */
const routingCache = new WeakMap<ResolvedDestination, Map<string, ReturnType<typeof computeRouting>>>();

export function evaluateAddressed(ctx: EvalContext, srcPod: PodFact, dest: ResolvedDestination, target: { pod: PodFact; targetPort: number }): PairResult {
  const e = enrollmentOf(ctx, srcPod);
  // Routing depends on the destination and only on whether the client is captured (§6.6).
  const key = `${e.captured}/${e.mode}`;
  let byClient = routingCache.get(dest);
  if (!byClient) routingCache.set(dest, (byClient = new Map()));
  let wp = byClient.get(key);
  if (!wp) byClient.set(key, (wp = computeRouting(ctx, { kind: 'pods', input: podRef(srcPod), pods: [srcPod] }, dest)));
  if (wp.route && (e.captured || e.mode === 'gateway')) return evaluateWaypointPair(ctx, srcPod, target.pod, target.targetPort, dest, wp.route, requestFacts(dest, { source: '', destination: '', namespace: '' }));
  return evaluatePair(ctx, { kind: 'pod', pod: srcPod }, target.pod, target.targetPort, dest);
}

/** A name that cannot be found because RBAC hid it is a read failure (exit 2), not a typo. */
export function resolveOrExplainGaps<T>(snapshot: Snapshot, resolve: () => T): T {
  try {
    return resolve();
  } catch (err) {
    if (!(err instanceof UsageError) || snapshot.gaps.length === 0) throw err;
    const anonymous = snapshot.gaps.some((g) => g.message.includes('system:anonymous'));
    const what = snapshot.gaps.map((g) => `${g.verb} ${g.resource}${g.namespace ? ` in ${g.namespace}` : ''}`).join(', ');
    throw new InputError(
      anonymous
        ? `the API server treats the requests as system:anonymous: the credentials are missing or were not sent (forbidden: ${what})`
        : `cannot read the cluster: forbidden: ${what} (${err.message}); see docs/rbac.md for the permissions needed`,
    );
  }
}

export function explain(snapshot: Snapshot, query: ExplainQuery): ExplainReport {
  const ctx = createContext(snapshot, indexNetworkPolicies(snapshot.networkPolicies, snapshot.adminNetworkPolicies));
  const src = resolveOrExplainGaps(snapshot, () => resolveSource(snapshot, query.source, query.namespace));
  const dest = resolveOrExplainGaps(snapshot, () => resolveDestination(snapshot, query.destination, query.namespace, query.port));
  if (src.kind === 'kubelet' && (dest.kind === 'external' || dest.kind === 'serviceentry')) {
    throw new UsageError('the kubelet probes pods: name the destination as NAMESPACE/POD:PORT');
  }
  const extra: Finding[] = [];
  if (!snapshot.ztunnelsKnown) extra.push(finding('AD202', 'The input holds no ztunnel pods, so every node is assumed to run a Ready ztunnel. Add the ztunnel pods (kubectl get pods -n istio-system -l app=ztunnel -o yaml) to check them.'));
  const wp = src.kind === 'pods' ? waypointRouting(ctx, src, dest) : { findings: [] as Finding[], route: undefined };
  extra.push(...wp.findings);
  const request = requestFacts(dest, query);
  const read = readingFindings(snapshot);
  extra.push(...read.findings);

  const sources: PairSource[] = src.kind === 'kubelet' ? [{ kind: 'kubelet' }] : src.pods.map((pod) => ({ kind: 'pod', pod }));
  const pairs: PairResult[] = [];
  outer: for (const s of sources) {
    const srcPod = s.kind === 'pod' ? s.pod : undefined;
    if (dest.kind === 'external' || dest.kind === 'serviceentry') {
      if (srcPod && wp.route && enrollmentOf(ctx, srcPod).captured && !egressBypass(ctx, srcPod, dest, extra)) {
        pairs.push(evaluateEgressWaypointPair(ctx, srcPod, dest, wp.route, request));
      } else if (srcPod) pairs.push(externalPair(ctx, srcPod, dest));
      continue;
    }
    if (dest.targets.length === 0) {
      pairs.push(noEndpointsPair(ctx, srcPod, dest, !!wp.route && request.protocol === 'HTTP' && !!srcPod && enrollmentOf(ctx, srcPod).captured));
      continue;
    }
    for (const t of dest.targets) {
      if (srcPod && srcPod === t.pod) continue;
      const srcMode = srcPod ? enrollmentOf(ctx, srcPod) : undefined;
      const viaWaypoint = wp.route && srcPod && (srcMode!.captured || srcMode!.mode === 'gateway');
      pairs.push(viaWaypoint ? evaluateWaypointPair(ctx, srcPod!, t.pod, t.targetPort, dest, wp.route!, request) : evaluatePair(ctx, s, t.pod, t.targetPort, dest));
      if (pairs.length >= MAX_PAIRS) break outer;
    }
  }
  const { verdict, representative } = aggregate(pairs, read.unknown);
  const path = representative?.hops ?? [];
  const findings = [...(representative?.decisive ? [representative.decisive] : []), ...pairs.flatMap((p) => p.findings), ...extra];
  if (query.symptom) {
    const f = symptomFinding(query.symptom, verdict, path);
    if (f) findings.push(f);
  }
  return {
    source: {
      input: src.input,
      kind: src.kind === 'kubelet' ? 'kubelet' : src.object?.split(' ')[0].toLowerCase() ?? 'pod',
      ...(src.namespace ? { namespace: src.namespace } : {}),
      ...(src.object ? { object: src.object } : {}),
      pods: src.pods.map((p) => summarizePod(ctx, p)),
    },
    destination: {
      input: dest.input,
      kind: dest.kind,
      ...(dest.namespace ? { namespace: dest.namespace } : {}),
      ...(dest.object ? { object: dest.object } : {}),
      port: dest.port,
      ...(dest.targets[0] ? { targetPort: dest.targets[0].targetPort } : {}),
      addressedBy: dest.addressedBy,
      ...(dest.path ? { path: dest.path } : {}),
      pods: dest.targets.map((t) => summarizePod(ctx, t.pod)),
    },
    verdict,
    path,
    findings: mergeFindings(findings),
  };
}
