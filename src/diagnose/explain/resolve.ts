// "test/curl", "helloworld.hello:5000" → the pods, service and ports they mean.
import { forbiddenLine } from './rbac-gaps.js';
import { splitRef } from '../../address.js';
import { suggest } from './suggest.js';
import { podRef, refText, refTo, type ObjectRef } from '../../snapshot/ref.js';
import type { PodFact, ServiceEntryFact, ServiceFact, ServicePortFact, Snapshot } from '../../snapshot/types.js';
import { InputError, UsageError } from '../../errors.js';
import { selectorMatches } from '../../mesh/labels.js';

export interface ResolvedSource {
  kind: 'pods' | 'kubelet';
  input: string;
  namespace?: string;
  /** `Kind ns/name` of what the user named. */
  object?: ObjectRef;
  pods: PodFact[];
}

export interface DestinationTarget {
  pod: PodFact;
  targetPort: number;
}

export interface ResolvedDestination {
  input: string;
  kind: 'service' | 'pod' | 'workload' | 'serviceentry' | 'external';
  namespace?: string;
  object?: ObjectRef;
  /** How the client addressed the traffic (§6.5): a Service VIP/hostname or a pod IP. */
  addressedBy: 'service' | 'pod-ip' | 'external';
  port: number;
  protocol: string;
  service?: ServiceFact;
  servicePort?: ServicePortFact;
  serviceEntry?: ServiceEntryFact;
  externalIp?: string;
  /** Endpoints of a selector-less Service that are not pods (addresses outside the input's pods). */
  outside?: string[];
  targets: DestinationTarget[];
  /** Selected pods that are not endpoints (not Ready, or the named port is missing). */
  notReady: PodFact[];
  path?: string;
  scheme?: 'http' | 'https';
  /** The host part of what the user wrote (a name or an IP), without port, scheme or path. */
  host?: string;
}

export function requireNamespace(snapshot: Snapshot, ns: string): void {
  if (!snapshot.namespaces.has(ns)) throw new UsageError(suggest('namespace', ns, [...snapshot.namespaces.keys()]));
}

export function podsOfWorkload(
  snapshot: Snapshot,
  kind: string,
  ns: string,
  name: string,
): { pods: PodFact[]; object: ObjectRef } {
  const object: ObjectRef = { kind, namespace: ns, name };
  const workload = snapshot.workloads.find((w) => w.kind === kind && w.meta.namespace === ns && w.meta.name === name);
  if (workload) {
    const sel = workload.selector ?? { matchLabels: workload.templateLabels };
    const pods = snapshot.pods.filter(
      (p) =>
        p.meta.namespace === ns &&
        ((p.owner?.kind === kind && p.owner.name === name) || selectorMatches(sel, p.meta.labels)),
    );
    if (pods.length === 0) throw new UsageError(`${refText(object)} has no pods in the input`);
    return { pods, object };
  }
  // A workload known only through its pods' owner references.
  const owned = snapshot.pods.filter(
    (p) =>
      p.meta.namespace === ns &&
      p.owner &&
      (p.owner.name === name ||
        (kind === 'Deployment' && p.owner.kind === 'ReplicaSet' && p.owner.name.replace(/-[a-z0-9]+$/, '') === name)),
  );
  if (owned.length > 0) return { pods: owned, object };
  const names = snapshot.workloads.filter((w) => w.kind === kind && w.meta.namespace === ns).map((w) => w.meta.name);
  throw new UsageError(suggest(`${kind.toLowerCase()} ${ns}/`, name, names).replace(`/" "`, '/'));
}

export function findPod(snapshot: Snapshot, ns: string, name: string): PodFact {
  const pod = snapshot.pods.find((p) => p.meta.namespace === ns && p.meta.name === name);
  if (pod) return pod;
  const inNs = snapshot.pods.filter((p) => p.meta.namespace === ns).map((p) => p.meta.name);
  // `ns/curl` commonly means the pods of a workload called curl.
  const prefixed = snapshot.pods.filter(
    (p) => p.meta.namespace === ns && (p.owner?.name === name || p.meta.name.startsWith(`${name}-`)),
  );
  if (prefixed.length === 1) return prefixed[0];
  throw new UsageError(suggest(`pod in namespace ${ns}:`, name, inNs));
}

export function resolveSource(snapshot: Snapshot, input: string, defaultNamespace: string): ResolvedSource {
  if (input === 'kubelet') return { kind: 'kubelet', input, pods: [] };
  if (!input || /\s/.test(input)) throw new UsageError(`invalid source "${input}"`);
  const { ns, kind, name } = splitRef(input, defaultNamespace);
  if (kind === 'Service') throw new UsageError(`a Service cannot be a source; name a pod or workload`);
  requireNamespace(snapshot, ns);
  if (kind === 'Pod') {
    const pod = findPod(snapshot, ns, name);
    return { kind: 'pods', input, namespace: ns, object: podRef(pod), pods: [pod] };
  }
  const { pods, object } = podsOfWorkload(snapshot, kind, ns, name);
  return { kind: 'pods', input, namespace: ns, object, pods };
}

/** A name that cannot be found because RBAC hid it is a read failure (exit 2), not a typo. */
export function resolveOrExplainGaps<T>(snapshot: Snapshot, resolve: () => T): T {
  try {
    return resolve();
  } catch (err) {
    if (!(err instanceof UsageError) || snapshot.gaps.length === 0) throw err;
    const anonymous = snapshot.gaps.some((g) => g.message.includes('system:anonymous'));
    // RBAC hid what the argument names, so "not found" would be wrong: say what was refused, and to whom.
    throw new InputError(
      anonymous
        ? 'the API server treats the requests as system:anonymous: the credentials are missing or were not sent'
        : forbiddenLine(snapshot.gaps),
    );
  }
}

/** One pod dialled on one port by its IP (§6.5: pod-IP addressing). */
export function podAddressed(
  pod: PodFact,
  port: number,
  input = `${pod.meta.namespace}/${pod.meta.name}:${port}`,
): ResolvedDestination {
  return {
    input,
    kind: 'pod',
    addressedBy: 'pod-ip',
    port,
    protocol: 'TCP',
    targets: [{ pod, targetPort: port }],
    notReady: [],
  };
}

/** A Service port as the client addresses it (its VIP, or pod IPs when headless, §6.5). */
export function serviceAddressed(
  svc: ServiceFact,
  sp: ServicePortFact,
  targets: DestinationTarget[],
  notReady: PodFact[],
  base: Pick<ResolvedDestination, 'input' | 'host' | 'path' | 'scheme'>,
): ResolvedDestination {
  return {
    input: base.input,
    host: base.host,
    kind: 'service',
    namespace: svc.meta.namespace,
    object: refTo('Service', svc.meta),
    addressedBy: svc.headless ? 'pod-ip' : 'service',
    port: sp.port,
    protocol: sp.protocol,
    service: svc,
    servicePort: sp,
    targets,
    notReady,
    path: base.path,
    scheme: base.scheme,
  };
}
