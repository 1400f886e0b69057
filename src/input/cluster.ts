// Reads the live cluster with targeted, parallel GETs and returns the same plain objects a
// manifest file would hold, so buildSnapshot() and everything after it are shared.
// Read-only: only get and list. Secrets are never requested.
import { externalNameAlias } from '../mesh/services.js';
import ipaddr from 'ipaddr.js';
import { InputError } from '../errors.js';
import { checkName, splitHostPort, splitRef } from '../address.js';
import { DEFAULT_ROOT_NAMESPACE, LABEL_USE_WAYPOINT_NAMESPACE } from '../mesh/constants.js';
import { providerServiceRef } from '../mesh/waypoint-authorization.js';
import { readMeshConfig, type MeshConfigFacts } from './mesh-config.js';
import { ApiClient, ApiError } from './api.js';
import type { RawObject, SourcedObject } from './files.js';
import { shapeProblem } from './shapes.js';

/** Something the user's RBAC did not let us read. */
export interface ReadGap {
  verb: 'get' | 'list';
  resource: string;
  namespace?: string;
  message: string;
}

export interface ClusterRead {
  objects: SourcedObject[];
  gaps: ReadGap[];
  /** Facts about the cluster worth telling the user (Gateway API missing, …). */
  notes: string[];
  /** The namespaces the read covers: every one, or those a scan was scoped to (`check -n`). */
  scope: 'all' | string[];
  /** Outside the scope, each `resource@namespace` listed whole (check -n reads the mesh's own pods). */
  listed: string[];
}

export type ReadPlan =
  | { kind: 'explain'; source: string; destination: string; namespace: string; port?: string }
  | { kind: 'probes'; target: string; namespace: string }
  | { kind: 'matrix'; namespaces: string[] | 'all' }
  | { kind: 'check'; namespaces: string[] | 'all' };

/** The plan's names checked before any request: a bad name is a usage error, not a request path. */
export function checkPlanNames(plan: ReadPlan): void {
  if (plan.kind === 'matrix' || plan.kind === 'check') {
    for (const ns of plan.namespaces === 'all' ? [] : plan.namespaces) checkName(ns, 'namespace', ns);
    return;
  }
  const refs =
    plan.kind === 'explain'
      ? [plan.source === 'kubelet' ? undefined : plan.source, splitHostPort(plan.destination, plan.port).host]
      : [plan.target];
  for (const ref of refs) if (ref?.includes('/')) splitRef(ref, plan.namespace);
  checkName(plan.namespace, 'namespace', plan.namespace);
}

interface Kind {
  kind: string;
  apiVersion: string;
  /** Path prefix: /api/v1 or /apis/<group>/<version>. */
  base: string;
  plural: string;
}

const core = (kind: string, plural: string): Kind => ({ kind, apiVersion: 'v1', base: '/api/v1', plural });
const group = (g: string, v: string, kind: string, plural: string): Kind => ({
  kind,
  apiVersion: `${g}/${v}`,
  base: `/apis/${g}/${v}`,
  plural,
});

const POD = core('Pod', 'pods');
const NAMESPACE = core('Namespace', 'namespaces');
const SERVICE = core('Service', 'services');
const CONFIGMAP = core('ConfigMap', 'configmaps');
const ENDPOINTSLICE = group('discovery.k8s.io', 'v1', 'EndpointSlice', 'endpointslices');
const NETPOL = group('networking.k8s.io', 'v1', 'NetworkPolicy', 'networkpolicies');
const WORKLOADS: Record<string, Kind> = {
  Deployment: group('apps', 'v1', 'Deployment', 'deployments'),
  StatefulSet: group('apps', 'v1', 'StatefulSet', 'statefulsets'),
  DaemonSet: group('apps', 'v1', 'DaemonSet', 'daemonsets'),
  ReplicaSet: group('apps', 'v1', 'ReplicaSet', 'replicasets'),
  Job: group('batch', 'v1', 'Job', 'jobs'),
};

const path = (k: Kind, namespace?: string, name?: string) => {
  const inNamespace = namespace && k !== NAMESPACE ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  return `${k.base}${inNamespace}/${k.plural}${name ? `/${encodeURIComponent(name)}` : ''}`;
};

function selectorString(
  sel:
    | {
        matchLabels?: Record<string, string>;
        matchExpressions?: { key: string; operator: string; values?: string[] }[];
      }
    | undefined,
): string {
  const parts = Object.entries(sel?.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const e of sel?.matchExpressions ?? []) {
    if (e.operator === 'In') parts.push(`${e.key} in (${(e.values ?? []).join(',')})`);
    else if (e.operator === 'NotIn') parts.push(`${e.key} notin (${(e.values ?? []).join(',')})`);
    else if (e.operator === 'Exists') parts.push(e.key);
    else if (e.operator === 'DoesNotExist') parts.push(`!${e.key}`);
  }
  return parts.join(',');
}

export class ClusterReader {
  private readonly objects = new Map<string, RawObject>();
  private readonly gaps: ReadGap[] = [];
  private readonly notes: string[] = [];
  private readonly listed = new Set<string>();
  private istio?: { security: string; networking?: string };
  private gatewayVersion?: string;

  constructor(private readonly api: ApiClient) {}

  private add(objs: RawObject[]): RawObject[] {
    for (const o of objs) {
      // A server (or an aggregated API, or a CRD without a schema) can return what no kubectl
      // would accept; it is named in one line rather than failing somewhere in the engine.
      const wrong = o && typeof o === 'object' ? shapeProblem(o) : 'an item of a list is not an object';
      if (wrong) throw new InputError(`the API server returned an object the tool cannot read: ${wrong}`);
      const key = `${o.kind}/${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;
      this.objects.set(key, o);
    }
    return objs;
  }

  private gap(err: unknown, verb: 'get' | 'list', k: Kind, namespace?: string): RawObject[] {
    if (err instanceof ApiError && err.status === 403) {
      this.gaps.push({
        verb,
        resource: resourceName(k),
        namespace,
        message: err.detail,
      });
      return [];
    }
    if (err instanceof ApiError && err.status === 404) return [];
    if (err instanceof ApiError)
      throw new InputError(
        `${verb} ${k.plural}${namespace ? ` in ${namespace}` : ''} failed: ${err.status} ${err.reason} ` +
          `${err.detail}`.trim(),
      );
    throw err;
  }

  async getOne(k: Kind, namespace: string | undefined, name: string): Promise<RawObject | undefined> {
    try {
      const obj = await this.api.get(path(k, namespace, name));
      return this.add([{ apiVersion: k.apiVersion, kind: k.kind, ...obj }])[0];
    } catch (err) {
      this.gap(err, 'get', k, namespace);
      return undefined;
    }
  }

  async list(k: Kind, namespace?: string, query: Record<string, string | undefined> = {}): Promise<RawObject[]> {
    try {
      const items = this.add(await this.api.list(path(k, namespace), k.kind, k.apiVersion, query));
      if (namespace && !Object.values(query).some(Boolean)) this.listed.add(`${resourceName(k)}@${namespace}`);
      return items;
    } catch (err) {
      return this.gap(err, 'list', k, namespace);
    }
  }

  /** §4, §6: Istio and Gateway API groups, preferring v1 and falling back to v1beta1. */
  async discover(): Promise<void> {
    const version = async (g: string) => {
      try {
        const res = await this.api.get(`/apis/${g}`);
        const served = servedVersions(res);
        return served.includes('v1') ? 'v1' : served.includes('v1beta1') ? 'v1beta1' : res.preferredVersion?.version;
      } catch (err) {
        if (err instanceof ApiError && err.status === 404) return undefined;
        if (err instanceof ApiError && err.status === 403) return 'v1';
        throw err;
      }
    };
    const [security, networking, gateway] = await Promise.all([
      version('security.istio.io'),
      version('networking.istio.io'),
      version('gateway.networking.k8s.io'),
    ]);
    if (!security) {
      throw new InputError(
        'Istio is not installed in this cluster: the API server does not serve security.istio.io ' +
          '(AuthorizationPolicy, PeerAuthentication). Install Istio in ambient mode, or use -f for manifests.',
      );
    }
    this.istio = { security, networking };
    this.gatewayVersion = gateway;
    if (!gateway) this.notes.push('Gateway API CRDs are not installed, so no waypoint can exist in this cluster.');
  }

  private istioKinds() {
    const sec = this.istio!.security;
    return {
      ap: group('security.istio.io', sec, 'AuthorizationPolicy', 'authorizationpolicies'),
      pa: group('security.istio.io', sec, 'PeerAuthentication', 'peerauthentications'),
      se: this.istio!.networking
        ? group('networking.istio.io', this.istio!.networking, 'ServiceEntry', 'serviceentries')
        : undefined,
      sc: this.istio!.networking
        ? group('networking.istio.io', this.istio!.networking, 'Sidecar', 'sidecars')
        : undefined,
      gw: this.gatewayVersion
        ? group('gateway.networking.k8s.io', this.gatewayVersion, 'Gateway', 'gateways')
        : undefined,
      gwc: this.gatewayVersion
        ? group('gateway.networking.k8s.io', this.gatewayVersion, 'GatewayClass', 'gatewayclasses')
        : undefined,
    };
  }

  /** Cluster-scoped AdminNetworkPolicies and BaselineAdminNetworkPolicies, when the API serves them. */
  private async adminPolicies(): Promise<void> {
    try {
      const res = await this.api.get('/apis/policy.networking.k8s.io');
      const served = servedVersions(res);
      const v = served.includes('v1alpha1') ? 'v1alpha1' : served[0];
      if (!v) return;
      await Promise.all([
        this.list(group('policy.networking.k8s.io', v, 'AdminNetworkPolicy', 'adminnetworkpolicies')),
        this.list(group('policy.networking.k8s.io', v, 'BaselineAdminNetworkPolicy', 'baselineadminnetworkpolicies')),
      ]);
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
    }
  }

  /**
   * ztunnel pods (§2.1) and istio-cni's node agents (§13.1: whether a node captures pods), by label;
   * istio-cni and mesh ConfigMaps (§4.6, §7).
   */
  private async meshFacts(): Promise<string> {
    // A cluster-wide label query costs the API server a scan of every pod: started at once.
    const [, ztunnels] = await Promise.all([
      this.adminPolicies(),
      this.list(POD, undefined, { labelSelector: 'app=ztunnel' }),
      this.list(POD, undefined, { labelSelector: 'k8s-app=istio-cni-node' }),
    ]);
    const systemNamespaces = [
      ...new Set(['istio-system', ...ztunnels.map((z) => z.metadata?.namespace).filter(Boolean)]),
    ];
    await Promise.all(
      systemNamespaces
        .flatMap((ns) => [this.getOne(CONFIGMAP, ns, 'istio-cni-config'), this.getOne(CONFIGMAP, ns, 'istio')])
        .concat([this.getOne(CONFIGMAP, 'kube-system', 'cilium-config')]),
    );
    const meshCm = [...this.objects.values()].find((o) => o.kind === 'ConfigMap' && o.metadata?.name === 'istio');
    const text = meshCm?.data?.mesh;
    const namespace = meshCm?.metadata?.namespace ?? DEFAULT_ROOT_NAMESPACE;
    const mesh = typeof text === 'string' ? readMeshConfig(text, namespace, 'mesh config') : undefined;
    await this.providerServices(mesh?.extensionProviders ?? []);
    return mesh?.rootNamespace ?? namespace;
  }

  /**
   * The Services ext_authz providers name (a CUSTOM policy whose provider's service is missing acts as
   * DENY, one whose service has no ready endpoint fails closed): each one read, with its namespace and
   * endpoints, so that "missing" and "not ready" are facts and not unread objects.
   */
  private async providerServices(providers: MeshConfigFacts['extensionProviders']): Promise<void> {
    const named = providers.flatMap((p) => (p.service ? [providerServiceRef(p.service).service] : []));
    await Promise.all(
      named.map(async (service) => {
        if (!service || !/^[a-z0-9-]{1,63}$/.test(service.namespace) || !/^[a-z0-9-]{1,63}$/.test(service.name)) return;
        // The Service, its EndpointSlices and pods: whether the authorizer has a ready endpoint (§12.5).
        await Promise.all([
          this.getOne(NAMESPACE, undefined, service.namespace),
          this.servicePods(service.namespace, service.name),
        ]);
      }),
    );
  }

  /** Pods of a NS/KIND/NAME reference; on a miss, the namespace's pods for "did you mean". */
  private async podsOf(ns: string, kind: string, name: string): Promise<void> {
    if (kind === 'Pod') {
      if (!(await this.getOne(POD, ns, name))) await this.list(POD, ns);
      return;
    }
    const k = WORKLOADS[kind];
    const workload = k ? await this.getOne(k, ns, name) : undefined;
    if (!workload) {
      if (k) await this.list(k, ns);
      return;
    }
    const sel = selectorString(workload.spec?.selector);
    if (sel) await this.list(POD, ns, { labelSelector: sel });
  }

  /** A Service's pods and EndpointSlices; for an ExternalName alias, those of the Service it names. */
  private async servicePods(ns: string, name: string, depth = 0): Promise<string> {
    const svc = await this.getOne(SERVICE, ns, name);
    if (!svc) return ns;
    if (svc.spec?.type === 'ExternalName') {
      const alias = externalNameAlias(svc.spec.externalName);
      if (alias && depth < 4) {
        await this.getOne(NAMESPACE, undefined, alias.namespace);
        return this.servicePods(alias.namespace, alias.name, depth + 1);
      }
      const kinds = this.istioKinds();
      if (kinds.se) await this.list(kinds.se);
      return ns;
    }
    const sel = Object.entries(svc.spec?.selector ?? {})
      .map(([k, v]) => `${k}=${v}`)
      .join(',');
    const [pods] = await Promise.all([
      sel ? this.list(POD, ns, { labelSelector: sel }) : Promise.resolve([]),
      this.list(ENDPOINTSLICE, ns, { labelSelector: `kubernetes.io/service-name=${name}` }),
    ]);
    // Workloads whose pods do not exist yet are synthesized from their templates, as offline.
    if (sel && pods.length === 0) await Promise.all(Object.values(WORKLOADS).map((k) => this.list(k, ns)));
    return ns;
  }

  /** The destination's objects; returns its namespace when it has one. */
  private async destination(input: string, defaultNs: string, port: string | undefined): Promise<string | undefined> {
    const hp = splitHostPort(input, port);
    if (hp.host.includes('/')) {
      const { ns, kind, name } = splitRef(hp.host, defaultNs);
      if (kind === 'Service') return this.servicePods(ns, name);
      await this.podsOf(ns, kind, name);
      return ns;
    }
    const kinds = this.istioKinds();
    if (ipaddr.isValid(hp.host)) {
      const ip = ipaddr.process(hp.host).toString();
      const [pods, services] = await Promise.all([
        this.list(POD, undefined, { fieldSelector: `status.podIP=${ip}` }),
        this.list(SERVICE),
      ]);
      const svc = services.find((s) => (s.spec?.clusterIPs ?? [s.spec?.clusterIP]).includes(ip));
      if (svc) return this.servicePods(svc.metadata!.namespace, svc.metadata!.name);
      if (pods[0]) return pods[0].metadata?.namespace;
      if (kinds.se) await this.list(kinds.se);
      return undefined;
    }
    const m = hp.host.match(/^([a-z0-9-]+)\.([a-z0-9-]+)(?:\.svc(?:\.[a-z0-9.-]+)?)?$/i);
    if (m) {
      const ns = await this.getOne(NAMESPACE, undefined, m[2]);
      if (ns) {
        const target = await this.servicePods(m[2], m[1]);
        if (!this.objects.has(`Service/${m[2]}/${m[1]}`)) {
          await this.list(SERVICE, m[2]);
          if (kinds.se) await this.list(kinds.se);
        }
        return target;
      }
    }
    if (!hp.host.includes('.')) {
      const target = await this.servicePods(defaultNs, hp.host);
      if (!this.objects.has(`Service/${defaultNs}/${hp.host}`)) await this.podsOf(defaultNs, 'Pod', hp.host);
      return target;
    }
    // A ServiceEntry host: ServiceEntries are few, so list them all and keep the match's namespace.
    const entries = kinds.se ? await this.list(kinds.se) : [];
    const se = entries.find((e) =>
      (e.spec?.hosts ?? []).some((h: string) => h === hp.host || (h.startsWith('*.') && hp.host.endsWith(h.slice(1)))),
    );
    if (!se) await this.list(SERVICE);
    return se?.metadata?.namespace;
  }

  /** Namespace-scoped facts of the namespaces on the path (§1, §3, §4, §6, §8). */
  private async namespaceFacts(namespaces: string[], policyNamespaces: string[]): Promise<void> {
    const kinds = this.istioKinds();
    await Promise.all([
      ...namespaces.map((ns) => this.getOne(NAMESPACE, undefined, ns)),
      ...namespaces.map((ns) => this.list(NETPOL, ns)),
      ...policyNamespaces.flatMap((ns) => [this.list(kinds.ap, ns), this.list(kinds.pa, ns)]),
    ]);
  }

  async readExplain(plan: Extract<ReadPlan, { kind: 'explain' }>): Promise<ClusterRead> {
    await this.discover();
    // The mesh facts and the two ends of the question do not depend on each other: read together.
    const rootPromise = this.meshFacts();
    let srcNs: string | undefined;
    const work: Promise<unknown>[] = [];
    if (plan.source !== 'kubelet') {
      const { ns, kind, name } = splitRef(plan.source, plan.namespace);
      srcNs = ns;
      work.push(this.podsOf(ns, kind, name));
    }
    const dstNsPromise = this.destination(plan.destination, plan.namespace, plan.port);
    const [dstNs, root] = await Promise.all([dstNsPromise, rootPromise, ...work]);
    const namespaces = [...new Set([srcNs, dstNs, root].filter((x): x is string => !!x))];
    await this.namespaceFacts(namespaces, [...new Set([dstNs, root].filter((x): x is string => !!x))]);
    if (dstNs) {
      const kinds = this.istioKinds();
      await Promise.all([this.list(SERVICE, dstNs), kinds.gw ? this.list(kinds.gw, dstNs) : Promise.resolve([])]);
      // §6.3: a waypoint in another namespace is named by use-waypoint-namespace.
      const other = [...this.objects.values()]
        .map((o) => o.metadata?.labels?.[LABEL_USE_WAYPOINT_NAMESPACE])
        .filter((ns): ns is string => !!ns && ns !== dstNs);
      if (kinds.gw) await Promise.all([...new Set(other)].map((ns) => this.list(kinds.gw!, ns)));
      // §6: the waypoints' pods (readiness, IPs), their namespaces, and the GatewayClasses (waypoint-for).
      const gwNamespaces = [
        ...new Set(
          [...this.objects.values()].filter((o) => o.kind === 'Gateway').map((o) => o.metadata?.namespace as string),
        ),
      ];
      await Promise.all([
        ...gwNamespaces.map((ns) => this.list(POD, ns, { labelSelector: 'gateway.networking.k8s.io/gateway-name' })),
        ...gwNamespaces.filter((ns) => !namespaces.includes(ns)).map((ns) => this.getOne(NAMESPACE, undefined, ns)),
        ...(gwNamespaces.length > 0 && kinds.gwc ? [this.list(kinds.gwc)] : []),
        ...(gwNamespaces.length > 0 ? [this.list(WORKLOADS.Deployment, root)] : []),
      ]);
    }
    await this.suggestionsIfMissing(namespaces);
    return this.result();
  }

  async readProbes(plan: Extract<ReadPlan, { kind: 'probes' }>): Promise<ClusterRead> {
    await this.discover();
    const { ns, kind, name } = splitRef(plan.target, plan.namespace);
    const [root] = await Promise.all([this.meshFacts(), this.podsOf(ns, kind, name)]);
    await this.namespaceFacts([...new Set([ns, root])], []);
    await this.suggestionsIfMissing([ns]);
    return this.result();
  }

  /** Everything a matrix needs in whole namespaces (or the whole cluster with -A). */
  async readMatrix(plan: Extract<ReadPlan, { kind: 'matrix' }>): Promise<ClusterRead> {
    await this.discover();
    const root = await this.meshFacts();
    const kinds = this.istioKinds();
    const scopes: (string | undefined)[] = plan.namespaces === 'all' ? [undefined] : plan.namespaces;
    await Promise.all(
      scopes.flatMap((ns) => [
        this.list(POD, ns),
        this.list(SERVICE, ns),
        this.list(NETPOL, ns),
        this.list(kinds.ap, ns),
        this.list(kinds.pa, ns),
        ...(kinds.gw ? [this.list(kinds.gw, ns)] : []),
        ...Object.values(WORKLOADS).map((k) => this.list(k, ns)),
      ]),
    );
    await Promise.all([
      plan.namespaces === 'all'
        ? this.list(NAMESPACE)
        : Promise.all([...plan.namespaces, root].map((ns) => this.getOne(NAMESPACE, undefined, ns))),
      this.list(kinds.ap, root),
      this.list(kinds.pa, root),
      ...(kinds.gwc ? [this.list(kinds.gwc)] : []),
    ]);
    return this.result();
  }

  /** What check needs: the matrix's objects of every namespace, plus EndpointSlices and ServiceEntries. */
  async readCheck(_plan: Extract<ReadPlan, { kind: 'check' }>): Promise<ClusterRead> {
    // -n reports what affects the workloads of the named namespaces wherever the cause lives (issue 30): a
    // connection's other end and its policies can be in any namespace, so the read is the whole mesh's and
    // only the report is scoped (a role without cluster-wide list gets gaps, AD902, never a silent miss).
    await this.readMatrix({ kind: 'matrix', namespaces: 'all' });
    const kinds = this.istioKinds();
    await Promise.all([
      this.list(ENDPOINTSLICE),
      ...(kinds.se ? [this.list(kinds.se)] : []),
      // Sidecar resources in ambient namespaces have no effect (AD115).
      ...(kinds.sc ? [this.list(kinds.sc)] : []),
    ]);
    return this.result('all');
  }

  /** An unknown namespace gets the list of namespaces, so the error can name the nearest. */
  private async suggestionsIfMissing(namespaces: string[]): Promise<void> {
    const missing = namespaces.some((ns) => !this.objects.has(`Namespace//${ns}`));
    if (missing) await this.list(NAMESPACE);
  }

  private result(scope: ClusterRead['scope'] = 'all'): ClusterRead {
    const objects = [...this.objects.values()].map((object) => ({ object, origin: 'cluster' }));
    return { objects, gaps: this.gaps, notes: this.notes, scope, listed: [...this.listed].sort() };
  }
}

/** How gaps and completeness name a resource: `pods`, `authorizationpolicies.security.istio.io`. */
function resourceName(k: Kind): string {
  return `${k.plural}${k.base.startsWith('/apis/') ? `.${k.base.split('/')[2]}` : ''}`;
}

/** The versions an API group document lists, whatever shape the server gave it. */
function servedVersions(res: { versions?: unknown }): string[] {
  if (!Array.isArray(res.versions)) return [];
  return res.versions.map((v: { version?: unknown } | null) => String(v?.version ?? ''));
}
