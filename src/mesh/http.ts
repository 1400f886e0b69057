// §4.1: what a waypoint (or a sidecar's inbound) sees of a request, and on which filter chain.
// The chain follows the port's declared protocol as istiod reads it (pkg/config/kube/conversion.go
// ConvertProtocol, pkg/config/protocol/instance.go Parse): a declared HTTP protocol gets the HTTP
// chain, a declared TCP-family protocol (tcp, https, tls, mongo, redis, mysql, udp) the TCP chain
// whatever the client sends, and an undeclared one is sniffed (pilot/pkg/networking/core/
// listener_waypoint.go buildWaypointInboundVIP): HTTP only when the client speaks plain HTTP.
import type { ServiceEntryFact, ServiceFact, ServicePortFact } from '../snapshot/types.js';
import type { WaypointRequest } from './waypoint-authorization.js';
import { serviceHostname } from './services.js';

export type RequestFacts = Omit<WaypointRequest, 'identity' | 'sourceIp'>;

export interface RequestTarget {
  /** The host the user wrote (a name or an IP). */
  host?: string;
  port: number;
  service?: ServiceFact;
  servicePort?: ServicePortFact;
  serviceEntry?: ServiceEntryFact;
  path?: string;
  scheme?: 'http' | 'https';
}

export interface RequestAsked {
  method?: string;
  path?: string;
  headers?: string[];
}

/** Istio's protocol names (protocol.Instance); 'Unsupported' means "not declared: sniff". */
export type IstioProtocol =
  | 'TCP'
  | 'UDP'
  | 'GRPC'
  | 'GRPC-Web'
  | 'HTTP'
  | 'HTTP_PROXY'
  | 'HTTP2'
  | 'HTTPS'
  | 'TLS'
  | 'Mongo'
  | 'Redis'
  | 'MySQL'
  | 'Unsupported';

const BY_NAME: Record<string, IstioProtocol> = {
  tcp: 'TCP',
  udp: 'UDP',
  grpc: 'GRPC',
  'grpc-web': 'GRPC-Web',
  http: 'HTTP',
  http_proxy: 'HTTP_PROXY',
  http2: 'HTTP2',
  https: 'HTTPS',
  tls: 'TLS',
  mongo: 'Mongo',
  redis: 'Redis',
  mysql: 'MySQL',
};

/** protocol.Parse: a name, case-insensitive. */
export function parseIstioProtocol(name: string | undefined): IstioProtocol {
  return BY_NAME[(name ?? '').toLowerCase()] ?? 'Unsupported';
}

/** Ports never sniffed (SMTP, DNS, MySQL, MongoDB): undeclared means TCP there. */
const WELL_KNOWN_TCP_PORTS = new Set([25, 53, 3306, 27017]);

/** ConvertProtocol: a Kubernetes Service port's protocol as istiod reads it. */
export function servicePortProtocol(
  p: Pick<ServicePortFact, 'port' | 'name' | 'protocol' | 'appProtocol'>,
): IstioProtocol {
  if ((p.protocol ?? 'TCP').toUpperCase() === 'UDP') return 'UDP';
  let name = p.name ?? '';
  if (p.appProtocol !== undefined) {
    name = p.appProtocol;
    if (name === 'kubernetes.io/h2c') return 'HTTP2';
    if (name === 'kubernetes.io/ws') return 'HTTP';
    if (name === 'kubernetes.io/wss') return 'HTTPS';
  }
  if (name.toLowerCase().startsWith('grpc-web')) return 'GRPC-Web';
  const dash = name.indexOf('-');
  const parsed = parseIstioProtocol(dash >= 0 ? name.slice(0, dash) : name);
  return parsed === 'Unsupported' && WELL_KNOWN_TCP_PORTS.has(p.port) ? 'TCP' : parsed;
}

const HTTP_PROTOCOLS = new Set<IstioProtocol>(['HTTP', 'HTTP2', 'HTTP_PROXY', 'GRPC', 'GRPC-Web']);

/** The protocol a destination port declares, or 'Unsupported' when it declares none. */
export function declaredProtocol(target: RequestTarget): IstioProtocol {
  if (target.servicePort) return servicePortProtocol(target.servicePort);
  const sePort = target.serviceEntry?.ports.find((p) => p.number === target.port);
  if (sePort) return parseIstioProtocol(sePort.protocol);
  return 'Unsupported';
}

/** The chain a waypoint or sidecar inbound builds: declared HTTP, declared otherwise, or sniffed from the client. */
export function chainFor(declared: IstioProtocol, clientSpeaksHttp: boolean): 'HTTP' | 'TCP' {
  if (HTTP_PROTOCOLS.has(declared)) return 'HTTP';
  if (declared !== 'Unsupported') return 'TCP';
  return clientSpeaksHttp ? 'HTTP' : 'TCP';
}

export function requestFacts(target: RequestTarget, asked: RequestAsked): RequestFacts {
  // TLS from the client hides the request: sniffing sees TLS, not HTTP.
  const clientSpeaksHttp =
    target.scheme !== 'https' &&
    (target.scheme === 'http' || !!asked.method || !!asked.path || (asked.headers?.length ?? 0) > 0);
  const headers: Record<string, string> = {};
  for (const h of asked.headers ?? []) {
    const i = h.indexOf(':');
    if (i > 0) headers[h.slice(0, i).trim().toLowerCase()] = h.slice(i + 1).trim();
  }
  const host = target.service ? serviceHostname(target.service) : (target.serviceEntry?.hosts[0] ?? target.host ?? '');
  const declared = declaredProtocol(target);
  const chainWhy =
    declared === 'Unsupported'
      ? `port ${target.port} declares no protocol and the client speaks ${
          clientSpeaksHttp ? 'HTTP' : target.scheme === 'https' ? 'TLS' : 'TCP'
        }`
      : `port ${target.port} declares ${declared}`;
  return {
    protocol: chainFor(declared, clientSpeaksHttp),
    chainWhy,
    method: (asked.method ?? 'GET').toUpperCase(),
    path: asked.path ?? target.path ?? '/',
    host,
    headers,
    port: target.port,
  };
}
