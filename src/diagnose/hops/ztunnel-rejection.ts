// Why the destination ztunnel rejected a connection, as the finding that names the policy and
// the fix (§3.2 STRICT, §4.4 DENY, §4.2/§4.5 no ALLOW matched, §4.3 HTTP rules, §4.7 waypoint identity).
import { refTo } from '../../snapshot/ref.js';
import { CONVERTED_PA_PREFIX, STATIC_STRICT_POLICY } from '../../mesh/constants.js';
import { assertRbac, type RbacConnection } from '../../mesh/ztunnel-rbac.js';
import { servicesSelecting } from '../../mesh/services.js';
import { finding, type Finding } from '../../findings/finding.js';
import { mtlsOf, podName, type EvalContext } from '../context.js';
import * as fixes from '../fixes.js';
import { explainRuleMismatch, l4OnlyPolicyFix, targetRefPolicyFix, withoutRuleFix } from '../authz-explain.js';
import type { AppliedPolicy, Inbound } from './ztunnel-inbound.js';

type Decision = ReturnType<typeof assertRbac>;

const apName = (ap: { meta: { namespace: string; name: string } }) =>
  `AuthorizationPolicy ${ap.meta.namespace}/${ap.meta.name}`;
const RESET_LOG = 'ztunnel resets the connection and logs "allow policies exist, but none allowed".';

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
      const fix = () =>
        src && !src.hostNetwork
          ? `# Either enrol the client in ambient (preferred):\n${fixes.enrolNamespaceFix(src.meta.namespace)}\n---\n` +
            `# or accept plaintext on this port only:\n${fixes.permissivePortFix(target(), conn.destinationPort)}`
          : `# Accept plaintext on this port only:\n${fixes.permissivePortFix(target(), conn.destinationPort)}`;
      const detail =
        `${podName(dst)} is under STRICT ` +
        `mTLS${pa ? ` (PeerAuthentication ${pa.meta.namespace}/${pa.meta.name})` : ''} and ${who} ` +
        `connects in plaintext. ztunnel accepts the TCP handshake, matches ${p.namespace}/${p.name}, and drops ` +
        `the socket: the ` +
        `client sees a reset (curl exit 56). The destination ztunnel logs "explicitly denied by: ` +
        `${p.namespace}/${p.name}".`;
      return finding('AD301', detail, objects, fix);
    }
    const entry = applied.find((a) => a.policy === p)!;
    const ap = entry.ap!;
    const detail =
      `DENY ${apName(ap)} rule ${(decision.groupIndex ?? 0) + 1} matches ` +
      `${who}${conn.identity ? ` (${conn.identity})` : ' (plaintext)'} ` +
      `on port ${conn.destinationPort}. ztunnel resets the connection and logs "explicitly denied by: ` +
      `${ap.meta.namespace}/${ap.meta.name}".`;
    return finding('AD401', detail, [refTo('AuthorizationPolicy', ap.meta)], () =>
      withoutRuleFix(ap, decision.groupIndex ?? 0, entry.conversion!),
    );
  }
  // ALLOW policies apply and none matches.
  const allows = applied.filter((a) => a.ap && a.policy.action === 'ALLOW');
  const objects = allows.map((a) => refTo('AuthorizationPolicy', a.ap!.meta));
  const objectNames = allows.map((a) => apName(a.ap!));
  const reasons = () =>
    allows.map((a) => `${a.ap!.meta.namespace}/${a.ap!.meta.name}: ${explainRuleMismatch(a.ap!, a.conversion!, conn)}`);
  const emptyAllow = allows.find((a) => a.ap!.rules === undefined || a.ap!.rules.length === 0);
  const l7Allow = allows.find((a) => a.conversion!.report.droppedRules.length > 0);
  let fix: () => string;
  if (!conn.identity) {
    fix = () =>
      src && !src.hostNetwork
        ? `# Identity-based rules cannot match plaintext. Enrol the ` +
          `client:\n${fixes.enrolNamespaceFix(src.meta.namespace)}`
        : `# Plaintext has no identity; only ipBlocks can admit ` +
          `it:\n${fixes.allowIpFix(target(), conn.sourceIp ?? '0.0.0.0/0', conn.destinationPort)}`;
  } else if (l7Allow && l7Allow.ap!.rules?.length) {
    const service = servicesSelecting(ctx.snapshot, dst)[0]?.meta.name;
    fix = () =>
      `# Keep the L4 part at ztunnel:\n${l4OnlyPolicyFix(l7Allow.ap!)}\n---\n` +
      `# and enforce the HTTP part at a waypoint (needs a waypoint bound to the ` +
      `Service):\n${targetRefPolicyFix(l7Allow.ap!, service)}`;
  } else {
    const identity = conn.identity;
    const name = src ? `allow-${fixes.workloadName(src)}-to-${fixes.workloadName(dst)}` : undefined;
    fix = () => fixes.allowPrincipalFix(target(), identity, conn.destinationPort, name);
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
      `${conn.identity} and rejects it ("allow policies exist, but none allowed"). HTTP clients get a 503 from ` +
      `the waypoint.`;
    const waypointFix = () =>
      '# Admit the waypoint at ztunnel, and move client rules to the waypoint with targetRefs:\n' +
      fixes.allowPrincipalFix(
        target(),
        conn.identity!,
        conn.destinationPort,
        `allow-waypoint-to-${fixes.workloadName(dst)}`,
      );
    return finding('AD807', detail, objects, waypointFix);
  }
  if (emptyAllow && allows.length === 1) {
    const scope =
      emptyAllow.policy.scope === 'GLOBAL'
        ? `; in the root namespace ${ctx.snapshot.mesh.rootNamespace} it applies to every ambient workload in the mesh`
        : '';
    const detail = () =>
      `${apName(emptyAllow.ap!)} is an ALLOW with no rules${scope}. It matches nothing, so every connection to ` +
      `${podName(dst)} is denied until another ALLOW admits it; ztunnel logs "allow policies exist, but none allowed".`;
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
