// §4.1: what a waypoint sees of a request. Traffic is HTTP when the client says so (a URL, a
// method, a path or a header) or when the Service port declares it (appProtocol, or a port name
// of http, http2, grpc or grpc-web); otherwise the waypoint proxies TCP and HTTP rules cannot match.
import type { ServiceEntryFact, ServiceFact, ServicePortFact } from '../snapshot/types.js';
import type { WaypointRequest } from './waypoint-authorization.js';

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

const HTTP_APP_PROTOCOLS = ['http', 'http2', 'grpc', 'grpc-web', 'kubernetes.io/h2c'];
const HTTP_PORT_NAME = /^(http|http2|grpc|grpc-web)(-|$)/i;

export function requestFacts(target: RequestTarget, asked: RequestAsked): RequestFacts {
  const portName = target.servicePort?.name ?? '';
  const appProtocol = (target.servicePort?.appProtocol ?? '').toLowerCase();
  const askedHttp = !!target.scheme || !!asked.method || !!asked.path || (asked.headers?.length ?? 0) > 0;
  const declaredHttp = appProtocol ? HTTP_APP_PROTOCOLS.includes(appProtocol) : HTTP_PORT_NAME.test(portName);
  const headers: Record<string, string> = {};
  for (const h of asked.headers ?? []) {
    const i = h.indexOf(':');
    if (i > 0) headers[h.slice(0, i).trim().toLowerCase()] = h.slice(i + 1).trim();
  }
  const host = target.service
    ? `${target.service.meta.name}.${target.service.meta.namespace}.svc.cluster.local`
    : (target.serviceEntry?.hosts[0] ?? target.host ?? '');
  return {
    protocol: askedHttp || declaredHttp ? 'HTTP' : 'TCP',
    method: (asked.method ?? 'GET').toUpperCase(),
    path: asked.path ?? target.path ?? '/',
    host,
    headers,
    port: target.port,
  };
}
