// §10, §12.8: a destination with a sidecar enforces its own mTLS and policies in Envoy. STRICT
// rejects plaintext (including ztunnel's plaintext to a sidecar without the tunnel label); the
// selector, namespace and mesh-wide AuthorizationPolicies are evaluated with full L7 matching
// (CUSTOM, DENY, ALLOW) against the identity of whoever opened the connection: the client, or the
// waypoint in front of it. HTTP denials are a 403, TCP denials a closed connection.
import type { PodFact } from '../../snapshot/types.js';
import { podRef, refTo } from '../../snapshot/ref.js';
import { LABEL_TUNNEL } from '../../mesh/constants.js';
import { identityOf } from '../../mesh/identity.js';
import type { RequestFacts } from '../../mesh/http.js';
import { policyAtEnvoyText } from '../../mesh/waypoint-authorization.js';
import { finding } from '../../findings/finding.js';
import { allowPrincipalFix, fixTarget } from '../fixes/fixes.js';
import { enrollmentOf, mtlsOf, podName, policiesAt, type EvalContext } from '../context.js';
import type { PathRun } from '../explain/path.js';
import type { Hop } from '../report.js';
import { authorizeAtEnvoy } from './envoy-authorization.js';

export interface SidecarArrival {
  destination: PodFact;
  targetPort: number;
  client?: PodFact;
  clientLabel: string;
  /** The connection arrives as HBONE on 15008, which a sidecar with the tunnel label terminates. */
  hbone: boolean;
  /** The source is captured by ztunnel (which sends plaintext to a sidecar without HBONE). */
  clientCaptured: boolean;
  request: RequestFacts;
  /** The Service's selector, for fixes that select the destination's pods. */
  selector?: Record<string, string>;
  /** A waypoint opened the connection: its identity is the one the sidecar sees (§4.7, §12.8). */
  via?: { identity: string; label: string; ip?: string };
}

export function sidecarHop(ctx: EvalContext, run: PathRun, a: SidecarArrival): void {
  const dst = a.destination;
  if (enrollmentOf(ctx, dst).mode === 'gateway') return gatewayHop(ctx, run, a);
  const mtls = mtlsOf(ctx, dst);
  const clientMode = a.client ? enrollmentOf(ctx, a.client).mode : undefined;
  // A waypoint reaches a sidecar over HBONE only when it has the tunnel label, else in plaintext.
  const mutual = a.hbone || (!a.via && (clientMode === 'sidecar' || clientMode === 'gateway'));
  const identity = !mutual
    ? undefined
    : (a.via?.identity ?? (a.client ? identityOf(a.client, ctx.snapshot.mesh.trustDomain) : undefined));
  const pa = mtls.decidedBy;
  const http = a.request.protocol === 'HTTP';
  const hop: Hop = {
    from: a.via
      ? a.via.label
      : clientMode === 'sidecar'
        ? 'sidecar of the source'
        : a.hbone
          ? 'ztunnel (HBONE)'
          : a.clientLabel,
    to: `sidecar of ${dst.meta.namespace}/${dst.meta.name}:${a.targetPort}`,
    port: a.targetPort,
    protocol: http ? 'HTTP' : 'TCP',
    result: 'pass',
    layer: 'sidecar',
    identity,
    evidence: [],
  };
  const terminates = dst.meta.labels[LABEL_TUNNEL] === 'http' ? ` that terminates HBONE (${LABEL_TUNNEL}=http)` : '';
  run.evidence(hop, `the destination runs a sidecar${terminates}`);
  run.evidence(
    hop,
    () => `mTLS mode ${mtls.mode}${pa ? ` from PeerAuthentication ${pa.meta.namespace}/${pa.meta.name}` : ''}`,
  );
  if (!mutual && mtls.mode === 'STRICT') {
    const why = a.via
      ? `runs a sidecar without ${LABEL_TUNNEL}=http, so ${a.via.label} sends it plaintext`
      : a.clientCaptured
        ? `runs a sidecar without ${LABEL_TUNNEL}=http, so ztunnel sends it plaintext TCP`
        : `runs a sidecar and ${a.clientLabel} connects in plaintext`;
    const objects = [...(pa ? [refTo('PeerAuthentication', pa.meta)] : []), podRef(dst)];
    const seen = a.via && http ? 'the waypoint answers 503' : 'the client sees a reset';
    const detail = `${podName(dst)} ${why}, which its STRICT mTLS rejects: ${seen}.`;
    run.fail(hop, finding('AD704', detail, objects), a.via && http ? 'http-503' : 'reset', 'sidecar');
    run.add(hop);
    return;
  }
  if (!mutual && a.clientCaptured) {
    const detail =
      `${podName(dst)} runs a sidecar without ${LABEL_TUNNEL}=http, so ztunnel sends it plaintext TCP; its ` +
      `PERMISSIVE mTLS accepts it.`;
    run.note(finding('AD707', detail, [podRef(dst)]));
  }
  authorizeAtSidecar(ctx, run, hop, a, identity);
  run.add(hop);
}

/**
 * §12.2, §12.8: an Istio gateway as the destination. Its listeners are the Gateway's servers, which
 * PeerAuthentication does not govern and mesh clients reach without a tunnel; the
 * AuthorizationPolicies that select the gateway pods are evaluated by its Envoy, with the client's
 * address and no peer identity.
 */
function gatewayHop(ctx: EvalContext, run: PathRun, a: SidecarArrival): void {
  const dst = a.destination;
  const http = a.request.protocol === 'HTTP';
  const hop: Hop = {
    from: a.clientLabel,
    to: `gateway ${dst.meta.namespace}/${dst.meta.name}:${a.targetPort}`,
    port: a.targetPort,
    protocol: http ? 'HTTP' : 'TCP',
    result: 'pass',
    layer: 'sidecar',
    evidence: [],
  };
  run.evidence(hop, 'the destination is an Istio gateway: its own listeners, no PeerAuthentication');
  authorizeAtSidecar(ctx, run, hop, a, undefined);
  run.add(hop);
}

/** §12.8: the sidecar's own authorization, as Envoy evaluates it. */
function authorizeAtSidecar(
  ctx: EvalContext,
  run: PathRun,
  hop: Hop,
  a: SidecarArrival,
  identity: string | undefined,
): void {
  const dst = a.destination;
  const proxyName = enrollmentOf(ctx, dst).mode === 'gateway' ? 'gateway proxy' : 'sidecar';
  const policies = policiesAt(ctx, dst);
  const sourceIp = a.via ? a.via.ip : a.client?.podIPs[0];
  run.evidence(hop, () => (identity ? `peer identity ${identity}` : 'plaintext: no peer identity'));
  const listed = () => policies.map(policyAtEnvoyText).join(', ');
  run.evidence(hop, () =>
    policies.length ? `policies at the ${proxyName}: ${listed()}` : 'no AuthorizationPolicy selects the destination',
  );
  const through = a.via ? ` (the waypoint's identity: the sidecar sees ${a.via.label}, not the client)` : '';
  authorizeAtEnvoy(ctx, run, hop, {
    proxy: proxyName,
    where: `the ${proxyName} of ${podName(dst)}`,
    policies,
    // Envoy's inbound listener sees the container port.
    request: { ...a.request, port: a.targetPort, identity, sourceIp },
    who: `${identity ?? `plaintext ${a.clientLabel}`}${through}`,
    tcpAnswer: `The ${proxyName} closes the connection: the client sees a reset.`,
    codes: { denied: 'AD708', undecided: 'AD706' },
    enforcedBy: 'sidecar',
    allowFix: () => {
      if (!identity) return [];
      const http = a.request.protocol === 'HTTP' ? { method: a.request.method, path: a.request.path } : undefined;
      const manifest = allowPrincipalFix(fixTarget(dst, a.selector), identity, a.targetPort, undefined, http);
      const what = http ? `${http.method} ${http.path} from ${identity}` : identity;
      return [{ title: `Allow ${what} at the sidecar of ${podName(dst)} on port ${a.targetPort}`, apply: [manifest] }];
    },
  });
}
