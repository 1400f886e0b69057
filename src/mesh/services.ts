// Kubernetes Service selection and port resolution: which pods a Service picks, and what a
// named port means on one pod.
import type { PodFact, ServiceFact, Snapshot } from '../snapshot/types.js';
import { mapSelectorMatches } from './labels.js';
import { appendTo } from '../arrays.js';

/** A Service's cluster-local hostname, as istiod names it. */
export const serviceHostname = (svc: Pick<ServiceFact, 'meta'>) =>
  `${svc.meta.name}.${svc.meta.namespace}.svc.cluster.local`;

interface ServiceIndex {
  /** Services with a non-empty selector, by namespace. */
  selecting: Map<string, ServiceFact[]>;
  podsByNamespace: Map<string, PodFact[]>;
  podsByIp: Map<string, PodFact[]>;
  /** Each pod's place in the snapshot, so answers keep the snapshot's order. */
  position: Map<PodFact, number>;
  /** EndpointSlices by `namespace/service`. */
  slices: Map<string, Snapshot['endpointSlices']>;
}

// Built once per snapshot: check and the proofs ask for every pod's Services and every Service's endpoints,
// which scanned every Service (and every pod) each time.
const indexes = new WeakMap<Snapshot, ServiceIndex>();

function indexOf(snapshot: Snapshot): ServiceIndex {
  let index = indexes.get(snapshot);
  if (index) return index;
  index = {
    selecting: new Map(),
    podsByNamespace: new Map(),
    podsByIp: new Map(),
    position: new Map(),
    slices: new Map(),
  };
  for (const svc of snapshot.services)
    if (svc.selector && Object.keys(svc.selector).length > 0) appendTo(index.selecting, svc.meta.namespace, svc);
  for (const [i, pod] of snapshot.pods.entries()) {
    index.position.set(pod, i);
    appendTo(index.podsByNamespace, pod.meta.namespace, pod);
    for (const ip of new Set(pod.podIPs)) appendTo(index.podsByIp, ip, pod);
  }
  for (const slice of snapshot.endpointSlices)
    appendTo(index.slices, `${slice.meta.namespace}/${slice.serviceName}`, slice);
  indexes.set(snapshot, index);
  return index;
}

/** The Services whose (non-empty) selector picks this pod. */
export function servicesSelecting(snapshot: Snapshot, pod: PodFact): ServiceFact[] {
  const candidates = indexOf(snapshot).selecting.get(pod.meta.namespace) ?? [];
  return candidates.filter((s) => mapSelectorMatches(s.selector!, pod.meta.labels));
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
  for (const slice of indexOf(snapshot).slices.get(`${svc.meta.namespace}/${svc.meta.name}`) ?? []) {
    for (const e of slice.endpoints)
      if (!e.podName && (e.ready || svc.publishNotReadyAddresses)) for (const a of e.addresses) out.add(a);
  }
  return [...out];
}

export function endpointsOfService(snapshot: Snapshot, svc: ServiceFact): PodFact[] {
  const index = indexOf(snapshot);
  if (svc.selector && Object.keys(svc.selector).length > 0) {
    const inNamespace = index.podsByNamespace.get(svc.meta.namespace) ?? [];
    return inNamespace.filter((p) => mapSelectorMatches(svc.selector!, p.meta.labels));
  }
  // Selector-less Services list their endpoints in EndpointSlices; the pods keep the snapshot's order.
  const slices = index.slices.get(`${svc.meta.namespace}/${svc.meta.name}`) ?? [];
  const found = new Set<PodFact>();
  for (const s of slices)
    for (const e of s.endpoints)
      for (const ip of e.addresses) for (const p of index.podsByIp.get(ip) ?? []) found.add(p);
  return [...found].sort((a, b) => index.position.get(a)! - index.position.get(b)!);
}
