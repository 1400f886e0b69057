// Why the destination ztunnel rejected a connection, as the finding that names the policy and
// the fix (§3.2 STRICT, §4.4 DENY, §4.2/§4.5 no ALLOW matched, §4.3 HTTP rules, §4.7 waypoint identity).
import { refTo } from '../../snapshot/ref.js';
import {
  ANNOTATION_REDIRECTION,
  CONVERTED_PA_PREFIX,
  LABEL_USE_WAYPOINT,
  STATIC_STRICT_POLICY,
} from '../../mesh/constants.js';
import { assertRbac, type RbacConnection } from '../../mesh/ztunnel-rbac.js';
import { servicesSelecting } from '../../mesh/services.js';
import { finding, type Finding, type Remedy } from '../../findings/finding.js';
import { enrollmentOf, mtlsOf, podName, type EvalContext } from '../context.js';
import type { AuthorizationPolicyFact, PodFact } from '../../snapshot/types.js';
import { waypointIdentity } from '../../mesh/identity.js';
import * as fixes from '../fixes/fixes.js';
import {
  exemptFromRuleRemedy,
  explainRuleMismatch,
  l4OnlyPolicyFix,
  ruleIndexOf,
  targetRefPolicyFix,
} from '../explain/authz-explain.js';
import type { AppliedPolicy, Inbound } from './ztunnel-inbound.js';
import { command, labelCommand, note, restartCommand } from '../../findings/command.js';
import { cniAgentOnNode } from '../../mesh/istio-cni.js';
import { ztunnelLogs } from '../../mesh/ztunnel-log-signatures.js';
import { isWaypointGateway } from '../../mesh/components.js';

type Decision = ReturnType<typeof assertRbac>;

const apName = (ap: { meta: { namespace: string; name: string } }) =>
  `AuthorizationPolicy ${ap.meta.namespace}/${ap.meta.name}`;
const RESET_LOG = `ztunnel resets the connection and logs "${ztunnelLogs('allow-none-matched')}".`;

export function rejection(
  ctx: EvalContext,
  inbound: Inbound,
  conn: RbacConnection,
  applied: AppliedPolicy[],
  decision: Decision,
): Finding {
  const dst = inbound.destination;
  const who = inbound.via
    ? `waypoint ${inbound.via.gateway.meta.namespace}/${inbound.via.gateway.meta.name}`
    : inbound.client
      ? podName(inbound.client)
      : 'the client';
  const target = () => fixes.fixTarget(dst, inbound.selector);
  const src = inbound.client;
  if (decision.reason === 'denied') {
    const p = decision.decisive!;
    if (p.name === STATIC_STRICT_POLICY || p.name.startsWith(CONVERTED_PA_PREFIX)) {
      const mtls = mtlsOf(ctx, dst);
      const pa =
        mtls.decidedBy && p.name === STATIC_STRICT_POLICY ? mtls.decidedBy : (mtls.levels.workload ?? mtls.decidedBy);
      const objects = [...(pa ? [refTo('PeerAuthentication', pa.meta)] : []), ...(src ? [refTo('Pod', src.meta)] : [])];
      // §1.3: a client whose labels already ask for ambient is plaintext only because it is not captured yet.
      if (src && notCapturedYet(ctx, src)) return notCapturedClient(ctx, src, dst);
      const permissive: Remedy = {
        title: `Accept plaintext on port ${conn.destinationPort} only, for ${fixes.selectorText(target().labels)}`,
        apply: [fixes.permissivePortFix(target(), conn.destinationPort, mtls.levels.workload)],
        scope: 'Plaintext has no identity: every client that is not in the mesh is accepted on this port.',
      };
      const fix = (): Remedy[] =>
        src && canEnrol(ctx, src) ? [fixes.enrolNamespaceRemedy(src.meta.namespace), permissive] : [permissive];
      const detail =
        `${podName(dst)} is under STRICT ` +
        `mTLS${pa ? ` (PeerAuthentication ${pa.meta.namespace}/${pa.meta.name})` : ''} and ${who} ` +
        `connects in plaintext. ztunnel accepts the TCP handshake, matches ${p.namespace}/${p.name}, and drops ` +
        `the socket: the ` +
        `client sees a reset (curl exit 56). The destination ztunnel logs "${ztunnelLogs('explicit-deny')} ` +
        `${p.namespace}/${p.name}".`;
      return finding('AD301', detail, objects, fix);
    }
    const entry = applied.find((a) => a.policy === p)!;
    const ap = entry.ap!;
    const detail =
      `DENY ${apName(ap)} rule ${(decision.groupIndex ?? 0) + 1} matches ` +
      `${who}${conn.identity ? ` (${conn.identity})` : ' (plaintext)'} ` +
      `on port ${conn.destinationPort}. ztunnel resets the connection and logs "${ztunnelLogs('explicit-deny')} ` +
      `${ap.meta.namespace}/${ap.meta.name}".`;
    const ruleIndex = ruleIndexOf(ap, decision.groupIndex ?? 0, entry.conversion!);
    return finding('AD401', detail, [refTo('AuthorizationPolicy', ap.meta)], () => [
      exemptFromRuleRemedy(ap, ruleIndex, { principal: conn.identity, ip: conn.sourceIp }),
    ]);
  }
  // ALLOW policies apply and none matches. A plaintext client that should be ambient: see above.
  if (!conn.identity && src && notCapturedYet(ctx, src)) return notCapturedClient(ctx, src, dst);
  const allows = applied.filter((a) => a.ap && a.policy.action === 'ALLOW');
  const objects = allows.map((a) => refTo('AuthorizationPolicy', a.ap!.meta));
  const objectNames = allows.map((a) => apName(a.ap!));
  const reasons = () =>
    allows.map((a) => `${a.ap!.meta.namespace}/${a.ap!.meta.name}: ${explainRuleMismatch(a.ap!, a.conversion!, conn)}`);
  const emptyAllow = allows.find((a) => a.ap!.rules === undefined || a.ap!.rules.length === 0);
  const l7Allow = allows.find((a) => a.conversion!.report.droppedRules.length > 0);
  let fix: () => Remedy[];
  if (!conn.identity) {
    const ipRemedy = (): Remedy => ({
      title: `Admit ${conn.sourceIp ?? 'the client address'} by ipBlock (plaintext has no identity)`,
      apply: [fixes.allowIpFix(target(), conn.sourceIp ?? '0.0.0.0/0', conn.destinationPort)],
    });
    fix = () => (src && canEnrol(ctx, src) ? [fixes.enrolNamespaceRemedy(src.meta.namespace)] : [ipRemedy()]);
  } else if (l7Allow && l7Allow.ap!.rules?.length) {
    fix = () => l7Remedies(ctx, inbound, l7Allow.ap!);
  } else {
    const identity = conn.identity;
    const name = src ? `allow-${fixes.workloadName(src)}-to-${fixes.targetName(target())}` : undefined;
    fix = () => [
      {
        title: `Allow ${identity} on port ${conn.destinationPort}`,
        apply: [fixes.allowPrincipalFix(target(), identity, conn.destinationPort, name)],
      },
    ];
  }
  const via = inbound.via;
  const clientWouldPass =
    via &&
    assertRbac(
      applied.map((a) => a.policy),
      { ...conn, identity: via.clientIdentity },
    ).allowed;
  if (via && clientWouldPass) {
    const detail =
      `${objectNames.join(', ')} admit${objectNames.length > 1 ? '' : 's'} the client ${via.clientName} ` +
      `(${via.clientIdentity}), ` +
      `but traffic reaches ${podName(dst)} through ${who}, so the destination ztunnel sees the waypoint's identity ` +
      `${conn.identity} and rejects it ("${ztunnelLogs('allow-none-matched')}"). HTTP clients get a 503 from ` +
      `the waypoint.`;
    const admitting = allows.filter((a) => assertRbac([a.policy], { ...conn, identity: via.clientIdentity }).allowed);
    const waypointFix = (): Remedy[] => [
      {
        title: 'Admit the waypoint at ztunnel, and enforce the client rules at the waypoint',
        apply: [
          fixes.allowPrincipalFix(
            target(),
            conn.identity!,
            conn.destinationPort,
            `allow-waypoint-to-${inbound.service?.meta.name ?? fixes.workloadName(dst)}`,
          ),
          // §4.7: the waypoint applies the rules ztunnel can no longer check (the client's identity).
          ...admitting.map((a) => targetRefPolicyFix(a.ap!, waypointTarget(inbound), `${a.ap!.meta.name}-at-waypoint`)),
        ],
      },
    ];
    return finding('AD807', detail, objects, waypointFix);
  }
  if (emptyAllow && allows.length === 1) {
    const scope =
      emptyAllow.policy.scope === 'GLOBAL'
        ? `; in the root namespace ${ctx.snapshot.mesh.rootNamespace} it applies to every ambient workload in the mesh`
        : '';
    const detail = () =>
      `${apName(emptyAllow.ap!)} is an ALLOW with no rules${scope}. It matches nothing, so every connection to ` +
      `${podName(dst)} is denied until another ALLOW admits it; ztunnel logs "${ztunnelLogs('allow-none-matched')}".`;
    return finding('AD408', detail, objects, fix);
  }
  if (l7Allow && allows.every((a) => a.conversion!.report.droppedRules.length > 0 || a === emptyAllow)) {
    const fields = [...new Set(l7Allow.conversion!.report.droppedRules.flatMap((r) => r.fields))];
    const detail = () =>
      `${apName(l7Allow.ap!)} is enforced by ztunnel (it uses a selector, not targetRefs) but its rules use ` +
      `HTTP fields ` +
      `(${fields.join(', ')}). istiod drops those rules, the ALLOW still applies, and it matches nothing, so ` +
      `${who} is reset. ` +
      reasons().join(' ');
    return finding('AD403', detail, objects, fix);
  }
  const peer = conn.identity ? ` (identity ${conn.identity})` : ' (plaintext, no identity)';
  const detail = () =>
    `ALLOW policies apply to ${podName(dst)} but none matches ${who}${peer} on port ${conn.destinationPort}. ` +
    `${reasons().join(' ')} ${RESET_LOG}`;
  return finding('AD402', detail, objects, fix);
}

/** The object a waypoint policy should target: the Service traffic is addressed to, else the Gateway. */
function waypointTarget(inbound: Inbound): { kind: 'Service' | 'Gateway'; name: string } | undefined {
  if (inbound.service) return { kind: 'Service', name: inbound.service.meta.name };
  if (inbound.via) return { kind: 'Gateway', name: inbound.via.gateway.meta.name };
  return undefined;
}

/** §4.3: an ALLOW with HTTP rules enforced by ztunnel. Keep its L4 part there, or move it to a waypoint. */
function l7Remedies(ctx: EvalContext, inbound: Inbound, ap: AuthorizationPolicyFact): Remedy[] {
  const dst = inbound.destination;
  const l4: Remedy = {
    title: `Keep only the L4 part of AuthorizationPolicy ${ap.meta.namespace}/${ap.meta.name} at ztunnel`,
    apply: [l4OnlyPolicyFix(ap)],
    scope: 'The HTTP conditions (methods, paths) are no longer enforced; a waypoint is needed for them.',
  };
  const service = inbound.service ?? servicesSelecting(ctx.snapshot, dst)[0];
  const gateway = ctx.snapshot.gateways.find(
    (g) => g.meta.namespace === dst.meta.namespace && isWaypointGateway(g) && g.statusAddresses.length > 0,
  );
  if (!service || !gateway) return [l4];
  // The whole policy at the waypoint; ztunnel then admits only the waypoint (§4.7).
  const waypointPrincipal = waypointIdentity(gateway, ctx.snapshot.mesh.trustDomain);
  const ztunnelSide = {
    apiVersion: 'security.istio.io/v1',
    kind: 'AuthorizationPolicy',
    metadata: { name: ap.meta.name, namespace: ap.meta.namespace },
    spec: {
      ...(ap.selector ? { selector: ap.selector } : {}),
      action: 'ALLOW',
      rules: [{ from: [{ source: { principals: [waypointPrincipal] } }] }],
    },
  };
  const bind = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: service.meta.name,
      namespace: service.meta.namespace,
      labels: { 'istio.io/use-waypoint': gateway.meta.name },
    },
  };
  const bound = service.meta.labels['istio.io/use-waypoint'] === gateway.meta.name;
  return [
    {
      title: `Enforce policy ${nsName(ap.meta)} at waypoint ${nsName(gateway.meta)}`,
      apply: [
        targetRefPolicyFix(ap, { kind: 'Service', name: service.meta.name }, `${ap.meta.name}-at-waypoint`),
        ztunnelSide,
      ],
      ...(bound
        ? {}
        : {
            commands: [
              labelCommand(
                { kind: 'Service', namespace: service.meta.namespace, name: service.meta.name },
                { [LABEL_USE_WAYPOINT]: gateway.meta.name },
              ),
            ],
            effects: [bind],
          }),
    },
    l4,
  ];
}

function notCapturedYet(ctx: EvalContext, pod: PodFact): boolean {
  const e = enrollmentOf(ctx, pod);
  return e.shouldBeAmbient && !e.captured && e.redirection !== 'pending' && e.mode !== 'sidecar';
}

/**
 * AD114, §13.1: istio-cni's node agent captures a running pod live once its labels ask for ambient.
 * A pod still uncaptured points at the agent on its node: not ready or missing (a restart cannot help
 * then: the new pod stalls in sandbox creation), or ready and not yet done (a start-up race, or an
 * error in the agent's log), when a restart is captured by the CNI plugin as the pod starts.
 */
function notCapturedClient(ctx: EvalContext, src: PodFact, dst: PodFact): Finding {
  const agent = cniAgentOnNode(ctx.snapshot, src.nodeName);
  const plaintext =
    `${podName(src)} should be in the ambient mesh (its labels ask for it) but istio-cni has not captured it: it has ` +
    `no ambient.istio.io/redirection=enabled annotation, so it still connects to ${podName(dst)} in plaintext and ` +
    'STRICT mTLS resets it.';
  const captured = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: src.meta.name,
      namespace: src.meta.namespace,
      annotations: { [ANNOTATION_REDIRECTION]: 'enabled' },
    },
  };
  if (!agent.ok) {
    const detail =
      `${plaintext} The istio-cni node agent captures running pods when their labels change, but ${agent.detail}: ` +
      'nothing is captured there, and a restarted pod would stall in ContainerCreating ' +
      '("istio-cni cmdAdd failed to contact node Istio CNI agent").';
    const remedy: Remedy = {
      title: `Get a Ready istio-cni agent onto node ${src.nodeName ?? '<node>'}`,
      commands: [
        command(['kubectl', 'get', 'pods', '-n', 'istio-system', '-l', 'k8s-app=istio-cni-node', '-o', 'wide']),
        note('why it is not Ready there: its events and logs; tolerations and node selectors of the DaemonSet'),
        command(['kubectl', 'describe', 'daemonset', '-n', 'istio-system', 'istio-cni-node']),
        note('once it is Ready it captures the running pods of ambient namespaces on that node'),
      ],
      // For the proof: the agent captures the pod once it runs.
      effects: [captured],
      scope: `Every pod on node ${src.nodeName ?? '<node>'} whose labels ask for ambient is captured with it.`,
    };
    return finding('AD114', detail, [refTo('Pod', src.meta), ...(agent.object ? [agent.object] : [])], [remedy]);
  }
  const restart = restartCommand({ ...src.meta, owner: src.owner });
  const detail =
    `${plaintext} The istio-cni node agent captures running pods live when their labels change` +
    `${agent.assumed ? ' (its agent on the node is assumed Ready: the input holds no istio-cni pods)' : ''}, so ` +
    'either the labels changed moments ago or the agent failed to capture it (its log says why). A restarted ' +
    'pod is captured by the CNI plugin as it starts.';
  const remedy: Remedy = {
    title: `Restart ${podName(src)}: the CNI plugin captures it as it starts`,
    commands: [
      note("first, the agent's own account: kubectl -n istio-system logs -l k8s-app=istio-cni-node --since 10m"),
      restart,
    ],
    effects: [captured],
  };
  return finding('AD114', detail, [refTo('Pod', src.meta)], [remedy]);
}

/** §1.1: hostNetwork pods and namespaces istio-cni excludes cannot be enrolled by a label. */
function canEnrol(ctx: EvalContext, pod: PodFact): boolean {
  const e = enrollmentOf(ctx, pod);
  return !pod.hostNetwork && e.mode !== 'sidecar' && !e.notes.some((n) => n.code === 'AD107');
}

const nsName = (meta: { namespace: string; name: string }): string => `${meta.namespace}/${meta.name}`;
