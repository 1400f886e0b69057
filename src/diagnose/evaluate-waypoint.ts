// One client pod → waypoint → destination pod, hop by hop (§6, §8 row 2, §4.7):
// capture, client → waypoint:15008, the waypoint's targetRefs policies, waypoint →
// destination:15008, and the destination ztunnel, which sees the waypoint's identity.
import type { AuthorizationPolicyFact, GatewayFact, PodFact } from '../snapshot/types.js';
import { evaluateNetworkPolicy, type NetEndpoint } from '../mesh/network-policy.js';
import { evaluateAtWaypoint, policiesAtWaypoint, type WaypointRequest } from '../mesh/waypoint-authorization.js';
import { HBONE_PORT, ZTUNNEL_CONNECT_TIMEOUT_SECONDS } from '../mesh/constants.js';
import { finding, type Finding } from './findings.js';
import * as fixes from './fixes.js';
import { enrollmentOf, evaluateInbound, identityOf, podLabel, podRef, ztunnelOnNode, type EnforcedBy, type EvalContext, type Hop, type PairResult, type Symptom } from './evaluate.js';
import type { ResolvedDestination } from './resolve.js';

export interface WaypointRoute {
  gateway: GatewayFact;
  /** Ready waypoint pods; empty when the input holds none (assumed healthy). */
  pods: PodFact[];
  /** The input holds waypoint pods, none Ready: fail closed (§6.4). */
  noReadyPods: boolean;
  identity: string;
  labelledObject: string;
  /** Status conditions istiod wrote about this binding, shown as evidence (§4.8, §6.4). */
  evidence: string[];
}

/** The first failure along the path decides; later hops are only reached if none failed. */
function pairState() {
  const state = {
    findings: [] as Finding[],
    hops: [] as Hop[],
    failure: undefined as { symptom: Symptom; enforcedBy: EnforcedBy; decisive: Finding } | undefined,
    fail(symptom: Symptom, enforcedBy: EnforcedBy, decisive: Finding) {
      state.failure ??= { symptom, enforcedBy, decisive };
    },
    failed: () => state.failure,
  };
  return state;
}

function result(srcPod: PodFact, destination: string, s: { findings: Finding[]; hops: Hop[]; failed: () => { symptom: Symptom; enforcedBy: EnforcedBy; decisive: Finding } | undefined }, unknown?: string): PairResult {
  const failure = s.failed();
  return { source: podRef(srcPod), destination, ok: !failure, symptom: failure?.symptom ?? 'ok', enforcedBy: failure?.enforcedBy ?? 'none', hops: s.hops, findings: s.findings, decisive: failure?.decisive, ...(unknown && !failure ? { unknown } : {}) };
}

const gwRef = (g: GatewayFact) => `Gateway ${g.meta.namespace}/${g.meta.name}`;
const apRef = (ap: { meta: { namespace: string; name: string } }) => `AuthorizationPolicy ${ap.meta.namespace}/${ap.meta.name}`;

export function evaluateWaypointPair(
  ctx: EvalContext,
  srcPod: PodFact,
  dstPod: PodFact,
  targetPort: number,
  dest: ResolvedDestination,
  route: WaypointRoute,
  request: Omit<WaypointRequest, 'identity' | 'sourceIp'>,
): PairResult {
  const { snapshot } = ctx;
  const mesh = snapshot.mesh;
  const { findings, hops, fail, failed } = pairState();
  const http = request.protocol === 'HTTP';
  let unknown: string | undefined;
  const srcEnr = enrollmentOf(ctx, srcPod);
  const dstEnr = enrollmentOf(ctx, dstPod);
  for (const e of [srcEnr, dstEnr]) for (const n of e.notes) findings.push(finding(n.code, n.detail, n.objects));
  const gw = route.gateway;
  const wpPod = route.pods[0];
  const wpLabel = `waypoint ${gw.meta.namespace}/${gw.meta.name}${wpPod?.podIPs[0] ? ` (${wpPod.podIPs[0]})` : ''}`;
  const clientIdentity = identityOf(srcPod, mesh.trustDomain);
  const nsLabels = (ns: string) => snapshot.namespaces.get(ns)?.meta.labels;

  // 1. capture at the client's ztunnel.
  const zt = ztunnelOnNode(snapshot, srcPod.nodeName);
  const capture: Hop = { from: podLabel(srcPod), to: `ztunnel on ${srcPod.nodeName ?? 'its node'}`, port: dest.port, protocol: 'TCP', result: 'pass', layer: 'capture', evidence: [`source captured: ${srcEnr.reason}`, zt.detail, `${route.labelledObject} is bound to ${gwRef(gw)} (istio.io/use-waypoint)`, ...route.evidence] };
  if (!zt.ok) {
    capture.result = 'fail';
    const f = finding('AD201', `${zt.detail}. Outbound connections of ${podRef(srcPod)} are refused.`, [podRef(srcPod), ...(zt.object ? [zt.object] : [])]);
    findings.push(f);
    fail('refused', 'dataplane', f);
  }
  if (route.noReadyPods) {
    capture.result = 'fail';
    const f = finding('AD810', `${gwRef(gw)} has status.addresses, so the binding stays, but none of its pods is Ready. ztunnel still routes to it and fails with "unknown waypoint": clients are reset.`, [gwRef(gw)], `# Scale or fix the waypoint Deployment:\nkubectl -n ${gw.meta.namespace} get deploy,pods -l gateway.networking.k8s.io/gateway-name=${gw.meta.name}`);
    findings.push(f);
    fail('reset', 'dataplane', f);
  }
  hops.push(capture);

  // 2. client pod → waypoint pod on 15008.
  const srcEp: NetEndpoint = { pod: srcPod, ip: srcPod.podIPs[0], namespaceLabels: nsLabels(srcPod.meta.namespace) };
  const wpEp: NetEndpoint = { pod: wpPod, ip: wpPod?.podIPs[0], namespaceLabels: nsLabels(gw.meta.namespace) };
  const toWp: Hop = { from: podLabel(srcPod), to: wpLabel, port: HBONE_PORT, protocol: 'HBONE', result: 'pass', layer: 'network', evidence: [] };
  if (wpPod) {
    const np = evaluateNetworkPolicy(ctx.netpols, { src: srcEp, dst: wpEp, port: HBONE_PORT, protocol: 'TCP' });
    toWp.evidence.push(`client egress: ${np.egress.allowed ? 'allowed' : 'denied'}; waypoint ingress: ${np.ingress.allowed ? 'allowed' : 'denied'}`);
    const blocked = !np.egress.allowed ? np.egress : !np.ingress.allowed ? np.ingress : undefined;
    if (blocked) {
      toWp.result = 'fail';
      const refs = blocked.selecting.map(fixes.policyRef);
      const egress = blocked === np.egress;
      const f = finding(
        egress ? 'AD502' : 'AD501',
        `${egress ? `Egress from ${podRef(srcPod)}` : `Ingress to ${podRef(wpPod)}`} on TCP ${HBONE_PORT} between the client and ${wpLabel} is not allowed by ${refs.join(', ')}. The client ztunnel stalls for ${ZTUNNEL_CONNECT_TIMEOUT_SECONDS} s, then gives up.`,
        refs,
        egress ? fixes.networkPolicyEgressFix(srcPod, wpPod, HBONE_PORT, `allow-hbone-to-${gw.meta.name}`) : fixes.networkPolicyIngressFix(fixes.fixTarget(wpPod), srcPod, HBONE_PORT, `allow-hbone-to-${gw.meta.name}`),
      );
      findings.push(f);
      fail('timeout', 'networkpolicy', f);
    }
  } else {
    toWp.evidence.push('no waypoint pods in the input: assumed Ready; NetworkPolicy on the waypoint hop not checked');
  }
  hops.push({ ...toWp, result: failed() && toWp.result === 'pass' ? 'skip' : toWp.result });

  // 3. the waypoint's own policies: targetRefs only (§4.1), against the client's identity.
  const policies = policiesAtWaypoint(gw, dest, snapshot.authorizationPolicies, mesh.rootNamespace);
  const req: WaypointRequest = { ...request, identity: clientIdentity, sourceIp: srcPod.podIPs[0] };
  const atWp: Hop = { from: wpLabel, to: `${dest.object ?? dest.input}`, port: dest.port, protocol: http ? 'HTTP' : 'TCP', result: 'pass', layer: 'waypoint', identity: clientIdentity, evidence: [`peer identity ${clientIdentity}`, http ? `request ${request.method} ${request.host}${request.path}` : 'TCP: HTTP rules cannot match', policies.length ? `policies at the waypoint: ${policies.map((p) => `${p.action} ${p.meta.namespace}/${p.meta.name}`).join(', ')}` : 'no targetRefs AuthorizationPolicy attached'] };
  for (const p of policies) {
    const c = p.conditions.find((x) => x.type === 'WaypointAccepted');
    if (c) atWp.evidence.push(`${p.meta.namespace}/${p.meta.name} status WaypointAccepted=${c.status}${c.reason ? ` (${c.reason})` : ''}${c.message ? `: ${c.message}` : ''}`);
  }
  const decision = evaluateAtWaypoint(policies, req);
  if (decision.allowed === false) {
    atWp.result = 'fail';
    const refs = decision.decisive ? [apRef(decision.decisive)] : policies.filter((p) => p.action === 'ALLOW').map(apRef);
    const f = finding(
      'AD808',
      decision.reason === 'denied'
        ? `DENY ${refs[0]} rule ${(decision.ruleIndex ?? 0) + 1} matches ${http ? `${request.method} ${request.path} from` : ''} ${clientIdentity} at ${gwRef(gw)}.${http ? ' The waypoint answers 403 "RBAC: access denied".' : ' The waypoint closes the TCP connection.'}`
        : `ALLOW policies at ${gwRef(gw)} (${refs.join(', ')}) apply, and none matches ${http ? `${request.method} ${request.path} from ` : ''}${clientIdentity}.${http ? ' The waypoint answers 403 "RBAC: access denied".' : ' The waypoint closes the TCP connection.'}`,
      refs,
      decision.reason === 'denied' && decision.decisive
        ? withoutWaypointRuleFix(decision.decisive, decision.ruleIndex ?? 0)
        : `# Allow this client at the waypoint:\n${waypointAllowFix(refs[0], dest, clientIdentity, http ? request.method : undefined)}`,
    );
    findings.push(f);
    fail(http ? 'http-403' : 'reset', 'waypoint', f);
  } else if (decision.allowed === 'unknown') {
    const refs = [...(decision.decisive ? [apRef(decision.decisive)] : []), ...decision.custom.map(apRef)];
    findings.push(finding('AD809', `The decision at ${gwRef(gw)} depends on ${decision.custom.length ? 'an external authorizer (CUSTOM action)' : 'request attributes the input cannot know (JWT claims, request principals or other request attributes)'}: ${refs.join(', ')}.`, refs));
    unknown = `The waypoint's decision depends on facts the input cannot know (${refs.join(', ')}).`;
  } else if (decision.decisive) {
    atWp.evidence.push(`allowed by ${decision.decisive.meta.namespace}/${decision.decisive.meta.name} rule ${(decision.ruleIndex ?? 0) + 1}`);
  }
  hops.push({ ...atWp, result: failed() && atWp.result === 'pass' ? 'skip' : atWp.result });

  // 4. waypoint pod → destination pod on 15008; 5. the destination ztunnel sees the waypoint.
  const dstEp: NetEndpoint = { pod: dstPod, ip: dstPod.podIPs[0], namespaceLabels: nsLabels(dstPod.meta.namespace) };
  const toDst: Hop = { from: wpLabel, to: podLabel(dstPod), port: HBONE_PORT, protocol: 'HBONE', result: 'pass', layer: 'network', evidence: [] };
  const upstreamFailure: Symptom = http ? 'http-503' : 'timeout';
  const np = evaluateNetworkPolicy(ctx.netpols, { src: wpPod ? wpEp : { ip: undefined }, dst: dstEp, port: HBONE_PORT, protocol: 'TCP' });
  toDst.evidence.push(np.ingress.isolated ? `destination ingress: ${np.ingress.allowed ? 'allowed' : 'denied'} by ${np.ingress.selecting.map((p) => `${p.meta.namespace}/${p.meta.name}`).join(', ')}` : 'destination ingress: no NetworkPolicy selects the destination');
  const blocked = wpPod && !np.egress.allowed ? np.egress : !np.ingress.allowed ? np.ingress : undefined;
  if (blocked) {
    toDst.result = 'fail';
    const refs = blocked.selecting.map(fixes.policyRef);
    const f = finding(
      blocked === np.egress ? 'AD502' : 'AD501',
      `TCP ${HBONE_PORT} from ${wpLabel} to ${podRef(dstPod)} is not allowed by ${refs.join(', ')}: through a waypoint the destination must admit 15008 from the waypoint pods, not from the client.${http ? ` The waypoint answers 503 after its ${ZTUNNEL_CONNECT_TIMEOUT_SECONDS} s connect timeout.` : ''}`,
      refs,
      wpPod ? fixes.networkPolicyIngressFix(fixes.fixTarget(dstPod, dest.service?.selector), wpPod, HBONE_PORT, `allow-hbone-from-${gw.meta.name}`) : undefined,
    );
    findings.push(f);
    fail(upstreamFailure, 'networkpolicy', f);
  }
  const dzt = ztunnelOnNode(snapshot, dstPod.nodeName);
  toDst.evidence.push(`destination ${dzt.detail}`);
  if (!dstEnr.captured) {
    toDst.protocol = 'TCP';
    toDst.port = targetPort;
  } else if (!dzt.ok) {
    toDst.result = 'fail';
    const f = finding('AD201', `${dzt.detail}. The waypoint's connection to ${podRef(dstPod)} stalls.`, [podRef(dstPod), ...(dzt.object ? [dzt.object] : [])]);
    findings.push(f);
    fail(upstreamFailure, 'dataplane', f);
  }
  hops.push({ ...toDst, result: failed() && toDst.result === 'pass' ? 'skip' : toDst.result });

  if (dstEnr.captured) {
    const wpIdentity = route.identity;
    const inbound: Hop = { from: `ztunnel on ${dstPod.nodeName ?? 'the node'}`, to: `${dstPod.meta.namespace}/${dstPod.meta.name}:${targetPort}`, port: targetPort, protocol: 'TCP', result: 'pass', layer: 'ztunnel-inbound', identity: wpIdentity, evidence: [`peer identity ${wpIdentity} (the waypoint's, not the client's)`] };
    const target = fixes.fixTarget(dstPod, dest.service?.selector);
    const f = evaluateInbound(ctx, target, { identity: wpIdentity, sourceIp: wpPod?.podIPs[0], destinationIp: dstPod.podIPs[0], destinationPort: targetPort }, undefined, findings, inbound, { gateway: `${gw.meta.namespace}/${gw.meta.name}`, clientIdentity, clientLabel: podRef(srcPod) });
    if (f) {
      inbound.result = 'fail';
      fail(http ? 'http-503' : 'reset', 'ztunnel', f.decisive);
    }
    hops.push({ ...inbound, result: failed() && inbound.result === 'pass' ? 'skip' : inbound.result });
  }

  return result(srcPod, `${podRef(dstPod)}:${targetPort}`, { findings, hops, failed }, unknown);
}

function waypointAllowFix(policyRef: string | undefined, dest: ResolvedDestination, principal: string, method: string | undefined): string {
  const ns = dest.service?.meta.namespace ?? dest.serviceEntry?.meta.namespace ?? 'default';
  const name = dest.service?.meta.name ?? dest.serviceEntry?.meta.name ?? '<service>';
  const kind = dest.service ? { kind: 'Service', group: '', name } : { kind: 'ServiceEntry', group: 'networking.istio.io', name };
  const rule: Record<string, unknown> = { from: [{ source: { principals: [principal] } }] };
  if (method) rule.to = [{ operation: { methods: [method] } }];
  return fixes.authorizationPolicyYaml({
    apiVersion: 'security.istio.io/v1',
    kind: 'AuthorizationPolicy',
    metadata: { name: `allow-${principal.split('/').pop()}-to-${name}`, namespace: ns },
    spec: { targetRefs: [kind], action: 'ALLOW', rules: [rule] },
  }) + (policyRef ? `\n# (or add the rule to ${policyRef})` : '');
}

/**
 * §9: a captured client → egress waypoint → external host. The waypoint applies its targetRefs
 * policies (on the ServiceEntry, its Gateway, or the GatewayClass), then connects out itself, so
 * the egress NetworkPolicy that matters is the waypoint pod's.
 */
export function evaluateEgressWaypointPair(
  ctx: EvalContext,
  srcPod: PodFact,
  dest: ResolvedDestination,
  route: WaypointRoute,
  request: Omit<WaypointRequest, 'identity' | 'sourceIp'>,
): PairResult {
  const { snapshot } = ctx;
  const { findings, hops, fail, failed } = pairState();
  const http = request.protocol === 'HTTP';
  let unknown: string | undefined;
  const gw = route.gateway;
  const wpPod = route.pods[0];
  const wpLabel = `waypoint ${gw.meta.namespace}/${gw.meta.name}${wpPod?.podIPs[0] ? ` (${wpPod.podIPs[0]})` : ''}`;
  const clientIdentity = identityOf(srcPod, snapshot.mesh.trustDomain);
  const nsLabels = (ns: string) => snapshot.namespaces.get(ns)?.meta.labels;
  const zt = ztunnelOnNode(snapshot, srcPod.nodeName);
  hops.push({ from: podLabel(srcPod), to: `ztunnel on ${srcPod.nodeName ?? 'its node'}`, port: dest.port, protocol: 'TCP', result: zt.ok ? 'pass' : 'fail', layer: 'capture', evidence: [zt.detail, `${route.labelledObject} is bound to ${gwRef(gw)} (egress waypoint)`] });
  if (!zt.ok) {
    const f = finding('AD201', `${zt.detail}. Outbound connections of ${podRef(srcPod)} are refused.`, [podRef(srcPod)]);
    findings.push(f);
    fail('refused', 'dataplane', f);
  }
  const srcEp: NetEndpoint = { pod: srcPod, ip: srcPod.podIPs[0], namespaceLabels: nsLabels(srcPod.meta.namespace) };
  const wpEp: NetEndpoint = { pod: wpPod, ip: wpPod?.podIPs[0], namespaceLabels: nsLabels(gw.meta.namespace) };
  const toWp: Hop = { from: podLabel(srcPod), to: wpLabel, port: HBONE_PORT, protocol: 'HBONE', result: 'pass', layer: 'network', evidence: [] };
  const np1 = evaluateNetworkPolicy(ctx.netpols, { src: srcEp, dst: wpPod ? wpEp : { ip: undefined }, port: HBONE_PORT, protocol: 'TCP' });
  const blocked1 = !np1.egress.allowed ? np1.egress : wpPod && !np1.ingress.allowed ? np1.ingress : undefined;
  if (blocked1) {
    toWp.result = 'fail';
    const refs = blocked1.selecting.map(fixes.policyRef);
    const f = finding(blocked1 === np1.egress ? 'AD502' : 'AD501', `TCP ${HBONE_PORT} from ${podRef(srcPod)} to ${wpLabel} is not allowed by ${refs.join(', ')}.`, refs, fixes.networkPolicyEgressFix(srcPod, wpPod, HBONE_PORT, `allow-hbone-to-${gw.meta.name}`));
    findings.push(f);
    fail('timeout', 'networkpolicy', f);
  }
  hops.push({ ...toWp, result: failed() && toWp.result === 'pass' ? 'skip' : toWp.result });
  const policies = policiesAtWaypoint(gw, dest, snapshot.authorizationPolicies, snapshot.mesh.rootNamespace);
  const decision = evaluateAtWaypoint(policies, { ...request, identity: clientIdentity, sourceIp: srcPod.podIPs[0] });
  const atWp: Hop = { from: wpLabel, to: dest.object ?? dest.input, port: dest.port, protocol: http ? 'HTTP' : 'TCP', result: 'pass', layer: 'waypoint', identity: clientIdentity, evidence: [policies.length ? `policies at the waypoint: ${policies.map((p) => `${p.action} ${p.meta.namespace}/${p.meta.name}`).join(', ')}` : 'no targetRefs AuthorizationPolicy attached'] };
  if (decision.allowed === false) {
    atWp.result = 'fail';
    const refs = decision.decisive ? [apRef(decision.decisive)] : policies.filter((p) => p.action === 'ALLOW').map(apRef);
    const f = finding('AD808', `${decision.reason === 'denied' ? `DENY ${refs[0]} matches` : `No ALLOW at the egress waypoint (${refs.join(', ')}) matches`} ${clientIdentity} for ${dest.input}.`, refs, `# Allow this client at the egress waypoint:\n${waypointAllowFix(refs[0], dest, clientIdentity, undefined)}`);
    findings.push(f);
    fail(http ? 'http-403' : 'reset', 'waypoint', f);
  } else if (decision.allowed === 'unknown') {
    findings.push(finding('AD809', `The egress waypoint's decision depends on facts the input cannot know.`, decision.decisive ? [apRef(decision.decisive)] : []));
    unknown = 'The egress waypoint decision depends on facts the input cannot know.';
  }
  hops.push({ ...atWp, result: failed() && atWp.result === 'pass' ? 'skip' : atWp.result });
  const out: Hop = { from: wpLabel, to: `${dest.input}${dest.externalIp ? ` (${dest.externalIp})` : ''}`, port: dest.port, protocol: 'TCP', result: 'pass', layer: 'network', evidence: [] };
  if (wpPod) {
    const np2 = evaluateNetworkPolicy(ctx.netpols, { src: wpEp, dst: { ip: undefined }, port: dest.port, protocol: 'TCP' });
    out.evidence.push(np2.egress.isolated ? `waypoint egress: ${np2.egress.allowed ? 'allowed' : 'denied'}` : 'waypoint egress: no NetworkPolicy selects the waypoint');
    if (!np2.egress.allowed) {
      out.result = 'fail';
      const refs = np2.egress.selecting.map(fixes.policyRef);
      const f = finding('AD504', `Egress from ${wpLabel} to ${dest.input} on TCP ${dest.port} is not allowed by ${refs.join(', ')}: the egress waypoint is the pod that connects out.`, refs, fixes.networkPolicyEgressFix(wpPod, undefined, dest.port, `allow-${gw.meta.name}-egress-${dest.port}`));
      findings.push(f);
      fail(http ? 'http-503' : 'timeout', 'networkpolicy', f);
    }
  }
  hops.push({ ...out, result: failed() && out.result === 'pass' ? 'skip' : out.result });
  return result(srcPod, dest.input, { findings, hops, failed }, unknown);
}

function withoutWaypointRuleFix(ap: AuthorizationPolicyFact, ruleIndex: number): string {
  const rules = (ap.rules ?? []).filter((_, i) => i !== ruleIndex);
  if (rules.length === 0) return `# The matching rule is the policy's only rule; if this request should pass, delete the policy:\nkubectl delete authorizationpolicy -n ${ap.meta.namespace} ${ap.meta.name}`;
  return `# The policy without rule ${ruleIndex + 1}:\n${fixes.authorizationPolicyYaml({ apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy', metadata: { name: ap.meta.name, namespace: ap.meta.namespace }, spec: { targetRefs: ap.targetRefs, action: ap.action, rules } })}`;
}
