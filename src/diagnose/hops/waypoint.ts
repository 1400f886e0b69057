// The waypoint's own hop (§4.1, §4.4, §6.4): it must have Ready pods, and it applies the
// targetRefs AuthorizationPolicies of the Service, ServiceEntry, its Gateway or GatewayClass to
// the client's identity and, for HTTP, the request.
import type { PodFact } from '../../snapshot/types.js';
import { refText, refTo } from '../../snapshot/ref.js';
import { policiesAtWaypoint, policyAtEnvoyText } from '../../mesh/waypoint-authorization.js';
import { waypointPods } from '../../mesh/waypoints.js';
import type { RequestFacts } from '../../mesh/http.js';
import { finding, type Manifest, type Remedy } from '../../findings/finding.js';
import type { EvalContext } from '../context.js';
import type { PathRun } from '../explain/path.js';
import type { Hop } from '../report.js';
import type { ResolvedDestination } from '../explain/resolve.js';
import type { WaypointRoute } from '../explain/route.js';
import { command } from '../../findings/command.js';
import { ztunnelLogs } from '../../mesh/ztunnel-log-signatures.js';
import { authorizeAtEnvoy } from './envoy-authorization.js';

export const waypointLabel = (route: WaypointRoute): string => {
  const { gateway: gw, pods } = route;
  return `waypoint ${gw.meta.namespace}/${gw.meta.name}${pods[0]?.podIPs[0] ? ` (${pods[0].podIPs[0]})` : ''}`;
};

const gatewayName = (route: WaypointRoute) => `Gateway ${route.gateway.meta.namespace}/${route.gateway.meta.name}`;

/** §6.4: a waypoint with status.addresses but no Ready pod keeps the binding and fails closed. */
export function checkWaypointReady(ctx: EvalContext, run: PathRun, hop: Hop, route: WaypointRoute): void {
  if (!route.noReadyPods) return;
  const { namespace, name } = route.gateway.meta;
  const none = waypointPods(route.gateway, ctx.snapshot.pods).length === 0;
  const detail =
    `${gatewayName(route)} has status.addresses, so the binding stays, but ` +
    `${none ? 'it has no pods at all (scaled to zero or deleted)' : 'none of its pods is Ready'}. ztunnel still ` +
    `routes to it and fails with "${ztunnelLogs('unknown-waypoint')}": clients are reset.`;
  const fix: Remedy[] = [
    {
      title: `Scale up or repair the Deployment of waypoint ${namespace}/${name}`,
      commands: [
        command([
          'kubectl',
          '-n',
          namespace,
          'get',
          'deploy,pods',
          '-l',
          `gateway.networking.k8s.io/gateway-name=${name}`,
        ]),
      ],
      scope: `Restores every connection through waypoint ${namespace}/${name}.`,
      // For the proof: the same pods, Ready.
      effects: waypointPods(route.gateway, ctx.snapshot.pods).map((p) => ({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: p.meta.name, namespace: p.meta.namespace },
        status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] },
      })),
    },
  ];
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
    http
      ? `request ${request.method} ${request.host}${request.path}`
      : `TCP chain (${request.chainWhy ?? 'not HTTP'}): an ALLOW rule with HTTP fields is dropped, a DENY ` +
        'rule applies without them',
  );
  run.evidence(hop, () =>
    policies.length
      ? `policies at the waypoint: ${policies.map(policyAtEnvoyText).join(', ')}`
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
  authorizeAtEnvoy(ctx, run, hop, {
    proxy: 'waypoint',
    where: gatewayName(route),
    policies,
    request: { ...request, identity: clientIdentity, sourceIp: client.podIPs[0] },
    who: clientIdentity,
    tcpAnswer: 'The waypoint closes the TCP connection.',
    codes: { denied: 'AD808', undecided: 'AD809' },
    enforcedBy: 'waypoint',
    allowFix: () => [waypointAllow(route, dest, clientIdentity, http ? request : undefined)],
  });
  run.add(hop);
}

/** §4.1: an ALLOW at the waypoint for exactly this client (and, for HTTP, this method and path). */
function waypointAllow(
  route: WaypointRoute,
  dest: ResolvedDestination,
  principal: string,
  request: RequestFacts | undefined,
): Remedy {
  const owner = dest.service ?? dest.serviceEntry;
  const ns = owner?.meta.namespace ?? route.gateway.meta.namespace;
  // §12.4: traffic addressed to a pod IP meets only Gateway-targeted policies.
  const target = dest.service
    ? { kind: 'Service', group: '', name: dest.service.meta.name }
    : dest.serviceEntry
      ? { kind: 'ServiceEntry', group: 'networking.istio.io', name: dest.serviceEntry.meta.name }
      : { kind: 'Gateway', group: 'gateway.networking.k8s.io', name: route.gateway.meta.name };
  const rule: Record<string, unknown> = { from: [{ source: { principals: [principal] } }] };
  if (request) rule.to = [{ operation: { methods: [request.method], paths: [request.path] } }];
  const manifest: Manifest = {
    apiVersion: 'security.istio.io/v1',
    kind: 'AuthorizationPolicy',
    metadata: { name: `allow-${principal.split('/').pop()}-to-${target.name}`, namespace: ns },
    spec: { targetRefs: [target], action: 'ALLOW', rules: [rule] },
  };
  const what = request ? `${request.method} ${request.path} from ${principal}` : principal;
  return {
    title: `Allow ${what} at waypoint ${route.gateway.meta.namespace}/${route.gateway.meta.name}`,
    apply: [manifest],
  };
}
