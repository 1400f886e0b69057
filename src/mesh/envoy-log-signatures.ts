// What an Envoy access record of a waypoint, gateway or sidecar says about a connection: the response
// flags and details Envoy writes (Envoy's access log docs, "Response flags"; the RBAC filter's
// `rbac_access_denied_matched_policy[…]` detail, with Istio's policy names `ns[<ns>]-policy[<name>]-rule[<n>]`).
import type { LogVerdict } from './ztunnel-log-signatures.js';
import type { EnvoyAccessRecord } from '../snapshot/evidence.js';

export interface EnvoySignature {
  id: string;
  label: string;
  verdict: LogVerdict;
  cause: string;
  /** The policy Envoy names, `ns/name`, for an RBAC denial by a DENY (or a named ALLOW) rule. */
  policy?: string;
}

/**
 * The bodies of Envoy's own replies that the tool's prose quotes: this table is the only place they are
 * written (the RBAC filter's denial, the router's reply when no endpoint is usable).
 */
export const ENVOY_REPLIES = { rbacDenied: 'RBAC: access denied', noHealthyUpstream: 'no healthy upstream' } as const;

const RBAC = /rbac_access_denied_matched_policy\[(.*)\]$/;
const ISTIO_POLICY = /^ns\[([^\]]+)\]-policy\[([^\]]+)\]-rule\[\d+\]$/;

const FLAG_SIGNATURES: Record<string, Omit<EnvoySignature, 'label'>> = {
  UH: { id: 'envoy-no-healthy-upstream', verdict: 'dataplane', cause: 'the proxy saw no healthy endpoint' },
  NR: { id: 'envoy-no-route', verdict: 'dataplane', cause: 'no route for the host or path at the proxy' },
  UT: { id: 'envoy-upstream-timeout', verdict: 'dataplane', cause: 'the app did not answer within the timeout' },
  UO: { id: 'envoy-overflow', verdict: 'dataplane', cause: 'a circuit breaker is open (upstream overflow)' },
  URX: { id: 'envoy-retries-exhausted', verdict: 'dataplane', cause: 'retries or connect attempts exhausted' },
  UC: { id: 'envoy-upstream-terminated', verdict: 'dataplane', cause: 'the upstream closed the connection' },
  NC: { id: 'envoy-no-cluster', verdict: 'dataplane', cause: 'the proxy has no cluster for the destination' },
  // The other flags of Envoy's access log documentation ("Response flags") that say why a request ended.
  UR: {
    id: 'envoy-upstream-reset',
    verdict: 'closed',
    cause: 'the upstream reset the stream after the connection was set up',
  },
  LR: { id: 'envoy-local-reset', verdict: 'dataplane', cause: 'the proxy reset the stream itself' },
  DC: {
    id: 'envoy-downstream-closed',
    verdict: 'closed',
    cause: 'the client closed the connection before the answer (it gave up)',
  },
  RL: { id: 'envoy-rate-limited', verdict: 'dataplane', cause: 'a rate limit at the proxy refused the request' },
  FI: {
    id: 'envoy-fault-injected',
    verdict: 'dataplane',
    cause: 'a fault injected by a VirtualService or HTTPRoute (on purpose)',
  },
  SI: { id: 'envoy-stream-idle', verdict: 'closed', cause: 'the stream was idle longer than its timeout' },
  DF: { id: 'envoy-dns-failed', verdict: 'dataplane', cause: 'the proxy could not resolve the upstream host (DNS)' },
  OM: { id: 'envoy-overload', verdict: 'dataplane', cause: 'the proxy is overloaded and sheds requests' },
  DT: { id: 'envoy-max-duration', verdict: 'closed', cause: 'the request ran longer than its maximum duration' },
  NFCF: {
    id: 'envoy-no-filter-config',
    verdict: 'dataplane',
    cause: 'a filter has no configuration yet (xDS not complete)',
  },
};

/** Every signature id, for the test that each has a scenario. */
export const ENVOY_SIGNATURE_IDS = [
  'envoy-rbac-allow-none',
  'envoy-rbac-deny',
  'envoy-ext-authz-denied',
  'envoy-upstream-refused',
  'envoy-upstream-connect-timeout',
  'envoy-upstream-failure',
  ...Object.values(FLAG_SIGNATURES).map((s) => s.id),
  'envoy-local-5xx',
];

/** The signature of a record; `undefined` when it completed (the app answered, whatever its code). */
export function envoySignatureOf(r: EnvoyAccessRecord): EnvoySignature | undefined {
  const flags = r.responseFlags.split(',').filter(Boolean);
  const rbac = (r.responseCodeDetails.match(RBAC) ?? r.terminationDetails.match(RBAC))?.[1];
  if (rbac !== undefined) {
    if (rbac === 'none')
      return {
        id: 'envoy-rbac-allow-none',
        label: `${r.responseCode || 'reset'} rbac_access_denied_matched_policy[none]`,
        verdict: 'policy-denied',
        cause: 'ALLOW policies apply at this proxy and none matched',
      };
    const m = rbac.match(ISTIO_POLICY);
    const policy = m ? `${m[1]}/${m[2]}` : rbac;
    return {
      id: 'envoy-rbac-deny',
      label: `${r.responseCode || 'reset'} rbac_access_denied_matched_policy[${rbac}]`,
      verdict: 'policy-denied',
      cause: `the DENY policy ${policy} matched at this proxy`,
      policy,
    };
  }
  if (flags.includes('UAEX') || r.responseCodeDetails.startsWith('ext_authz'))
    return {
      id: 'envoy-ext-authz-denied',
      label: `${r.responseCode} UAEX ${r.responseCodeDetails}`.trim(),
      verdict: 'policy-denied',
      cause: 'the external authorizer of a CUSTOM policy denied',
    };
  if (flags.includes('UF')) {
    const reason = r.transportFailure || r.responseCodeDetails;
    const refused = /\b111\b|refused/i.test(reason);
    const timedOut = /timeout|timed out/i.test(reason);
    return {
      id: refused ? 'envoy-upstream-refused' : timedOut ? 'envoy-upstream-connect-timeout' : 'envoy-upstream-failure',
      label: `${r.responseCode} UF ${reason}`.trim(),
      verdict: refused ? 'refused' : timedOut ? 'blocked-network' : 'dataplane',
      cause: refused
        ? 'nothing listens on the target port behind the proxy'
        : timedOut
          ? 'the proxy could not connect upstream in time: something drops the packets'
          : 'the proxy could not connect upstream',
    };
  }
  for (const f of flags) {
    const s = FLAG_SIGNATURES[f];
    if (s) return { ...s, label: `${r.responseCode} ${f} ${r.responseCodeDetails}`.trim() };
  }
  // A 5xx the proxy made itself (not `via_upstream`) without a flag above.
  if (r.responseCode >= 500 && r.responseCodeDetails && r.responseCodeDetails !== 'via_upstream')
    return {
      id: 'envoy-local-5xx',
      label: `${r.responseCode} ${r.responseCodeDetails}`,
      verdict: 'dataplane',
      cause: 'the proxy answered with an error itself',
    };
  return undefined;
}
