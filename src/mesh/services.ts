// Kubernetes Service selection and port resolution: which pods a Service picks, and what a
// named port means on one pod.
import type { PodFact, ServiceFact, Snapshot } from '../snapshot/types.js';
import { mapSelectorMatches } from './labels.js';

/** A Service's cluster-local hostname, as istiod names it. */
export const serviceHostname = (svc: Pick<ServiceFact, 'meta'>) =>
  `${svc.meta.name}.${svc.meta.namespace}.svc.cluster.local`;

/** The Services whose (non-empty) selector picks this pod. */
export function servicesSelecting(snapshot: Snapshot, pod: PodFact): ServiceFact[] {
  return snapshot.services.filter(
    (s) =>
      s.meta.namespace === pod.meta.namespace &&
      !!s.selector &&
      Object.keys(s.selector).length > 0 &&
      mapSelectorMatches(s.selector, pod.meta.labels),
  );
}

/** Resolves a container port name or number on one pod. */
export function resolvePodPort(pod: PodFact, port: number | string, protocol = 'TCP'): number | undefined {
  if (typeof port === 'number' || /^\d+$/.test(String(port))) return Number(port);
  for (const c of pod.containers)
    for (const p of c.ports) if (p.name === port && p.protocol === protocol) return p.containerPort;
  return undefined;
}

/** An ExternalName that names a Service of the cluster (NAME.NS.svc[.cluster.local]): the client resolves to it. */
export function externalNameAlias(externalName: string | undefined): { namespace: string; name: string } | undefined {
  const m = (externalName ?? '').toLowerCase().match(/^([a-z0-9-]+)\.([a-z0-9-]+)\.svc(?:\.cluster\.local)?\.?$/);
  return m ? { namespace: m[2], name: m[1] } : undefined;
}

/**
 * The endpoints of a selector-less Service that are not pods (EndpointSlice entries without a Pod
 * targetRef): istiod turns them into workloads without HBONE, and ztunnel or a waypoint connects to
 * them in plaintext (pilot/pkg/serviceregistry/ambient: endpoint-slice workloads).
 */
export function outsideEndpoints(snapshot: Snapshot, svc: ServiceFact): string[] {
  if (svc.selector && Object.keys(svc.selector).length > 0) return [];
  const out = new Set<string>();
  for (const slice of snapshot.endpointSlices) {
    if (slice.meta.namespace !== svc.meta.namespace || slice.serviceName !== svc.meta.name) continue;
    for (const e of slice.endpoints)
      if (!e.podName && (e.ready || svc.publishNotReadyAddresses)) for (const a of e.addresses) out.add(a);
  }
  return [...out];
}

export function endpointsOfService(snapshot: Snapshot, svc: ServiceFact): PodFact[] {
  const ns = svc.meta.namespace;
  if (svc.selector && Object.keys(svc.selector).length > 0) {
    return snapshot.pods.filter((p) => p.meta.namespace === ns && mapSelectorMatches(svc.selector!, p.meta.labels));
  }
  // Selector-less Services list their endpoints in EndpointSlices.
  const ips = new Set(
    snapshot.endpointSlices
      .filter((s) => s.meta.namespace === ns && s.serviceName === svc.meta.name)
      .flatMap((s) => s.endpoints.flatMap((e) => e.addresses)),
  );
  return snapshot.pods.filter((p) => p.podIPs.some((ip) => ips.has(ip)));
}
