// The waypoint's own hop (§4.1, §4.4, §6.4): it must have Ready pods, and it applies the
// targetRefs AuthorizationPolicies of the Service, ServiceEntry, its Gateway or GatewayClass to
// the client's identity and, for HTTP, the request.
import type { AuthorizationPolicyFact, PodFact } from '../../snapshot/types.js';
import { refText, refTo } from '../../snapshot/ref.js';
import { evaluateAtWaypoint, policiesAtWaypoint } from '../../mesh/waypoint-authorization.js';
import type { RequestFacts } from '../../mesh/http.js';
import { finding } from '../../findings/finding.js';
import type { EvalContext } from '../context.js';
import type { PathRun } from '../path.js';
import type { Hop } from '../report.js';
import type { ResolvedDestination } from '../resolve.js';
import type { WaypointRoute } from '../route.js';
import * as fixes from '../fixes.js';

export const waypointLabel = (route: WaypointRoute): string => {
  const { gateway: gw, pods } = route;
  return `waypoint ${gw.meta.namespace}/${gw.meta.name}${pods[0]?.podIPs[0] ? ` (${pods[0].podIPs[0]})` : ''}`;
};

const gatewayName = (route: WaypointRoute) => `Gateway ${route.gateway.meta.namespace}/${route.gateway.meta.name}`;
const apName = (ap: AuthorizationPolicyFact) => `AuthorizationPolicy ${ap.meta.namespace}/${ap.meta.name}`;

/** §6.4: a waypoint with status.addresses but no Ready pod keeps the binding and fails closed. */
export function checkWaypointReady(run: PathRun, hop: Hop, route: WaypointRoute): void {
  if (!route.noReadyPods) return;
  const { namespace, name } = route.gateway.meta;
  const detail =
    `${gatewayName(route)} has status.addresses, so the binding stays, but none of its pods is Ready. ztunnel still ` +
    'routes to it and fails with "unknown waypoint": clients are reset.';
  const fix =
    `# Scale or fix the waypoint Deployment:\nkubectl -n ${namespace} get deploy,pods -l ` +
    `gateway.networking.k8s.io/gateway-name=${name}`;
  run.fail(hop, finding('AD810', detail, [refTo('Gateway', route.gateway.meta)], fix), 'reset', 'dataplane');
}

export function waypointPolicyHop(
  ctx: EvalContext,
  run: PathRun,
  route: WaypointRoute,
  dest: ResolvedDestination,
  request: RequestFacts,
  client: PodFact,
  clientIdentity: string,
): void {
  const http = request.protocol === 'HTTP';
  const policies = policiesAtWaypoint(
    route.gateway,
    dest,
    ctx.snapshot.authorizationPolicies,
    ctx.snapshot.mesh.rootNamespace,
  );
  const hop: Hop = {
    from: waypointLabel(route),
    to: dest.object ? refText(dest.object) : dest.input,
    port: dest.port,
    protocol: http ? 'HTTP' : 'TCP',
    result: 'pass',
    layer: 'waypoint',
    identity: clientIdentity,
    evidence: [],
  };
  run.evidence(hop, `peer identity ${clientIdentity}`);
  run.evidence(hop, () =>
    http ? `request ${request.method} ${request.host}${request.path}` : 'TCP: HTTP rules cannot match',
  );
  run.evidence(hop, () =>
    policies.length
      ? `policies at the waypoint: ${policies.map((p) => `${p.action} ${p.meta.namespace}/${p.meta.name}`).join(', ')}`
      : 'no targetRefs AuthorizationPolicy attached',
  );
  for (const p of policies) {
    const c = p.conditions.find((x) => x.type === 'WaypointAccepted');
    if (c) {
      run.evidence(
        hop,
        () =>
          `${p.meta.namespace}/${p.meta.name} status ` +
          `WaypointAccepted=${c.status}${c.reason ? ` (${c.reason})` : ''}${c.message ? `: ${c.message}` : ''}`,
      );
    }
  }
  const decision = evaluateAtWaypoint(policies, { ...request, identity: clientIdentity, sourceIp: client.podIPs[0] });
  if (decision.allowed === false) {
    const decisive = decision.decisive;
    const refs = decisive ? [decisive] : policies.filter((p) => p.action === 'ALLOW');
    const names = refs.map(apName);
    const what = http ? `${request.method} ${request.path} from ` : '';
    const answer = http
      ? ' The waypoint answers 403 "RBAC: access denied".'
      : ' The waypoint closes the TCP connection.';
    const denied = decision.reason === 'denied';
    const detail = denied
      ? `DENY ${names[0]} rule ${(decision.ruleIndex ?? 0) + 1} matches ${what}${clientIdentity} at ` +
        `${gatewayName(route)}.${answer}`
      : `ALLOW policies at ${gatewayName(route)} (${names.join(', ')}) apply, and none matches ` +
        `${what}${clientIdentity}.${answer}`;
    const fix = () =>
      denied && decisive
        ? withoutWaypointRuleFix(decisive, decision.ruleIndex ?? 0)
        : `# Allow this client at the ` +
          `waypoint:\n${waypointAllowFix(names[0], dest, clientIdentity, http ? request.method : undefined)}`;
    const objects = refs.map((p) => refTo('AuthorizationPolicy', p.meta));
    run.fail(hop, finding('AD808', detail, objects, fix), http ? 'http-403' : 'reset', 'waypoint');
  } else if (decision.allowed === 'unknown') {
    const refs = [...(decision.decisive ? [decision.decisive] : []), ...decision.custom];
    const names = refs.map(apName).join(', ');
    const depends = decision.custom.length
      ? 'an external authorizer (CUSTOM action)'
      : 'request attributes the input cannot know (JWT claims, request principals or other request attributes)';
    const objects = refs.map((p) => refTo('AuthorizationPolicy', p.meta));
    run.note(finding('AD809', `The decision at ${gatewayName(route)} depends on ${depends}: ${names}.`, objects));
    run.unknown ??= `The waypoint's decision depends on facts the input cannot know (${names}).`;
  } else if (decision.decisive) {
    const p = decision.decisive;
    run.evidence(hop, `allowed by ${p.meta.namespace}/${p.meta.name} rule ${(decision.ruleIndex ?? 0) + 1}`);
  }
  run.add(hop);
}

function waypointAllowFix(
  policyName: string | undefined,
  dest: ResolvedDestination,
  principal: string,
  method?: string,
): string {
  const ns = dest.service?.meta.namespace ?? dest.serviceEntry?.meta.namespace ?? 'default';
  const name = dest.service?.meta.name ?? dest.serviceEntry?.meta.name ?? '<service>';
  const kind = dest.service
    ? { kind: 'Service', group: '', name }
    : { kind: 'ServiceEntry', group: 'networking.istio.io', name };
  const rule: Record<string, unknown> = { from: [{ source: { principals: [principal] } }] };
  if (method) rule.to = [{ operation: { methods: [method] } }];
  const yaml = fixes.authorizationPolicyYaml({
    apiVersion: 'security.istio.io/v1',
    kind: 'AuthorizationPolicy',
    metadata: { name: `allow-${principal.split('/').pop()}-to-${name}`, namespace: ns },
    spec: { targetRefs: [kind], action: 'ALLOW', rules: [rule] },
  });
  return yaml + (policyName ? `\n# (or add the rule to ${policyName})` : '');
}

function withoutWaypointRuleFix(ap: AuthorizationPolicyFact, ruleIndex: number): string {
  const rules = (ap.rules ?? []).filter((_, i) => i !== ruleIndex);
  if (rules.length === 0) {
    return (
      "# The matching rule is the policy's only rule; if this request should pass, delete the policy:\n" +
      `kubectl delete authorizationpolicy -n ${ap.meta.namespace} ${ap.meta.name}`
    );
  }
  const yaml = fixes.authorizationPolicyYaml({
    apiVersion: 'security.istio.io/v1',
    kind: 'AuthorizationPolicy',
    metadata: { name: ap.meta.name, namespace: ap.meta.namespace },
    spec: { targetRefs: ap.targetRefs, action: ap.action, rules },
  });
  return `# The policy without rule ${ruleIndex + 1}:\n${yaml}`;
}
