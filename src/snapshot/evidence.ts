// Runtime evidence as the diagnosis reads it (issue 16): what the dataplane itself recorded, beside the
// configuration. The readers in src/input fill these records from files (`--logs`, `--config-dump`, a dump
// made with `--with-logs`) or from the live cluster; the diagnosis never sees where they came from.

/** One ztunnel log line (docs/ztunnel-logs.md, ztunnel's src/telemetry.rs). */
export interface ZtunnelLogRecord {
  time?: string;
  level: string;
  target: string;
  message: string;
  fields: Record<string, string>;
  /** Where the line came from, for the evidence: `file:line`. */
  at: string;
  /** The record as read (runs of whitespace made one space), to quote it. */
  text?: string;
}

/** One Envoy access log line of a waypoint, gateway or sidecar, in Istio's default layouts. */
export interface EnvoyAccessRecord {
  time?: string;
  method?: string;
  path?: string;
  responseCode: number;
  responseFlags: string;
  responseCodeDetails: string;
  terminationDetails: string;
  transportFailure: string;
  upstreamHost: string;
  upstreamCluster: string;
  downstreamLocal: string;
  downstreamRemote: string;
  /** Where the line came from: `file:line`. */
  at: string;
  /** The record as logged, to quote it. */
  text?: string;
}

/** ztunnel's own view, from its admin `/config_dump` (only what the evidence uses). */
export interface ZtunnelWorkload {
  workloadIps: string[];
  name: string;
  namespace: string;
  node?: string;
  /** `HBONE` (captured) or `TCP` (not captured); ztunnel omits nothing here, TCP is its default. */
  protocol: string;
  /** `<namespace>/<hostname>` or `<network>/<ip>`. */
  waypoint?: { destination: string };
  /** Selector policies istiod attached to the workload, `<namespace>/<name>`. */
  authorizationPolicies: string[];
}

export interface ZtunnelPolicy {
  name: string;
  namespace: string;
  /** `Global`, `Namespace` or `WorkloadSelector`. */
  scope: string;
  action: string;
}

export interface ZtunnelView {
  workloads: ZtunnelWorkload[];
  services: { hostname: string; vips: string[]; waypoint?: { destination: string } }[];
  policies: ZtunnelPolicy[];
  certificates: { identity: string; state: string; certChain: { validFrom?: string; expirationTime?: string }[] }[];
  /** ztunnel's Istio version (`version.istioVersion`), when it reports one. */
  version?: string;
  /** The node this ztunnel serves: `config.localNode`, or the pod it was read from. */
  node?: string;
  /** The file or pod it came from. */
  origin: string;
}

export interface EvidenceSource {
  /** `file` or `namespace/pod` for a live read. */
  origin: string;
  /** The pod the lines or the dump came from, when known (live, or a dump with `--with-logs`). */
  pod?: string;
  node?: string;
  /** The image of the proxy that wrote them: the version the interpretation assumes. */
  image?: string;
  lines: number;
}

export interface RuntimeEvidence {
  ztunnelLogs: ZtunnelLogRecord[];
  proxyLogs: EnvoyAccessRecord[];
  configDumps: ZtunnelView[];
  /** What was read, for the report. */
  sources: EvidenceSource[];
  /** What could not be read, and why (a missing permission, a pod without logs): never a failure. */
  gaps: string[];
  /** When the evidence was read from the cluster (live reads); files are judged at their own time. */
  readAt?: string;
}
