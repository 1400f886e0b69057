// "test/curl", "helloworld.hello:5000" → the pods, service and ports they mean.
import { compareText } from '../order.js';
import ipaddr from 'ipaddr.js';
import { splitHostPort, splitRef, type HostPort } from '../address.js';
import { endpointsOfService, resolvePodPort } from '../mesh/services.js';
import { suggest } from './suggest.js';
import { podRef, refText, refTo, type ObjectRef } from '../snapshot/ref.js';
import type { PodFact, ServiceEntryFact, ServiceFact, ServicePortFact, Snapshot } from '../snapshot/types.js';
import { InputError, UsageError } from '../errors.js';
import { mapSelectorMatches, selectorMatches } from '../mesh/labels.js';

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
  targets: DestinationTarget[];
  /** Selected pods that are not endpoints (not Ready, or the named port is missing). */
  notReady: PodFact[];
  path?: string;
  scheme?: 'http' | 'https';
}

function requireNamespace(snapshot: Snapshot, ns: string): void {
  if (!snapshot.namespaces.has(ns)) throw new UsageError(suggest('namespace', ns, [...snapshot.namespaces.keys()]));
}

function podsOfWorkload(
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

function findPod(snapshot: Snapshot, ns: string, name: string): PodFact {
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

function declaredPorts(pod: PodFact): string[] {
  return pod.containers.flatMap((c) => c.ports.map((p) => `${p.containerPort}${p.name ? `/${p.name}` : ''}`));
}

function serviceTargets(
  snapshot: Snapshot,
  svc: ServiceFact,
  sp: ServicePortFact,
): { targets: DestinationTarget[]; notReady: PodFact[] } {
  const targets: DestinationTarget[] = [];
  const notReady: PodFact[] = [];
  for (const pod of endpointsOfService(snapshot, svc)) {
    const tp = resolvePodPort(pod, sp.targetPort, sp.protocol);
    if (tp === undefined || !pod.ready) notReady.push(pod);
    else targets.push({ pod, targetPort: tp });
  }
  return { targets, notReady };
}

function pickServicePort(svc: ServiceFact, port: string | undefined): ServicePortFact {
  const list = svc.ports.map((p) => `${p.port}${p.name ? `/${p.name}` : ''}`).join(', ') || 'none';
  const ref = `service ${svc.meta.namespace}/${svc.meta.name}`;
  if (port === undefined) {
    if (svc.ports.length === 1) return svc.ports[0];
    throw new UsageError(`${ref} has several ports (${list}); name one with :PORT or --port`);
  }
  const sp = svc.ports.find((p) => String(p.port) === port || p.name === port);
  if (!sp) throw new UsageError(`${ref} has no port ${port}; its ports: ${list}`);
  return sp;
}

function toPortNumber(port: string | undefined, input: string): number {
  if (port === undefined) throw new UsageError(`no port in "${input}": add :PORT or --port`);
  if (!/^\d+$/.test(port) || Number(port) < 1 || Number(port) > 65535)
    throw new UsageError(`invalid port "${port}" in "${input}"`);
  return Number(port);
}

function serviceDestination(
  snapshot: Snapshot,
  svc: ServiceFact,
  port: string | undefined,
  base: Partial<ResolvedDestination>,
): ResolvedDestination {
  const sp = pickServicePort(svc, port);
  const { targets, notReady } = serviceTargets(snapshot, svc, sp);
  return {
    input: base.input!,
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

function podDestination(
  pods: PodFact[],
  port: string | undefined,
  base: Partial<ResolvedDestination> & { object: ObjectRef },
): ResolvedDestination {
  if (port === undefined) throw new UsageError(`no port for ${refText(base.object)}: add :PORT or --port`);
  const targets: DestinationTarget[] = [];
  for (const pod of pods) {
    const tp = resolvePodPort(pod, port);
    const declared = declaredPorts(pod);
    if (tp === undefined)
      throw new UsageError(
        `Pod ${pod.meta.namespace}/${pod.meta.name} has no port named "${port}"; it declares: ` +
          `${declared.join(', ') || 'none'}`,
      );
    if (declared.length > 0 && !pod.containers.some((c) => c.ports.some((p) => p.containerPort === tp))) {
      throw new UsageError(
        `Pod ${pod.meta.namespace}/${pod.meta.name} does not expose port ${tp}; it declares: ${declared.join(', ')}`,
      );
    }
    targets.push({ pod, targetPort: tp });
  }
  return {
    input: base.input!,
    kind: base.kind ?? 'pod',
    namespace: pods[0]?.meta.namespace,
    object: base.object,
    addressedBy: 'pod-ip',
    port: targets[0].targetPort,
    protocol: 'TCP',
    targets,
    notReady: [],
    path: base.path,
    scheme: base.scheme,
  };
}

export function resolveDestination(
  snapshot: Snapshot,
  input: string,
  defaultNamespace: string,
  portFlag?: string,
): ResolvedDestination {
  if (!input || /\s/.test(input)) throw new UsageError(`invalid destination "${input}"`);
  const hp = splitHostPort(input, portFlag);
  const base = { input, path: hp.path, scheme: hp.scheme };

  // NS/POD:PORT and NS/KIND/NAME:PORT
  if (hp.host.includes('/')) {
    const { ns, kind, name } = splitRef(hp.host, defaultNamespace);
    requireNamespace(snapshot, ns);
    if (kind === 'Service') {
      const svc = snapshot.services.find((s) => s.meta.namespace === ns && s.meta.name === name);
      if (!svc)
        throw new UsageError(
          suggest(
            `service in namespace ${ns}:`,
            name,
            snapshot.services.filter((s) => s.meta.namespace === ns).map((s) => s.meta.name),
          ),
        );
      return serviceDestination(snapshot, svc, hp.port, base);
    }
    if (kind === 'Pod') {
      const pod = findPod(snapshot, ns, name);
      return podDestination([pod], hp.port, { ...base, object: podRef(pod) });
    }
    const { pods, object } = podsOfWorkload(snapshot, kind, ns, name);
    return podDestination(pods, hp.port, { ...base, kind: 'workload', object });
  }

  // IP:PORT
  if (ipaddr.isValid(hp.host)) {
    const ip = ipaddr.process(hp.host).toString();
    const svc = snapshot.services.find((s) => s.clusterIPs.includes(ip));
    if (svc) return serviceDestination(snapshot, svc, hp.port, base);
    const pod = snapshot.pods.find((p) => p.podIPs.includes(ip) && !p.hostNetwork);
    if (pod) return podDestination([pod], hp.port, { ...base, object: podRef(pod) });
    const se = snapshot.serviceEntries.find((s) => s.addresses.includes(ip) || s.statusAddresses.includes(ip));
    if (se) return serviceEntryDestination(se, hp, base);
    return {
      ...base,
      input,
      kind: 'external',
      addressedBy: 'external',
      port: toPortNumber(hp.port, input),
      protocol: 'TCP',
      externalIp: ip,
      targets: [],
      notReady: [],
    };
  }

  // SERVICE.NS[.svc[.cluster.local]]:PORT
  const m = hp.host.match(/^([a-z0-9-]+)\.([a-z0-9-]+)(?:\.svc(?:\.[a-z0-9.-]+)?)?$/i);
  if (m && snapshot.namespaces.has(m[2])) {
    const svc = snapshot.services.find((s) => s.meta.namespace === m[2] && s.meta.name === m[1]);
    if (svc) return serviceDestination(snapshot, svc, hp.port, base);
    const se = snapshot.serviceEntries.find((s) => s.hosts.includes(hp.host));
    if (se) return serviceEntryDestination(se, hp, base);
    throw new UsageError(
      suggest(
        `service in namespace ${m[2]}:`,
        m[1],
        snapshot.services.filter((s) => s.meta.namespace === m[2]).map((s) => s.meta.name),
      ),
    );
  }

  // HOST:PORT of a ServiceEntry
  const se = snapshot.serviceEntries.find((s) =>
    s.hosts.some((h) => h === hp.host || (h.startsWith('*.') && hp.host.endsWith(h.slice(1)))),
  );
  if (se) return serviceEntryDestination(se, hp, base);

  // A bare NAME:PORT: a Service, then a pod, in the default namespace.
  if (!hp.host.includes('.')) {
    const svc = snapshot.services.find((s) => s.meta.namespace === defaultNamespace && s.meta.name === hp.host);
    if (svc) return serviceDestination(snapshot, svc, hp.port, base);
    const pod = snapshot.pods.find((p) => p.meta.namespace === defaultNamespace && p.meta.name === hp.host);
    if (pod) return podDestination([pod], hp.port, { ...base, object: podRef(pod) });
  }
  const names = [
    ...snapshot.services.map((s) => `${s.meta.name}.${s.meta.namespace}`),
    ...snapshot.serviceEntries.flatMap((s) => s.hosts),
  ];
  throw new UsageError(suggest('destination', hp.host, names));
}

function serviceEntryDestination(
  se: ServiceEntryFact,
  hp: HostPort,
  base: { input: string; path?: string; scheme?: 'http' | 'https' },
): ResolvedDestination {
  const port = toPortNumber(hp.port, base.input);
  if (se.ports.length > 0 && !se.ports.some((p) => p.number === port)) {
    throw new UsageError(
      `ServiceEntry ${se.meta.namespace}/${se.meta.name} has no port ${port}; its ports: ` +
        `${se.ports.map((p) => p.number).join(', ')}`,
    );
  }
  return {
    ...base,
    kind: 'serviceentry',
    namespace: se.meta.namespace,
    object: refTo('ServiceEntry', se.meta),
    addressedBy: 'service',
    port,
    protocol: 'TCP',
    serviceEntry: se,
    externalIp: se.addresses[0] ?? se.statusAddresses[0],
    targets: [],
    notReady: [],
  };
}

/** A name that cannot be found because RBAC hid it is a read failure (exit 2), not a typo. */
export function resolveOrExplainGaps<T>(snapshot: Snapshot, resolve: () => T): T {
  try {
    return resolve();
  } catch (err) {
    if (!(err instanceof UsageError) || snapshot.gaps.length === 0) throw err;
    const anonymous = snapshot.gaps.some((g) => g.message.includes('system:anonymous'));
    const what = snapshot.gaps
      .map((g) => `${g.verb} ${g.resource}${g.namespace ? ` in ${g.namespace}` : ''}`)
      .join(', ');
    throw new InputError(
      anonymous
        ? `the API server treats the requests as system:anonymous: the credentials are missing or were not sent ` +
            `(forbidden: ${what})`
        : `cannot read the cluster: forbidden: ${what} (${err.message}); see docs/rbac.md for the permissions needed`,
    );
  }
}
