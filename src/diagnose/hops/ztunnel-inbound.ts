// The destination's ztunnel accepts or rejects the inbound connection: PeerAuthentication (§3)
// and the selector/namespace AuthorizationPolicies istiod converted for it (§4), in ztunnel's
// order. Through a waypoint it sees the waypoint's identity and address (§4.7).
import type { AuthorizationPolicyFact, PodFact } from '../../snapshot/types.js';
import { podRef } from '../../snapshot/ref.js';
import { ZTUNNEL_INPOD_PORTS } from '../../mesh/constants.js';
import { assertRbac, type RbacConnection, type RbacPolicy } from '../../mesh/ztunnel-rbac.js';
import type { ConversionResult } from '../../mesh/authorization.js';
import type { GatewayFact, ServiceFact } from '../../snapshot/types.js';
import { finding } from '../../findings/finding.js';
import { conversionOf, mtlsOf, policiesAt, type EvalContext } from '../context.js';
import { NOTES, runNotes } from '../notes/index.js';
import type { PathRun } from '../explain/path.js';
import type { Hop, Symptom } from '../report.js';
import { rejection } from './ztunnel-rejection.js';
import { ztunnelLogs } from '../../mesh/ztunnel-log-signatures.js';

/** The waypoint a connection came through (§4.7). */
export interface ViaWaypoint {
  gateway: GatewayFact;
  clientIdentity: string;
  clientName: string;
}

export interface Inbound {
  destination: PodFact;
  targetPort: number;
  /** The selector a fix should use (the Service's), if any. */
  selector?: Record<string, string>;
  /** The Service the client addressed, if any (waypoint policies target it). */
  service?: ServiceFact;
  /** The connection as ztunnel sees it: peer identity (none for plaintext) and peer address. */
  identity?: string;
  sourceIp?: string;
  /** The client pod, when it connects directly. */
  client?: PodFact;
  via?: ViaWaypoint;
  /** What the client sees when ztunnel rejects the connection. */
  rejected: Symptom;
}

export interface AppliedPolicy {
  policy: RbacPolicy;
  ap?: AuthorizationPolicyFact;
  conversion?: ConversionResult;
}

export function inboundHop(ctx: EvalContext, run: PathRun, inbound: Inbound): void {
  const dst = inbound.destination;
  const { identity, via } = inbound;
  const hop: Hop = {
    from: `ztunnel on ${dst.nodeName ?? 'the node'}`,
    to: `${dst.meta.namespace}/${dst.meta.name}:${inbound.targetPort}`,
    port: inbound.targetPort,
    protocol: 'TCP',
    result: 'pass',
    layer: 'ztunnel-inbound',
    identity,
    evidence: [],
  };
  run.evidence(hop, () =>
    via
      ? `peer identity ${identity} (the waypoint's, not the client's)`
      : identity
        ? `peer identity ${identity}`
        : 'plaintext: no peer identity',
  );
  const conn: RbacConnection = {
    identity,
    sourceIp: inbound.sourceIp,
    destinationIp: dst.podIPs[0],
    destinationPort: inbound.targetPort,
  };
  const applied = appliedPolicies(ctx, run, hop, dst, conn, via);
  const decision = assertRbac(
    applied.map((a) => a.policy),
    conn,
  );
  run.evidence(hop, () => {
    const enforcing = applied
      .filter((a) => a.ap)
      .map((a) => `${a.policy.action} ${a.policy.namespace}/${a.policy.name}`);
    return enforcing.length > 0
      ? `policies at ztunnel: ${enforcing.join(', ')}`
      : 'no AuthorizationPolicy applies at ztunnel';
  });
  if (decision.allowed) {
    const p = decision.decisive;
    if (p) run.evidence(hop, `allowed by ${p.namespace}/${p.name} rule ${(decision.groupIndex ?? 0) + 1}`);
  } else {
    run.fail(hop, rejection(ctx, inbound, conn, applied, decision), inbound.rejected, 'ztunnel');
  }
  if (ZTUNNEL_INPOD_PORTS.includes(inbound.targetPort) && !run.failure) {
    // §2.5: ztunnel refuses to proxy to its own in-pod ports, so the connection is closed.
    const detail =
      `Port ${inbound.targetPort} is one of ztunnel's in-pod ports (15001, 15006, 15008, 15053, 15080); ztunnel ` +
      `refuses to proxy to it ("${ztunnelLogs('recursive')}") and the client is reset.`;
    run.fail(hop, finding('AD705', detail, [podRef(dst)]), 'reset', 'dataplane');
  }
  run.add(hop);
}

/** PeerAuthentication's converted policies, istiod's waypoint allowance, then the AuthorizationPolicies. */
function appliedPolicies(
  ctx: EvalContext,
  run: PathRun,
  hop: Hop,
  dst: PodFact,
  conn: RbacConnection,
  via: ViaWaypoint | undefined,
): AppliedPolicy[] {
  const mtls = mtlsOf(ctx, dst);
  run.evidence(hop, () => {
    const pa = mtls.decidedBy;
    const from = pa
      ? ` from PeerAuthentication ${pa.meta.namespace}/${pa.meta.name}`
      : ' (default, no PeerAuthentication)';
    return `mTLS mode ${mtls.mode}${from}`;
  });
  run.notes(() => runNotes(ctx, NOTES.mtls, { destination: dst, mtls }));
  const applied: AppliedPolicy[] = mtls.policies.map((policy) => ({ policy }));
  if (via && ctx.snapshot.mesh.autoAllowWaypointPolicy && conn.identity) {
    // §4.7: istiod's synthetic ALLOW for the waypoint, with PILOT_AUTO_ALLOW_WAYPOINT_POLICY=true.
    const { namespace, name } = via.gateway.meta;
    const policyName = `istio_allow_waypoint_${namespace}_${name}`;
    const match = { principals: [{ exact: conn.identity }] };
    applied.push({
      policy: {
        name: policyName,
        namespace,
        scope: 'WORKLOAD_SELECTOR',
        action: 'ALLOW',
        groups: [{ rules: [{ matches: [match] }] }],
      },
    });
    run.evidence(hop, `PILOT_AUTO_ALLOW_WAYPOINT_POLICY: istiod adds ${namespace}/${policyName}`);
  }
  for (const ap of policiesAt(ctx, dst)) {
    const conversion = conversionOf(ctx, ap);
    run.notes(() => runNotes(ctx, NOTES.policy, { policy: ap, conversion, destination: dst }));
    if (conversion.policy) applied.push({ policy: conversion.policy, ap, conversion });
  }
  run.notes(() => runNotes(ctx, NOTES.destination, dst));
  for (const a of applied) {
    const c = a.ap?.conditions.find((x) => x.type === 'ZtunnelAccepted');
    if (c)
      run.evidence(
        hop,
        () =>
          `${a.ap!.meta.namespace}/${a.ap!.meta.name} status ` +
          `ZtunnelAccepted=${c.status}${c.reason ? ` (${c.reason})` : ''}`,
      );
  }
  return applied;
}
