// The typed, normalized facts every later stage reads. Files and the live cluster both
// produce a Snapshot; nothing downstream knows where the facts came from.
import type { RuntimeEvidence } from './evidence.js';

export type Labels = Record<string, string>;

export interface LabelSelectorRequirement {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | string;
  values?: string[];
}

export interface LabelSelector {
  matchLabels?: Labels;
  matchExpressions?: LabelSelectorRequirement[];
}

import type { ObjectRef } from './ref.js';

export interface ObjectMeta {
  name: string;
  namespace: string;
  labels: Labels;
  annotations: Labels;
  /** ISO timestamp; used where Istio picks "the oldest" (§3.1). */
  creationTimestamp?: string;
  /** The API server's uid, which ztunnel's own log lines name a pod by (`proxy{uid=…}`). */
  uid?: string;
  /** Where the object came from (file name or "cluster"), for messages. */
  origin?: string;
}

export type ProbeKind = 'liveness' | 'readiness' | 'startup';
export type ProbeHandler = 'httpGet' | 'tcpSocket' | 'grpc' | 'exec' | 'unknown';

export interface ProbeFact {
  kind: ProbeKind;
  handler: ProbeHandler;
  port?: number | string;
  /** httpGet.host: when set, the kubelet does not dial the pod IP (§7). */
  host?: string;
  path?: string;
}

export interface ContainerPortFact {
  name?: string;
  containerPort: number;
  protocol: string;
}

export interface ContainerFact {
  name: string;
  image?: string;
  /** The istio-proxy container's arguments tell a gateway (`proxy router`) from a sidecar (§12.2). */
  args?: string[];
  ports: ContainerPortFact[];
  probes: ProbeFact[];
}

export interface PodFact {
  meta: ObjectMeta;
  nodeName?: string;
  podIPs: string[];
  hostIP?: string;
  hostNetwork: boolean;
  serviceAccount: string;
  phase?: string;
  ready: boolean;
  containers: ContainerFact[];
  owner?: { kind: string; name: string };
  /** False when the pod was synthesized from a workload template or carries no status:
   * runtime facts (capture annotation, IP, node) are then unknown, not absent. */
  observed: boolean;
}

export interface NamespaceFact {
  meta: ObjectMeta;
  /** True when the namespace only appears in other objects' metadata. */
  implied: boolean;
}

export interface ServicePortFact {
  name?: string;
  appProtocol?: string;
  port: number;
  targetPort: number | string;
  protocol: string;
}

export interface ServiceFact {
  meta: ObjectMeta;
  selector?: Labels;
  clusterIPs: string[];
  headless: boolean;
  type: string;
  ports: ServicePortFact[];
  /** type ExternalName: the DNS name the Service's name is an alias of. */
  externalName?: string;
  /** 'Local': only endpoints on the node of the proxy that picks one (ztunnel, Envoy, kube-proxy). */
  internalTrafficPolicy?: string;
  /** Not-ready endpoints are used too (ztunnel's HealthPolicy ALLOW_ALL; EndpointSlices mark them ready). */
  publishNotReadyAddresses: boolean;
  /** istiod writes istio.io/WaypointBound here (§6.4). */
  conditions: Condition[];
}

export interface EndpointSliceFact {
  meta: ObjectMeta;
  serviceName: string;
  endpoints: { addresses: string[]; ready: boolean; podName?: string; nodeName?: string }[];
}

export interface WorkloadFact {
  kind: 'Deployment' | 'StatefulSet' | 'DaemonSet' | 'ReplicaSet' | 'Job';
  meta: ObjectMeta;
  selector?: LabelSelector;
  templateLabels: Labels;
  templateAnnotations: Labels;
  replicas: number;
}

export interface NetworkPolicyPeer {
  podSelector?: LabelSelector;
  namespaceSelector?: LabelSelector;
  ipBlock?: { cidr: string; except?: string[] };
}

export interface NetworkPolicyPort {
  protocol?: string;
  port?: number | string;
  endPort?: number;
}

export interface NetworkPolicyRule {
  peers?: NetworkPolicyPeer[];
  ports?: NetworkPolicyPort[];
}

export interface NetworkPolicyFact {
  meta: ObjectMeta;
  podSelector: LabelSelector;
  policyTypes: ('Ingress' | 'Egress')[];
  ingress: NetworkPolicyRule[];
  egress: NetworkPolicyRule[];
}

/** AdminNetworkPolicy / BaselineAdminNetworkPolicy (policy.networking.k8s.io/v1alpha1). */
export interface AdminPeer {
  namespaces?: LabelSelector;
  pods?: { namespaceSelector?: LabelSelector; podSelector?: LabelSelector };
  networks?: string[];
}

export interface AdminPort {
  protocol: string;
  start?: number;
  end?: number;
  namedPort?: string;
}

export interface AdminRule {
  name: string;
  action: 'Allow' | 'Deny' | 'Pass' | string;
  peers: AdminPeer[];
  /** undefined = all ports. */
  ports?: AdminPort[];
}

export interface AdminNetworkPolicyFact {
  kind: 'AdminNetworkPolicy' | 'BaselineAdminNetworkPolicy';
  name: string;
  /** ANP only; lower numbers win. */
  priority: number;
  subject: { namespaces?: LabelSelector; pods?: { namespaceSelector?: LabelSelector; podSelector?: LabelSelector } };
  ingress: AdminRule[];
  egress: AdminRule[];
}

export interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

export interface TargetRef {
  group?: string;
  kind: string;
  name: string;
  namespace?: string;
}

/** AuthorizationPolicy spec, kept close to the API so conversion can follow istiod (§4). */
export interface AuthorizationPolicyFact {
  meta: ObjectMeta;
  selector?: LabelSelector;
  targetRefs: TargetRef[];
  action: 'ALLOW' | 'DENY' | 'AUDIT' | 'CUSTOM' | string;
  /** undefined = the field is absent (spec: {}), [] = explicit empty list. */
  rules?: AuthorizationRule[];
  provider?: string;
  conditions: Condition[];
}

export interface AuthorizationSource {
  principals?: string[];
  notPrincipals?: string[];
  requestPrincipals?: string[];
  notRequestPrincipals?: string[];
  namespaces?: string[];
  notNamespaces?: string[];
  serviceAccounts?: string[];
  notServiceAccounts?: string[];
  ipBlocks?: string[];
  notIpBlocks?: string[];
  remoteIpBlocks?: string[];
  notRemoteIpBlocks?: string[];
}

export interface AuthorizationOperation {
  hosts?: string[];
  notHosts?: string[];
  ports?: string[];
  notPorts?: string[];
  methods?: string[];
  notMethods?: string[];
  paths?: string[];
  notPaths?: string[];
}

export interface AuthorizationCondition {
  key: string;
  values?: string[];
  notValues?: string[];
}

export interface AuthorizationRule {
  from?: { source?: AuthorizationSource }[];
  to?: { operation?: AuthorizationOperation }[];
  when?: AuthorizationCondition[];
}

export type MtlsMode = 'STRICT' | 'PERMISSIVE' | 'DISABLE' | 'UNSET';

export interface PeerAuthenticationFact {
  meta: ObjectMeta;
  selector?: LabelSelector;
  mode: MtlsMode;
  portLevelMtls: Record<string, MtlsMode>;
}

export interface ServiceEntryFact {
  meta: ObjectMeta;
  hosts: string[];
  addresses: string[];
  statusAddresses: string[];
  ports: { number: number; name?: string; protocol?: string; targetPort?: number }[];
  location?: string;
  resolution?: string;
  conditions: Condition[];
}

/** networking.istio.io Sidecar: only its scope is read (sidecar proxies apply it; ambient pods have none). */
export interface SidecarResourceFact {
  meta: ObjectMeta;
  /** workloadSelector.labels; absent: every pod of the namespace. */
  selector?: Labels;
}

export interface GatewayFact {
  meta: ObjectMeta;
  gatewayClassName: string;
  listeners: {
    name?: string;
    port: number;
    protocol: string;
    allowedRoutesFrom?: string;
    allowedRoutesSelector?: LabelSelector;
  }[];
  statusAddresses: string[];
  conditions: Condition[];
}

export interface ConfigMapFact {
  meta: ObjectMeta;
  data: Record<string, string>;
}

/** Mesh-wide settings gathered from ConfigMaps, with Istio's defaults where absent. */
export interface MeshSettings {
  rootNamespace: string; // §4.6
  trustDomain: string; // §4.6
  excludedNamespaces: string[]; // §1.1
  probeSnatIPv4: string; // §7
  probeSnatIPv6: string; // §7
  istioVersion?: string;
  /** Where istioVersion was read (the istio-cni ConfigMap, an image), for the report. */
  istioVersionFrom?: string;
  /** istiod's PILOT_AUTO_ALLOW_WAYPOINT_POLICY (§4.7), read from the istiod Deployment. */
  autoAllowWaypointPolicy: boolean;
  /** meshConfig.outboundTrafficPolicy.mode; ztunnel does not enforce REGISTRY_ONLY (§9). */
  outboundTrafficPolicy?: string;
  /** istio-cni AMBIENT_DNS_CAPTURE; the default is on from 1.25 (§9). */
  dnsCapture?: boolean;
  /** meshConfig.extensionProviders by name and kind; undefined when the mesh config was not read. */
  extensionProviders?: {
    name: string;
    kind: 'ext_authz_http' | 'ext_authz_grpc' | 'other';
    service?: string;
    /** `failOpen`: Envoy lets a request through when the authorizer cannot be reached (default false). */
    failOpen?: boolean;
  }[];
  /** The objects the settings came from (ConfigMaps, the istiod Deployment). */
  sources: ObjectRef[];
}

export interface DuplicateObject {
  kind: string;
  namespace?: string;
  name: string;
  /** The origin of the copy that is used: the later one, as kubectl apply would leave it. */
  used: string;
  /** The origins of the copies that differ from the used one. */
  ignored: string[];
}

export interface Snapshot {
  namespaces: Map<string, NamespaceFact>;
  pods: PodFact[];
  services: ServiceFact[];
  endpointSlices: EndpointSliceFact[];
  workloads: WorkloadFact[];
  networkPolicies: NetworkPolicyFact[];
  /** Cluster-scoped admin tiers, evaluated before (ANP) and after (BANP) NetworkPolicy. */
  adminNetworkPolicies: AdminNetworkPolicyFact[];
  authorizationPolicies: AuthorizationPolicyFact[];
  peerAuthentications: PeerAuthenticationFact[];
  serviceEntries: ServiceEntryFact[];
  sidecarResources: SidecarResourceFact[];
  gateways: GatewayFact[];
  /** With the classes istiod creates itself when the input lacks them (builtIn). */
  gatewayClasses: { name: string; labels: Labels; controllerName: string; builtIn?: boolean }[];
  configMaps: ConfigMapFact[];
  mesh: MeshSettings;
  /** True when any ztunnel pod was in the input (§2.1); otherwise a healthy dataplane is assumed. */
  ztunnelsKnown: boolean;
  ztunnels: PodFact[];
  origin: 'files' | 'cluster';
  /**
   * §11 (evidence): whether a missing object is a fact, decided by the reader. In a live read it is, for
   * every resource listed without refusal in the namespaces read (`scope`); files may leave anything out.
   */
  isAbsenceFact(resource: string, namespace?: string): boolean;
  /** The namespaces the input covers: every one (files, a live `-A`), or those a live read was scoped to. */
  scope: 'all' | string[];
  /** What the live reader was not allowed to read (RBAC); empty for files. */
  gaps: { verb: string; resource: string; namespace?: string; message: string }[];
  /** Facts about the cluster itself, e.g. Gateway API CRDs missing. */
  notes: string[];
  /** Objects given more than once with different content (file input): which copy is used. */
  duplicates: DuplicateObject[];
  /** Logs and config dumps a `dump --with-logs` carried (kind RuntimeEvidence); empty otherwise. */
  evidence: RuntimeEvidence;
  /** The complete object a manifest leaves once applied, as a fix prints it (input/apply.ts objectAfter). */
  objectAfter(manifest: Record<string, unknown>): Record<string, unknown>;
  /** The file an object was read from (files input), to locate findings on objects built without one. */
  originOf(ref: { kind: string; namespace?: string; name: string }): string | undefined;
  /** The same input with objects applied (kubectl apply semantics) or deleted: how fixes are proven. */
  withChange(change: {
    apply: Record<string, unknown>[];
    delete: { kind: string; namespace?: string; name: string }[];
  }): Snapshot;
}
