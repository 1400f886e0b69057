// The JSON/YAML contract: what explain, probes and matrix return. render/ and cli/ import only
// this module (and the Finding type) from the diagnosis.
import type { Finding } from '../findings/finding.js';

export type { Finding, FixAlternative, FixProof } from '../findings/finding.js';

/**
 * The version of the JSON and YAML contract (README "JSON contract"): every report carries it as `apiVersion`,
 * with its `kind`, as Kubernetes objects do. test/report-contract.test.ts fails when the types below change
 * while this stays the same.
 */
export const REPORT_API_VERSION = 'ambient-doctor.io/v1';
export type ReportKind = 'ExplainReport' | 'ProbesReport' | 'CheckReport' | 'MatrixReport' | 'Version';

/** A report as -o json and -o yaml print it: apiVersion and kind first, as a Kubernetes object. */
export function asDocument<R extends object>(
  kind: ReportKind,
  report: R,
): { apiVersion: string; kind: ReportKind } & R {
  return { apiVersion: REPORT_API_VERSION, kind, ...report };
}

export type Symptom = 'ok' | 'reset' | 'refused' | 'timeout' | 'http-403' | 'http-503' | 'probe-failure' | 'unknown';
export type EnforcedBy = 'networkpolicy' | 'ztunnel' | 'waypoint' | 'sidecar' | 'dataplane' | 'none';
export type HopResult = 'pass' | 'fail' | 'skip';
export type Outcome = 'allowed' | 'denied' | 'partial' | 'unknown';

export interface Hop {
  from: string;
  to: string;
  port: number;
  protocol: 'HBONE' | 'TCP' | 'HTTP';
  result: HopResult;
  /** What decides at this hop. */
  layer: 'capture' | 'network' | 'waypoint' | 'ztunnel-inbound' | 'sidecar' | 'app';
  /** The peer identity the receiving side sees; absent for plaintext. */
  identity?: string;
  evidence: string[];
}

/** One source pod (or the kubelet) to one destination pod, hop by hop. */
export interface PairResult {
  source: string;
  destination: string;
  ok: boolean;
  symptom: Symptom;
  enforcedBy: EnforcedBy;
  hops: Hop[];
  findings: Finding[];
  /** The finding that stops the connection, when it fails. */
  decisive?: Finding;
  /** Why the pair cannot be decided, when it cannot. */
  unknown?: string;
}

export interface Verdict {
  outcome: Outcome;
  symptom: Symptom;
  enforcedBy: EnforcedBy;
  summary: string;
}

export const SYMPTOM_WORDS: Record<Symptom, string> = {
  ok: 'the connection works',
  reset: 'connection reset by peer (curl exit 56)',
  refused: 'connection refused (curl exit 7)',
  timeout: 'connect times out (curl exit 28 with -m)',
  'http-403': `HTTP 403 "${ENVOY_REPLIES.rbacDenied}"`,
  'http-503': 'HTTP 503 "upstream connect error"',
  'probe-failure': 'probes time out; the pod restarts or never gets Ready',
  unknown: 'cannot be predicted from what could be read',
};

export interface PodSummary {
  name: string;
  namespace: string;
  ip?: string;
  node?: string;
  mode: string;
  captured: boolean;
  identity?: string;
  /** For sidecars and gateways: what showed the kind of proxy (§12.2). */
  proxy?: string;
}

export interface ExplainReport {
  source: { input: string; kind: string; namespace?: string; object?: string; pods: PodSummary[] };
  destination: {
    input: string;
    kind: string;
    namespace?: string;
    object?: string;
    port: number;
    targetPort?: number;
    addressedBy: string;
    path?: string;
    pods: PodSummary[];
  };
  verdict: Verdict;
  path: Hop[];
  findings: Finding[];
  /** The Istio release the version-dependent rules assumed, and where it was read. */
  istio: { version?: string; from: string; ztunnel?: string[] };
}

export interface ProbeResult {
  pod: string;
  container: string;
  probe: string;
  handler: string;
  port?: number;
  result: 'pass' | 'fail' | 'not-affected';
  reason: string;
}

export interface ProbesReport {
  target: { input: string; object?: string; pods: PodSummary[] };
  verdict: Verdict;
  probes: ProbeResult[];
  path: Hop[];
  findings: Finding[];
}

export interface MatrixCell {
  source: string;
  destination: string;
  port: number;
  outcome: 'allowed' | 'denied' | 'unknown';
  symptom: Symptom;
  enforcedBy: EnforcedBy;
  /** The finding code that decides a denied cell. */
  code?: string;
  /** With --service-ports: the Service and port the cell addresses (`ns/name:port`). */
  service?: string;
}

export interface MatrixReport {
  namespaces: string[];
  /** Rows: every workload, then the clients that are never a destination (sourcesOnly). */
  workloads: string[];
  /** Gateway and host-network pods: sources only, so they have a row and no column. */
  sourcesOnly?: string[];
  ports: string;
  /** Set when something could not be read: why cells that depend on it are unknown. */
  unreadable?: string;
  cells: MatrixCell[];
}

// The areas check groups its findings by (each code's entry names its own), in their text order.
export { CHECK_GROUPS, type CheckGroup } from '../findings/catalogue.js';
import type { CheckGroup } from '../findings/catalogue.js';
import { ENVOY_REPLIES } from '../mesh/envoy-log-signatures.js';

export interface CheckReportFinding {
  code: Finding['code'];
  severity: Finding['severity'];
  group: CheckGroup;
  title: string;
  detail: string;
  objects: string[];
  origins?: Record<string, string>;
  docs: string;
  /** For findings about connections: the explain command that shows one, with its proven fixes. */
  explain?: string;
}

export interface CheckReport {
  scope: { namespaces: string[] | 'all' };
  istio: ExplainReport['istio'];
  summary: { errors: number; warnings: number; info: number; suppressed: number };
  findings: CheckReportFinding[];
  /** How many findings were suppressed, by the annotation or by --ignore, per code. */
  suppressed: { code: Finding['code']; object: string; by: string }[];
}
