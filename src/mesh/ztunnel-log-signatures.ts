// §2.5: what a ztunnel error string means. Substring matches, most specific first; the strings are
// ztunnel's (src/proxy.rs `Error`, `AuthorizationRejectionError`; src/proxy/inbound.rs, outbound.rs), and the
// wordings of older and newer releases users quote in public issues (each cited where it is not in §2.5;
// docs/log-pastes.md lists the corpus). An error no signature knows is `unknown`: its text is shown as it is.

/** What a signature says about a connection, for reconciling with the prediction. */
export type LogVerdict = 'policy-denied' | 'blocked-network' | 'refused' | 'dataplane' | 'closed' | 'unknown' | 'ok';

export interface LogSignature {
  id: string;
  /** The error text (or its start) ztunnel writes. */
  text: string;
  /** The part of the text the tool's prose quotes (what users search their logs for); default the text. */
  quoted?: string;
  verdict: LogVerdict;
  cause: string;
}

export const LOG_SIGNATURES = [
  {
    id: 'explicit-deny',
    text: 'connection closed due to policy rejection: explicitly denied by:',
    quoted: 'explicitly denied by:',
    verdict: 'policy-denied',
    cause: 'a DENY policy matched at the destination ztunnel (STRICT appears as istio_converted_static_strict)',
  },
  {
    id: 'allow-none-matched',
    text: 'connection closed due to policy rejection: allow policies exist, but none allowed',
    quoted: 'allow policies exist, but none allowed',
    verdict: 'policy-denied',
    cause: 'ALLOW policies apply at the destination ztunnel and none matched',
  },
  {
    id: 'rejection-workload-not-found',
    text: 'connection closed due to policy rejection: workload not found',
    verdict: 'dataplane',
    cause: 'the destination ztunnel does not know the workload the connection is for (xDS lag, or not in the mesh)',
  },
  {
    id: 'rejection-workload-mismatch',
    text: 'connection closed due to policy rejection: workload mismatch',
    verdict: 'dataplane',
    cause: 'the workload at the destination address is not the one the connection was meant for (an IP reused)',
  },
  {
    id: 'policy-rejection',
    text: 'connection closed due to policy rejection',
    verdict: 'policy-denied',
    cause: 'an AuthorizationPolicy rejected the connection (1.22-1.23 print no detail)',
  },
  {
    id: 'policy-change',
    text: 'connection closed due to policy change',
    verdict: 'policy-denied',
    cause: 'a policy update now denies an established connection',
  },
  {
    id: 'certificate-revoked',
    text: 'connection closed: peer certificate revoked by CRL',
    verdict: 'dataplane',
    cause: "the peer's certificate is on the CA's revocation list",
  },
  {
    id: 'connection-drain',
    text: 'connection closed due to connection drain',
    verdict: 'dataplane',
    cause: 'the ztunnel was draining (restart or rollout) and closed connections still open',
  },
  {
    id: 'hbone-401',
    text: 'http status: 401 Unauthorized',
    verdict: 'policy-denied',
    cause: "the destination ztunnel refused the HBONE CONNECT: a policy denial seen from the source's side",
  },
  {
    id: 'hbone-timeout',
    text: 'connection timed out, maybe a NetworkPolicy is blocking HBONE port 15008',
    verdict: 'blocked-network',
    cause: 'the TCP connect to port 15008 did not finish in 10 s: a NetworkPolicy or firewall drops HBONE',
  },
  {
    id: 'app-timeout',
    text: 'connection failed: deadline has elapsed',
    verdict: 'blocked-network',
    cause: 'the destination ztunnel could not reach the app port within 10 s',
  },
  {
    id: 'app-refused',
    text: 'connection failed: Connection refused (os error 111)',
    quoted: 'connection failed: Connection refused',
    verdict: 'refused',
    cause: 'nothing listens on the target port in the destination pod',
  },
  {
    id: 'hbone-refused',
    text: 'io error: Connection refused (os error 111)',
    verdict: 'dataplane',
    cause:
      'nothing listens on 15008 in the destination pod (its ztunnel is gone or it is not captured), or a ' +
      'plaintext destination refused',
  },
  {
    id: 'hbone-503',
    text: 'http status: 503 Service Unavailable',
    verdict: 'dataplane',
    cause: 'the destination ztunnel could not resolve the target or connect to the app',
  },
  {
    id: 'unknown-waypoint',
    text: 'unknown waypoint',
    verdict: 'dataplane',
    cause: 'the bound waypoint cannot be resolved or has no endpoints',
  },
  {
    id: 'no-healthy-upstream',
    text: 'no healthy upstream',
    verdict: 'dataplane',
    cause: 'the Service has no healthy endpoints',
  },
  {
    id: 'connect-timeout-os',
    text: 'Connection timed out (os error 110)',
    verdict: 'blocked-network',
    cause: 'the kernel gave up on a TCP connection: packets were dropped on the way (istio/ztunnel#1446)',
  },
  {
    id: 'deadline-elapsed',
    text: 'deadline has elapsed',
    verdict: 'blocked-network',
    cause: 'a connect did not finish within its deadline: something drops the packets (istio/istio#55937)',
  },
  {
    id: 'peer-reset',
    text: 'Connection reset by peer (os error 104)',
    verdict: 'closed',
    cause: 'the other end reset a connection that was already set up',
  },
  {
    id: 'broken-pipe',
    text: 'Broken pipe (os error 32)',
    verdict: 'closed',
    cause: 'the other end closed the connection while data was still being written (istio/ztunnel#490)',
  },
  {
    id: 'unexpected-eof',
    text: 'UnexpectedEof',
    verdict: 'closed',
    cause: 'the HBONE peer closed the connection without ending it (istio/istio#57374)',
  },
  {
    id: 'peer-certificate',
    text: 'invalid peer certificate',
    verdict: 'dataplane',
    cause:
      "the peer's certificate is not trusted: another CA or root (UnknownIssuer, BadSignature), expired, or an " +
      'identity the peer did not expect (SanError) (istio/ztunnel#1061, #1613, #1316)',
  },
  {
    id: 'h2-frame',
    text: 'FRAME_SIZE_ERROR',
    verdict: 'dataplane',
    cause:
      'HBONE (HTTP/2) broke between the two proxies: the peer on 15008 does not speak HBONE as ztunnel does ' +
      '(a sidecar, a version skew) (istio/istio#57259)',
  },
  {
    id: 'h2-failed',
    text: 'h2 failed',
    verdict: 'dataplane',
    cause: 'HBONE (HTTP/2) broke between the two proxies (istio/istio#57259)',
  },
  {
    id: 'address-in-use',
    text: 'Address already in use',
    verdict: 'dataplane',
    cause: "ztunnel could not listen in the pod: the app already uses one of ztunnel's ports (15001, 15006, 15008)",
  },
  { id: 'ip-mismatch', text: 'ip mismatch', verdict: 'dataplane', cause: 'the HBONE target is not the receiving pod' },
  { id: 'tls', text: 'tls error', verdict: 'dataplane', cause: 'mTLS, certificate or CA trouble' },
  { id: 'identity', text: 'identity error', verdict: 'dataplane', cause: 'certificate or CA trouble' },
  { id: 'h2', text: 'http2 handshake failed', verdict: 'dataplane', cause: 'the HBONE connection could not start' },
  {
    id: 'unknown-local-workload',
    text: 'failed to fetch information about local workload',
    verdict: 'dataplane',
    cause: 'ztunnel does not know the source pod yet (xDS lag)',
  },
  {
    id: 'recursive',
    text: 'attempted recursive call to ourselves',
    verdict: 'dataplane',
    cause: 'the client dialled a ztunnel port directly',
  },
  // The Display strings of ztunnel's `Error` at every release tag from 1.22.0 to 1.30.0 and master
  // [Z:src/proxy.rs Error]; more specific texts above win (`receive: io error: … (os error 110)`).
  {
    id: 'bind-failed',
    text: 'failed to bind to address',
    verdict: 'dataplane',
    cause: 'ztunnel could not open a listener (an address in use in the pod, or a missing capability)',
  },
  {
    id: 'destination-disconnected',
    text: 'destination disconnected before all data was written',
    verdict: 'closed',
    cause: "the destination closed the connection before the client's data was all delivered",
  },
  {
    id: 'client-disconnected',
    text: 'client disconnected before all data was written',
    verdict: 'closed',
    cause: 'the client closed the connection before the reply was all delivered',
  },
  {
    id: 'while-closing',
    text: 'while closing connection',
    verdict: 'closed',
    cause: 'an error while a finished connection was being closed',
  },
  {
    id: 'connection-tracking',
    text: 'connection tracking failed',
    verdict: 'dataplane',
    cause: 'ztunnel could not track the connection for policy changes (a ztunnel fault)',
  },
  {
    id: 'pool-draining',
    text: 'pool draining',
    verdict: 'dataplane',
    cause: 'the HBONE connection pool was draining (a ztunnel restart or a certificate rotation)',
  },
  {
    id: 'drain-timeout',
    text: 'connection failed to drain within the timeout',
    verdict: 'dataplane',
    cause: 'ztunnel shut down and cut connections that outlived its drain period',
  },
  {
    id: 'not-connect',
    text: 'expected method CONNECT',
    verdict: 'dataplane',
    cause: 'something other than HBONE reached port 15008 (a client dialling 15008, a proxy without HBONE)',
  },
  {
    id: 'invalid-connect-address',
    text: 'invalid CONNECT address',
    verdict: 'dataplane',
    cause: 'the HBONE CONNECT named no valid target address',
  },
  {
    id: 'no-authority',
    text: 'no valid authority pseudo header',
    verdict: 'dataplane',
    cause: 'the HBONE CONNECT carried no usable target (a peer that is not ztunnel or a waypoint)',
  },
  {
    id: 'no-authority-port',
    text: 'no valid service port in authority header',
    verdict: 'dataplane',
    cause: 'the HBONE CONNECT named no valid port',
  },
  {
    id: 'unknown-network-gateway',
    text: 'unknown network gateway',
    verdict: 'dataplane',
    cause: 'the east-west gateway for another network is not known (multi-network)',
  },
  {
    id: 'no-gateway-address',
    text: 'no gateway address',
    verdict: 'dataplane',
    cause: 'the workload is on another network and no east-west gateway address is known',
  },
  {
    id: 'no-service-for-hostname',
    text: 'no service or workload for hostname',
    verdict: 'dataplane',
    cause: 'the hostname (a ServiceEntry, DNS capture) resolves to no service or workload ztunnel knows',
  },
  {
    id: 'no-endpoints',
    text: 'no endpoints for workload',
    verdict: 'dataplane',
    cause: 'the destination has no endpoint ztunnel can use',
  },
  {
    id: 'no-target-port',
    text: 'no valid target port for workload',
    verdict: 'dataplane',
    cause: 'the workload has no port for the one asked (the Service does not map it)',
  },
  {
    id: 'no-routing-destination',
    text: 'no valid routing destination for workload',
    verdict: 'dataplane',
    cause: "ztunnel found no address to send this workload's traffic to",
  },
  {
    id: 'dns-no-records',
    text: 'but valid dns response had no A/AAAA records',
    verdict: 'dataplane',
    cause: 'DNS answered, but without an address for the workload',
  },
  {
    id: 'no-resolved-ips',
    text: 'no ip addresses were resolved for workload',
    verdict: 'dataplane',
    cause: 'DNS for a hostname workload (a ServiceEntry with DNS resolution) gave no address',
  },
  {
    id: 'service-port-unresolved',
    text: 'found, but cannot resolve port',
    verdict: 'dataplane',
    cause: 'the Service exists but does not declare the port asked',
  },
  {
    id: 'service-no-ips',
    text: 'found, but has no IP addresses',
    verdict: 'dataplane',
    cause: 'the Service exists but has no address ztunnel can use',
  },
  {
    id: 'no-service-for-address',
    text: 'no service for target address',
    verdict: 'dataplane',
    cause: 'no Service or workload has the address the client dialled',
  },
  {
    id: 'unknown-source',
    text: 'unknown source: ',
    verdict: 'dataplane',
    cause: 'ztunnel does not know the source workload (xDS lag, or a pod not in the mesh)',
  },
  {
    id: 'unknown-destination',
    text: 'unknown destination: ',
    verdict: 'dataplane',
    cause: 'ztunnel does not know the destination address',
  },
  {
    id: 'invalid-source',
    text: 'invalid source: ',
    verdict: 'dataplane',
    cause: "the inbound connection came from an address that is not the identity's workload",
  },
  {
    id: 'streams-maxed',
    text: 'connection streams maxed out',
    verdict: 'dataplane',
    cause: 'the HBONE connection to the peer has no stream left (load)',
  },
  {
    id: 'pool-connecting',
    text: 'pool is already connecting',
    verdict: 'dataplane',
    cause: "a race in ztunnel's connection pool (transient)",
  },
  {
    id: 'seen-twice',
    text: 'bug: connection seen twice',
    verdict: 'dataplane',
    cause: 'a ztunnel fault (its own words: a bug)',
  },
  {
    id: 'no-upgrade',
    text: 'no upgrade available',
    verdict: 'dataplane',
    cause: 'the HBONE CONNECT was not upgraded by the peer',
  },
  {
    id: 'http-handshake',
    text: 'http handshake failed',
    verdict: 'dataplane',
    cause: 'the HBONE (HTTP) connection could not start',
  },
  { id: 'http-failed', text: 'http failed', verdict: 'dataplane', cause: 'the HBONE (HTTP) connection broke' },
  {
    id: 'unsupported-feature',
    text: 'unsupported feature',
    verdict: 'dataplane',
    cause: 'the configuration asks ztunnel for something it does not do',
  },
  {
    id: 'relay-receive',
    text: 'receive: ',
    verdict: 'closed',
    cause: 'the connection broke while data was relayed (after it was set up)',
  },
  {
    id: 'relay-send',
    text: 'send: ',
    verdict: 'closed',
    cause: 'the connection broke while data was relayed (after it was set up)',
  },
] as const satisfies readonly LogSignature[];

export type LogSignatureId = (typeof LOG_SIGNATURES)[number]['id'];

/** The signature of an error string; `undefined` for an error no signature knows. */
export function signatureOf(error: string): LogSignature | undefined {
  return (LOG_SIGNATURES as readonly LogSignature[]).find((s) => error.includes(s.text));
}

/**
 * What ztunnel logs, as the tool's prose quotes it: this table is the only place a ztunnel text is
 * written, so prose names the signature by id.
 */
export function ztunnelLogs(id: LogSignatureId): string {
  const s: LogSignature = LOG_SIGNATURES.find((x) => x.id === id)!;
  return s.quoted ?? s.text;
}
