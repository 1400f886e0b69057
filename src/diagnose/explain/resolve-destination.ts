// "helloworld.hello:5000", "hello/deploy/web:http", "10.0.0.5:80", "https://api.example.com/x" →
// the Service, ServiceEntry or pods it means, the port, and how the client addresses it (§6.5).
import ipaddr from 'ipaddr.js';
import { splitHostPort, splitRef, type HostPort } from '../../address.js';
import { endpointsOfService, externalNameAlias, outsideEndpoints, resolvePodPort } from '../../mesh/services.js';
import { podRef, refText, refTo, type ObjectRef } from '../../snapshot/ref.js';
import type { PodFact, ServiceEntryFact, ServiceFact, ServicePortFact, Snapshot } from '../../snapshot/types.js';
import { UsageError } from '../../errors.js';
import { suggest } from './suggest.js';
import {
  findPod,
  podsOfWorkload,
  requireNamespace,
  serviceAddressed,
  type DestinationTarget,
  type ResolvedDestination,
} from './resolve.js';

function declaredPorts(pod: PodFact): string[] {
  return pod.containers.flatMap((c) => c.ports.map((p) => `${p.containerPort}${p.name ? `/${p.name}` : ''}`));
}

export function serviceTargets(
  snapshot: Snapshot,
  svc: ServiceFact,
  sp: ServicePortFact,
): { targets: DestinationTarget[]; notReady: PodFact[] } {
  const targets: DestinationTarget[] = [];
  const notReady: PodFact[] = [];
  for (const pod of endpointsOfService(snapshot, svc)) {
    const tp = resolvePodPort(pod, sp.targetPort, sp.protocol);
    // publishNotReadyAddresses: ztunnel's HealthPolicy ALLOW_ALL (pilot/pkg/serviceregistry/ambient/services.go).
    if (tp === undefined || (!pod.ready && !svc.publishNotReadyAddresses)) notReady.push(pod);
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
  seen = new Set<ServiceFact>(),
): ResolvedDestination {
  if (svc.type === 'ExternalName') return externalNameDestination(snapshot, svc, port, base, seen);
  const sp = pickServicePort(svc, port);
  const { targets, notReady } = serviceTargets(snapshot, svc, sp);
  const resolved = serviceAddressed(svc, sp, targets, notReady, {
    input: base.input!,
    host: base.host,
    path: base.path,
    scheme: base.scheme,
  });
  const outside = outsideEndpoints(snapshot, svc);
  if (outside.length > 0) Object.assign(resolved, { outside, ...(targets.length ? {} : { externalIp: outside[0] }) });
  return resolved;
}

/**
 * An ExternalName Service is a DNS alias: ambient does not model it (pilot/pkg/serviceregistry/
 * ambient/services.go skips ExternalName), so the client connects to what the name resolves to: a
 * Service of the cluster, a ServiceEntry's host, or an address outside the input.
 */
function externalNameDestination(
  snapshot: Snapshot,
  svc: ServiceFact,
  port: string | undefined,
  base: Partial<ResolvedDestination>,
  seen: Set<ServiceFact>,
): ResolvedDestination {
  const name = svc.externalName ?? '';
  const number = port ?? (svc.ports.length === 1 ? String(svc.ports[0].port) : undefined);
  const alias = externalNameAlias(name);
  if (alias) {
    // The Service it names decides; without it in the input nothing can be said.
    requireNamespace(snapshot, alias.namespace);
    const aliased = snapshot.services.find((s) => s.meta.namespace === alias.namespace && s.meta.name === alias.name);
    if (!aliased || seen.has(aliased))
      throw new UsageError(
        `Service ${svc.meta.namespace}/${svc.meta.name} is an ExternalName alias of ${name}, ` +
          `${aliased ? 'which aliases it back' : 'which is not in the input'}`,
      );
    seen.add(svc);
    return serviceDestination(snapshot, aliased, number, base, seen);
  }
  const hp = { host: name, port: number };
  const se = snapshot.serviceEntries.find((s) =>
    s.hosts.some((h) => h === name || (h.startsWith('*.') && name.endsWith(h.slice(1)))),
  );
  if (se) return serviceEntryDestination(se, hp, { ...base, input: base.input!, host: name });
  return {
    input: base.input!,
    host: name,
    path: base.path,
    scheme: base.scheme,
    kind: 'external',
    namespace: svc.meta.namespace,
    object: refTo('Service', svc.meta),
    addressedBy: 'external',
    port: toPortNumber(number, base.input!),
    protocol: 'TCP',
    targets: [],
    notReady: [],
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
    host: base.host,
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
  const base = { input, path: hp.path, scheme: hp.scheme, host: hp.host };

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

export function serviceEntryDestination(
  se: ServiceEntryFact,
  hp: HostPort,
  base: { input: string; path?: string; scheme?: 'http' | 'https'; host?: string },
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
