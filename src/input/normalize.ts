// Plain Kubernetes objects → Snapshot. Shared by file input and (later) the live reader,
// so both give the same facts for the same objects.
import { refTo } from '../snapshot/ref.js';
import { applyChange, objectAfter } from './apply.js';
import { addEvidenceObject, emptyEvidence, EVIDENCE_GROUP, EVIDENCE_KIND } from './evidence.js';
import { compareText } from '../order.js';
import type {
  DuplicateObject,
  AdminNetworkPolicyFact,
  AdminPeer,
  AdminPort,
  AdminRule,
  AuthorizationPolicyFact,
  Condition,
  ConfigMapFact,
  ContainerFact,
  EndpointSliceFact,
  GatewayFact,
  LabelSelector,
  MeshSettings,
  MtlsMode,
  NamespaceFact,
  NetworkPolicyFact,
  NetworkPolicyRule,
  ObjectMeta,
  PeerAuthenticationFact,
  PodFact,
  ProbeFact,
  ServiceEntryFact,
  SidecarResourceFact,
  ServiceFact,
  Snapshot,
  WorkloadFact,
} from '../snapshot/types.js';
import type { SourcedObject, RawObject } from './files.js';
import {
  CNI_CONFIGMAP,
  CNI_KEY_EXCLUDE_NAMESPACES,
  CNI_KEY_PROBE_SNAT_IPV4,
  CNI_KEY_PROBE_SNAT_IPV6,
  DEFAULT_EXCLUDED_NAMESPACES,
  DEFAULT_PROBE_SNAT_IPV4,
  DEFAULT_PROBE_SNAT_IPV6,
  DEFAULT_ROOT_NAMESPACE,
  DEFAULT_TRUST_DOMAIN,
  LABEL_NAMESPACE_NAME,
  WAYPOINT_GATEWAY_CLASS,
} from '../mesh/constants.js';
import { selectorMatches } from '../mesh/labels.js';
import { isIstiod, isZtunnel } from '../mesh/components.js';
import { isMeshConfigMap, readMeshConfig } from './mesh-config.js';

const asRecord = (v: unknown): Record<string, string> => {
  if (!v || typeof v !== 'object') return {};
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(v as Record<string, unknown>))
    out[k] = val === null || val === undefined ? '' : String(val);
  return out;
};
const asArray = <T = any>(v: unknown): T[] => (Array.isArray(v) ? (v as T[]) : []);
const asStrings = (v: unknown): string[] | undefined => (Array.isArray(v) ? v.map(String) : undefined);

function meta(obj: RawObject, origin: string, defaultNamespace = 'default'): ObjectMeta {
  const m = obj.metadata ?? {};
  return {
    name: String(m.name ?? ''),
    namespace: String(m.namespace ?? defaultNamespace),
    labels: asRecord(m.labels),
    annotations: asRecord(m.annotations),
    creationTimestamp: m.creationTimestamp ? String(m.creationTimestamp) : undefined,
    ...(typeof m.uid === 'string' && m.uid ? { uid: m.uid } : {}),
    origin,
  };
}

function selector(v: any): LabelSelector | undefined {
  if (!v || typeof v !== 'object') return undefined;
  return { matchLabels: asRecord(v.matchLabels), matchExpressions: asArray(v.matchExpressions) };
}

function conditions(status: any): Condition[] {
  return asArray(status?.conditions).map((c: any) => ({
    type: String(c.type ?? ''),
    status: String(c.status ?? ''),
    reason: c.reason,
    message: c.message,
  }));
}

function probe(kind: ProbeFact['kind'], p: any): ProbeFact | undefined {
  if (!p || typeof p !== 'object') return undefined;
  if (p.exec) return { kind, handler: 'exec' };
  if (p.httpGet) return { kind, handler: 'httpGet', port: p.httpGet.port, host: p.httpGet.host, path: p.httpGet.path };
  if (p.tcpSocket) return { kind, handler: 'tcpSocket', port: p.tcpSocket.port, host: p.tcpSocket.host };
  if (p.grpc) return { kind, handler: 'grpc', port: p.grpc.port };
  return { kind, handler: 'unknown' };
}

function containers(spec: any): ContainerFact[] {
  return asArray(spec?.containers).map((c: any) => ({
    name: String(c.name ?? ''),
    image: c.image,
    ...(Array.isArray(c.args) ? { args: c.args.map(String) } : {}),
    ports: asArray(c.ports).map((p: any) => ({
      name: p.name,
      containerPort: Number(p.containerPort),
      protocol: String(p.protocol ?? 'TCP').toUpperCase(),
    })),
    probes: [
      probe('liveness', c.livenessProbe),
      probe('readiness', c.readinessProbe),
      probe('startup', c.startupProbe),
    ].filter((x): x is ProbeFact => !!x),
  }));
}

function podFromObject(obj: RawObject, origin: string): PodFact {
  const spec = obj.spec ?? {};
  const status = obj.status ?? {};
  const podIPs = asArray(status.podIPs)
    .map((p: any) => String(p.ip))
    .filter(Boolean);
  if (podIPs.length === 0 && status.podIP) podIPs.push(String(status.podIP));
  const readyCondition = asArray(status.conditions).find((c: any) => c.type === 'Ready');
  const owner = asArray(obj.metadata?.ownerReferences)[0];
  const observed = Object.keys(status).length > 0;
  return {
    meta: meta(obj, origin),
    nodeName: spec.nodeName,
    podIPs,
    hostIP: status.hostIP,
    hostNetwork: spec.hostNetwork === true,
    serviceAccount: String(spec.serviceAccountName ?? spec.serviceAccount ?? 'default'),
    phase: status.phase,
    // A pod without status is a manifest: treat it as it would run, Ready.
    ready: observed ? readyCondition?.status === 'True' || (status.phase === 'Running' && !readyCondition) : true,
    containers: containers(spec),
    owner: owner ? { kind: String(owner.kind ?? 'Pod'), name: String(owner.name) } : undefined,
    observed,
  };
}

const WORKLOAD_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job']);

function workloadFromObject(obj: RawObject, origin: string): { workload: WorkloadFact; template: any } {
  const spec = obj.spec ?? {};
  const template = spec.template ?? {};
  return {
    workload: {
      kind: obj.kind as WorkloadFact['kind'],
      meta: meta(obj, origin),
      selector: selector(spec.selector),
      templateLabels: asRecord(template.metadata?.labels),
      templateAnnotations: asRecord(template.metadata?.annotations),
      replicas: typeof spec.replicas === 'number' ? spec.replicas : 1,
    },
    template,
  };
}

function npRules(v: unknown, peerKey: 'from' | 'to'): NetworkPolicyRule[] {
  return asArray(v).map((r: any) => ({
    peers:
      r?.[peerKey] === undefined
        ? undefined
        : asArray(r[peerKey]).map((p: any) => ({
            podSelector: selector(p.podSelector),
            namespaceSelector: selector(p.namespaceSelector),
            ipBlock: p.ipBlock ? { cidr: String(p.ipBlock.cidr), except: asStrings(p.ipBlock.except) } : undefined,
          })),
    ports:
      r?.ports === undefined
        ? undefined
        : asArray(r.ports).map((p: any) => ({
            protocol: p.protocol ? String(p.protocol).toUpperCase() : undefined,
            port: p.port,
            endPort: p.endPort,
          })),
  }));
}

function networkPolicy(obj: RawObject, origin: string): NetworkPolicyFact {
  const spec = obj.spec ?? {};
  let policyTypes = asStrings(spec.policyTypes) as NetworkPolicyFact['policyTypes'] | undefined;
  if (!policyTypes || policyTypes.length === 0) {
    // API server default: Ingress always, Egress only when egress rules exist (§8.6).
    policyTypes = ['Ingress'];
    if (asArray(spec.egress).length > 0) policyTypes.push('Egress');
  }
  return {
    meta: meta(obj, origin),
    podSelector: selector(spec.podSelector) ?? {},
    policyTypes,
    ingress: npRules(spec.ingress, 'from'),
    egress: npRules(spec.egress, 'to'),
  };
}

function adminPeer(p: any): AdminPeer {
  return {
    namespaces: p.namespaces ? (selector(p.namespaces) ?? {}) : undefined,
    pods: p.pods
      ? { namespaceSelector: selector(p.pods.namespaceSelector) ?? {}, podSelector: selector(p.pods.podSelector) ?? {} }
      : undefined,
    networks: asStrings(p.networks),
  };
}

function adminRules(v: unknown, peerKey: 'from' | 'to'): AdminRule[] {
  return asArray(v).map((r: any) => ({
    name: String(r.name ?? ''),
    action: String(r.action ?? ''),
    peers: asArray(r[peerKey]).map(adminPeer),
    ports:
      r.ports === undefined
        ? undefined
        : asArray(r.ports).map((p: any): AdminPort => {
            if (p.portNumber)
              return {
                protocol: String(p.portNumber.protocol ?? 'TCP').toUpperCase(),
                start: Number(p.portNumber.port),
                end: Number(p.portNumber.port),
              };
            if (p.portRange)
              return {
                protocol: String(p.portRange.protocol ?? 'TCP').toUpperCase(),
                start: Number(p.portRange.start),
                end: Number(p.portRange.end),
              };
            return { protocol: 'TCP', namedPort: String(p.namedPort ?? '') };
          }),
  }));
}

function adminNetworkPolicy(obj: RawObject): AdminNetworkPolicyFact {
  const spec = obj.spec ?? {};
  return {
    kind: obj.kind as AdminNetworkPolicyFact['kind'],
    name: String(obj.metadata?.name ?? ''),
    priority: Number(spec.priority ?? 1000),
    subject: {
      namespaces: spec.subject?.namespaces ? (selector(spec.subject.namespaces) ?? {}) : undefined,
      pods: spec.subject?.pods
        ? {
            namespaceSelector: selector(spec.subject.pods.namespaceSelector) ?? {},
            podSelector: selector(spec.subject.pods.podSelector) ?? {},
          }
        : undefined,
    },
    ingress: adminRules(spec.ingress, 'from'),
    egress: adminRules(spec.egress, 'to'),
  };
}

function authorizationPolicy(obj: RawObject, origin: string): AuthorizationPolicyFact {
  const spec = obj.spec ?? {};
  const targetRefs = asArray(spec.targetRefs);
  if (spec.targetRef) targetRefs.push(spec.targetRef);
  return {
    meta: meta(obj, origin),
    selector: selector(spec.selector),
    targetRefs: targetRefs.map((t: any) => ({
      group: t.group,
      kind: String(t.kind),
      name: String(t.name),
      namespace: t.namespace,
    })),
    action: spec.action ? String(spec.action) : 'ALLOW',
    rules: Array.isArray(spec.rules) ? spec.rules : undefined,
    provider: spec.provider?.name,
    conditions: conditions(obj.status),
  };
}

const MTLS_MODES = new Set(['STRICT', 'PERMISSIVE', 'DISABLE', 'UNSET']);
const mtlsMode = (v: unknown): MtlsMode => {
  const s = String(v ?? 'UNSET').toUpperCase();
  return (MTLS_MODES.has(s) ? s : 'UNSET') as MtlsMode;
};

function peerAuthentication(obj: RawObject, origin: string): PeerAuthenticationFact {
  const spec = obj.spec ?? {};
  const portLevel: Record<string, MtlsMode> = {};
  for (const [port, v] of Object.entries(spec.portLevelMtls ?? {})) portLevel[port] = mtlsMode((v as any)?.mode);
  return {
    meta: meta(obj, origin),
    selector: selector(spec.selector),
    mode: mtlsMode(spec.mtls?.mode),
    portLevelMtls: portLevel,
  };
}

/** Charts up to 1.25 wrote the excluded namespaces under a key the agent does not read (see constants.ts). */
function excludeListNeverRead(istioVersion: string | undefined): boolean {
  const [major, minor] = (istioVersion ?? '').split('.').map(Number);
  return major === 1 && minor <= 25;
}

function service(obj: RawObject, origin: string): ServiceFact {
  const spec = obj.spec ?? {};
  const clusterIPs = asStrings(spec.clusterIPs) ?? (spec.clusterIP ? [String(spec.clusterIP)] : []);
  return {
    meta: meta(obj, origin),
    selector: spec.selector ? asRecord(spec.selector) : undefined,
    clusterIPs: clusterIPs.filter((ip) => ip !== 'None'),
    headless: spec.clusterIP === 'None',
    type: String(spec.type ?? 'ClusterIP'),
    ports: asArray(spec.ports).map((p: any) => ({
      name: p.name,
      appProtocol: p.appProtocol,
      port: Number(p.port),
      targetPort: p.targetPort ?? Number(p.port),
      protocol: String(p.protocol ?? 'TCP').toUpperCase(),
    })),
    ...(spec.externalName ? { externalName: String(spec.externalName).toLowerCase() } : {}),
    ...(spec.internalTrafficPolicy ? { internalTrafficPolicy: String(spec.internalTrafficPolicy) } : {}),
    publishNotReadyAddresses: spec.publishNotReadyAddresses === true,
    conditions: conditions(obj.status),
  };
}

function endpointSlice(obj: RawObject, origin: string): EndpointSliceFact {
  const m = meta(obj, origin);
  return {
    meta: m,
    serviceName: m.labels['kubernetes.io/service-name'] ?? '',
    endpoints: asArray(obj.endpoints).map((e: any) => ({
      addresses: asArray(e.addresses).map(String),
      ready: e.conditions?.ready !== false,
      podName: e.targetRef?.kind === 'Pod' ? e.targetRef.name : undefined,
      ...(e.nodeName ? { nodeName: String(e.nodeName) } : {}),
    })),
  };
}

function sidecarResource(obj: RawObject, origin: string): SidecarResourceFact {
  const labels = obj.spec?.workloadSelector?.labels;
  return { meta: meta(obj, origin), ...(labels ? { selector: asRecord(labels) } : {}) };
}

function serviceEntry(obj: RawObject, origin: string): ServiceEntryFact {
  const spec = obj.spec ?? {};
  return {
    meta: meta(obj, origin),
    hosts: asStrings(spec.hosts) ?? [],
    addresses: asStrings(spec.addresses) ?? [],
    statusAddresses: asArray(obj.status?.addresses).map((a: any) => String(a.value)),
    ports: asArray(spec.ports).map((p: any) => ({
      number: Number(p.number),
      name: p.name,
      protocol: p.protocol,
      targetPort: p.targetPort,
    })),
    location: spec.location,
    resolution: spec.resolution,
    conditions: conditions(obj.status),
  };
}

/**
 * §6.1: istiod with ambient creates (and recreates) the GatewayClasses `istio` and `istio-waypoint`
 * (pilot/pkg/config/kube/gatewaycommon/classinfo.go); an input without them still has them.
 */
function withBuiltInClasses(classes: Snapshot['gatewayClasses']): Snapshot['gatewayClasses'] {
  const builtIn = [
    { name: 'istio', labels: {}, controllerName: 'istio.io/gateway-controller', builtIn: true },
    { name: WAYPOINT_GATEWAY_CLASS, labels: {}, controllerName: 'istio.io/mesh-controller', builtIn: true },
  ];
  return [...classes, ...builtIn.filter((b) => !classes.some((c) => c.name === b.name))];
}

function gateway(obj: RawObject, origin: string): GatewayFact {
  const spec = obj.spec ?? {};
  return {
    meta: meta(obj, origin),
    gatewayClassName: String(spec.gatewayClassName ?? ''),
    listeners: asArray(spec.listeners).map((l: any) => ({
      name: l.name,
      port: Number(l.port),
      protocol: String(l.protocol ?? ''),
      allowedRoutesFrom: l.allowedRoutes?.namespaces?.from,
      allowedRoutesSelector: l.allowedRoutes?.namespaces?.selector,
    })),
    statusAddresses: asArray(obj.status?.addresses).map((a: any) => String(a.value)),
    conditions: conditions(obj.status),
  };
}

function imageTag(image: string | undefined): string | undefined {
  const m = image?.match(/:(\d+\.\d+(?:\.\d+)?)/);
  return m?.[1];
}

function meshSettings(configMaps: ConfigMapFact[], pods: PodFact[]): MeshSettings {
  const settings: MeshSettings = {
    autoAllowWaypointPolicy: false,
    rootNamespace: DEFAULT_ROOT_NAMESPACE,
    trustDomain: DEFAULT_TRUST_DOMAIN,
    excludedNamespaces: [...DEFAULT_EXCLUDED_NAMESPACES],
    probeSnatIPv4: DEFAULT_PROBE_SNAT_IPV4,
    probeSnatIPv6: DEFAULT_PROBE_SNAT_IPV6,
    sources: [],
  };
  const meshCm = configMaps.find((c) => isMeshConfigMap(c.meta.name) && c.data.mesh);
  const mesh = meshCm
    ? readMeshConfig(meshCm.data.mesh, meshCm.meta.namespace, `ConfigMap ${meshCm.meta.namespace}/${meshCm.meta.name}`)
    : undefined;
  // A mesh config we cannot parse leaves Istio's defaults in place.
  if (meshCm && mesh) {
    settings.rootNamespace = mesh.rootNamespace;
    if (mesh.trustDomain) settings.trustDomain = mesh.trustDomain;
    if (mesh.outboundTrafficPolicy) settings.outboundTrafficPolicy = mesh.outboundTrafficPolicy;
    settings.extensionProviders = mesh.extensionProviders;
    settings.sources.push(refTo('ConfigMap', meshCm.meta));
  }
  const cni = configMaps.find((c) => c.meta.name === CNI_CONFIGMAP);
  if (cni) {
    if (cni.data[CNI_KEY_PROBE_SNAT_IPV4]) settings.probeSnatIPv4 = cni.data[CNI_KEY_PROBE_SNAT_IPV4];
    if (cni.data[CNI_KEY_PROBE_SNAT_IPV6]) settings.probeSnatIPv6 = cni.data[CNI_KEY_PROBE_SNAT_IPV6];
    // The agent's list is this key or nothing (an older chart's EXCLUDED_NAMESPACES is never read).
    settings.excludedNamespaces = (cni.data[CNI_KEY_EXCLUDE_NAMESPACES] ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    settings.istioVersion = imageTag(`x:${cni.data.CURRENT_AGENT_VERSION ?? ''}`);
    if (settings.istioVersion)
      settings.istioVersionFrom = `CURRENT_AGENT_VERSION of ConfigMap ${cni.meta.namespace}/${cni.meta.name}`;
    if (cni.data.AMBIENT_DNS_CAPTURE !== undefined) settings.dnsCapture = cni.data.AMBIENT_DNS_CAPTURE === 'true';
    settings.sources.push(refTo('ConfigMap', cni.meta));
  }
  if (!settings.istioVersion) {
    const istiod = pods.find((p) => isIstiod(p) || isZtunnel(p));
    settings.istioVersion = imageTag(istiod?.containers[0]?.image);
    if (settings.istioVersion && istiod)
      settings.istioVersionFrom = `image ${istiod.containers[0].image} of ${istiod.meta.namespace}/${istiod.meta.name}`;
  }
  // Without the ConfigMap, the chart's default: kube-system from 1.26; before, the list never reached the agent.
  if (!cni && excludeListNeverRead(settings.istioVersion)) settings.excludedNamespaces = [];
  return settings;
}

/** An environment flag of the istiod Deployment, e.g. PILOT_AUTO_ALLOW_WAYPOINT_POLICY (§4.7). */
function istiodFlag(workloads: { workload: WorkloadFact; template: any }[], name: string): boolean {
  return workloads.some(
    ({ workload, template }) =>
      workload.kind === 'Deployment' &&
      workload.meta.name.startsWith('istiod') &&
      asArray(template?.spec?.containers).some((c: any) =>
        asArray(c.env).some((e: any) => e.name === name && String(e.value).toLowerCase() === 'true'),
      ),
  );
}

/** Pods for workloads that came without any of their pods (offline input of templates only). */
function synthesizePods(
  items: { workload: WorkloadFact; template: any; origin: string }[],
  pods: PodFact[],
): PodFact[] {
  const out: PodFact[] = [];
  for (const { workload, template, origin } of items) {
    const ns = workload.meta.namespace;
    const sel = workload.selector ?? { matchLabels: workload.templateLabels };
    const owned = pods.some(
      (p) =>
        p.meta.namespace === ns &&
        ((p.owner && p.owner.name.startsWith(workload.meta.name)) || selectorMatches(sel, p.meta.labels)),
    );
    if (owned) continue;
    // One pod stands for all replicas: they share labels, identity and policy.
    const count = 1;
    for (let i = 0; i < count; i++) {
      const pod = podFromObject(
        {
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: {
            ...template.metadata,
            name: `${workload.meta.name}-${workload.kind === 'StatefulSet' ? '0' : 'pod'}`,
            namespace: ns,
          },
          spec: template.spec,
        },
        origin,
      );
      pod.owner = { kind: workload.kind, name: workload.meta.name };
      out.push(pod);
    }
  }
  return out;
}

/**
 * Facts made from each raw object, by the object itself: a fix's proof applies its change to the list of
 * objects (input/apply.ts keeps every object it does not change), and the snapshot after it converts only
 * the changed ones again (issue 32). Facts are never changed once made, so two snapshots may share them.
 */
const facts = new WeakMap<object, { origin: string; fact: unknown }>();

function factOf<T>(obj: RawObject, origin: string, make: () => T): T {
  const known = facts.get(obj);
  if (known && known.origin === origin) return known.fact as T;
  const fact = make();
  facts.set(obj, { origin, fact });
  return fact;
}

const byName = (a: { meta: ObjectMeta }, b: { meta: ObjectMeta }) =>
  compareText(a.meta.namespace, b.meta.namespace) || compareText(a.meta.name, b.meta.name);

export function buildSnapshot(
  objects: SourcedObject[],
  origin: Snapshot['origin'] = 'files',
  extra: Pick<Snapshot, 'gaps' | 'notes'> & { scope?: Snapshot['scope']; listed?: string[] } = {
    gaps: [],
    notes: [],
  },
): Snapshot {
  const scope = extra.scope ?? 'all';
  const listed = new Set(extra.listed ?? []);
  const inScope = (resource: string, ns: string | undefined) =>
    scope === 'all' || (ns !== undefined && (scope.includes(ns) || listed.has(`${resource}@${ns}`)));
  const isAbsenceFact = (resource: string, namespace?: string) =>
    origin === 'cluster' &&
    inScope(resource, namespace) &&
    !extra.gaps.some((g) => g.resource === resource && (!g.namespace || !namespace || g.namespace === namespace));
  const namespaces = new Map<string, NamespaceFact>();
  const pods: PodFact[] = [];
  const services: ServiceFact[] = [];
  const endpointSlices: EndpointSliceFact[] = [];
  const workloads: { workload: WorkloadFact; template: any; origin: string }[] = [];
  const networkPolicies: NetworkPolicyFact[] = [];
  const authorizationPolicies: AuthorizationPolicyFact[] = [];
  const peerAuthentications: PeerAuthenticationFact[] = [];
  const serviceEntries: ServiceEntryFact[] = [];
  const sidecarResources: SidecarResourceFact[] = [];
  const gateways: GatewayFact[] = [];
  const configMaps: ConfigMapFact[] = [];
  const evidence = emptyEvidence();
  const gatewayClasses: Snapshot['gatewayClasses'] = [];
  const adminNetworkPolicies: AdminNetworkPolicyFact[] = [];

  // The same object given twice (two files, or a file and stdin): the later one wins, as with kubectl apply.
  // Copies that differ are reported (AD904): `-f dir/` must not change a verdict without a word.
  const unique = new Map<string, SourcedObject>();
  // Only objects seen more than once get a list of their copies.
  const copies = new Map<string, SourcedObject[]>();
  for (const o of objects) {
    const m = o.object.metadata ?? {};
    const apiVersion = String(o.object.apiVersion ?? '');
    const slash = apiVersion.indexOf('/');
    const group = slash < 0 ? apiVersion : apiVersion.slice(0, slash);
    const key = `${group}/${o.object.kind}/${m.namespace ?? ''}/${m.name ?? ''}`;
    if (!m.name) {
      unique.set(`${key}#${unique.size}`, o);
      continue;
    }
    const earlier = unique.get(key);
    if (earlier) {
      if (o.origin !== 'fix') {
        const list = copies.get(key) ?? (earlier.origin === 'fix' ? [] : [earlier]);
        list.push(o);
        copies.set(key, list);
      }
      unique.delete(key);
    }
    unique.set(key, o);
  }
  const conflicts: DuplicateObject[] = [];
  for (const list of copies.values()) {
    if (list.length < 2 || new Set(list.map((c) => JSON.stringify(c.object))).size < 2) continue;
    const used = list[list.length - 1];
    // Copies that say the same as the used one change nothing; the others are what the user should see.
    const differing = list.filter((c) => JSON.stringify(c.object) !== JSON.stringify(used.object));
    const ignored = [...new Set(differing.map((c) => c.origin))];
    const m = used.object.metadata ?? {};
    conflicts.push({
      kind: String(used.object.kind),
      namespace: m.namespace,
      name: m.name,
      used: used.origin,
      ignored,
    });
  }

  for (const { object: obj, origin: src } of unique.values()) {
    switch (obj.kind) {
      case 'Namespace': {
        const fact = factOf(obj, src, () => {
          const m = meta(obj, src, '');
          m.namespace = '';
          m.labels[LABEL_NAMESPACE_NAME] ??= m.name;
          return { meta: m, implied: false };
        });
        namespaces.set(fact.meta.name, fact);
        break;
      }
      case 'Pod':
        pods.push(factOf(obj, src, () => podFromObject(obj, src)));
        break;
      case 'Service':
        services.push(factOf(obj, src, () => service(obj, src)));
        break;
      case 'EndpointSlice':
        endpointSlices.push(factOf(obj, src, () => endpointSlice(obj, src)));
        break;
      case 'NetworkPolicy':
        networkPolicies.push(factOf(obj, src, () => networkPolicy(obj, src)));
        break;
      case 'AdminNetworkPolicy':
      case 'BaselineAdminNetworkPolicy':
        if (String(obj.apiVersion ?? '').startsWith('policy.networking.k8s.io'))
          adminNetworkPolicies.push(factOf(obj, src, () => adminNetworkPolicy(obj)));
        break;
      case 'AuthorizationPolicy':
        authorizationPolicies.push(factOf(obj, src, () => authorizationPolicy(obj, src)));
        break;
      case 'PeerAuthentication':
        peerAuthentications.push(factOf(obj, src, () => peerAuthentication(obj, src)));
        break;
      case 'ServiceEntry':
        serviceEntries.push(factOf(obj, src, () => serviceEntry(obj, src)));
        break;
      case 'Sidecar':
        if (String(obj.apiVersion ?? '').startsWith('networking.istio.io'))
          sidecarResources.push(factOf(obj, src, () => sidecarResource(obj, src)));
        break;
      case 'Gateway':
        if (String(obj.apiVersion ?? '').startsWith('gateway.networking.k8s.io'))
          gateways.push(factOf(obj, src, () => gateway(obj, src)));
        break;
      case 'GatewayClass':
        gatewayClasses.push({
          name: String(obj.metadata?.name ?? ''),
          labels: asRecord(obj.metadata?.labels),
          controllerName: String(obj.spec?.controllerName ?? ''),
        });
        break;
      case 'ConfigMap':
        configMaps.push({ meta: meta(obj, src), data: asRecord(obj.data) });
        break;
      case 'Secret':
        // Never kept: the tool does not read Secrets.
        break;
      case EVIDENCE_KIND:
        if (String(obj.apiVersion).startsWith(EVIDENCE_GROUP)) addEvidenceObject(evidence, obj, src);
        break;
      default:
        if (WORKLOAD_KINDS.has(String(obj.kind))) workloads.push({ ...workloadFromObject(obj, src), origin: src });
        // Other kinds carry nothing the diagnosis reads.
        break;
    }
  }

  for (const pod of synthesizePods(workloads, pods)) pods.push(pod);
  // A stable order, whatever order files or the API server gave: results must not depend on it.
  for (const list of [
    pods,
    services,
    endpointSlices,
    networkPolicies,
    authorizationPolicies,
    peerAuthentications,
    serviceEntries,
    sidecarResources,
    gateways,
    configMaps,
  ] as { meta: ObjectMeta }[][]) {
    list.sort(byName);
  }
  workloads.sort((a, b) => byName(a.workload, b.workload) || compareText(a.workload.kind, b.workload.kind));

  const mentioned = [
    ...pods.map((p) => p.meta.namespace),
    ...services.map((s) => s.meta.namespace),
    ...workloads.map((w) => w.workload.meta.namespace),
    ...networkPolicies.map((n) => n.meta.namespace),
    ...authorizationPolicies.map((a) => a.meta.namespace),
    ...peerAuthentications.map((p) => p.meta.namespace),
    ...serviceEntries.map((s) => s.meta.namespace),
    ...gateways.map((g) => g.meta.namespace),
  ];
  for (const name of mentioned) {
    if (!namespaces.has(name)) {
      namespaces.set(name, {
        meta: { name, namespace: '', labels: { [LABEL_NAMESPACE_NAME]: name }, annotations: {} },
        implied: true,
      });
    }
  }

  const ztunnels = pods.filter(isZtunnel);
  return {
    namespaces,
    pods,
    services,
    endpointSlices,
    workloads: workloads.map((w) => w.workload),
    networkPolicies,
    adminNetworkPolicies: adminNetworkPolicies.sort((a, b) => a.priority - b.priority || compareText(a.name, b.name)),
    authorizationPolicies,
    peerAuthentications,
    serviceEntries,
    sidecarResources,
    gateways,
    gatewayClasses: withBuiltInClasses(gatewayClasses),
    configMaps,
    mesh: {
      ...meshSettings(configMaps, pods),
      autoAllowWaypointPolicy: istiodFlag(workloads, 'PILOT_AUTO_ALLOW_WAYPOINT_POLICY'),
    },
    // Live, the ztunnel list is a fact (§2.3) unless RBAC hid the pods; in files it may be missing.
    ztunnelsKnown: ztunnels.length > 0 || isAbsenceFact('pods'),
    ztunnels,
    origin,
    isAbsenceFact,
    scope,
    gaps: stableGaps(extra.gaps),
    notes: [...new Set(extra.notes)].sort(compareText),
    duplicates: conflicts,
    evidence,
    withChange: (change) => buildSnapshot(applyChange(objects, change), origin, extra),
    objectAfter: (manifest) => objectAfter(objects, manifest),
    originOf: (ref) => {
      const found = [...objects]
        .reverse()
        .find(
          (o) =>
            o.object.kind === ref.kind &&
            o.object.metadata?.name === ref.name &&
            (ref.namespace === undefined || (o.object.metadata?.namespace ?? 'default') === ref.namespace),
        );
      return found && found.origin !== 'cluster' ? found.origin : undefined;
    },
  };
}

// Live reads finish in any order; the report must not depend on it.
function stableGaps(gaps: Snapshot['gaps']): Snapshot['gaps'] {
  const key = (g: Snapshot['gaps'][number]) => `${g.resource}/${g.namespace ?? ''}/${g.verb}`;
  const unique = new Map(gaps.map((g) => [key(g), g]));
  return [...unique.keys()].sort(compareText).map((k) => unique.get(k)!);
}
