// -o name: the objects a report is about, one per line in kubectl's form (`kind.group/name`, lower-case
// kind, no namespace, as k8s.io/cli-runtime/pkg/printers/name.go prints them), ready for
// `xargs kubectl get`. explain and probes: the culprit; check: the object of each finding.
import type { CheckReport, ExplainReport, ProbesReport } from '../diagnose/report.js';
import { decisiveOf } from './text.js';

// The API group of each kind the findings name (objects carry `Kind namespace/name`, not their group).
const GROUP_OF_KIND: Record<string, string> = {
  Pod: '',
  Service: '',
  Namespace: '',
  ConfigMap: '',
  Node: '',
  ServiceAccount: '',
  Endpoints: '',
  Deployment: 'apps',
  StatefulSet: 'apps',
  DaemonSet: 'apps',
  ReplicaSet: 'apps',
  Job: 'batch',
  CronJob: 'batch',
  EndpointSlice: 'discovery.k8s.io',
  NetworkPolicy: 'networking.k8s.io',
  AuthorizationPolicy: 'security.istio.io',
  PeerAuthentication: 'security.istio.io',
  RequestAuthentication: 'security.istio.io',
  ServiceEntry: 'networking.istio.io',
  Sidecar: 'networking.istio.io',
  DestinationRule: 'networking.istio.io',
  VirtualService: 'networking.istio.io',
  WorkloadEntry: 'networking.istio.io',
  WorkloadGroup: 'networking.istio.io',
  Telemetry: 'telemetry.istio.io',
  // The Gateways findings name are waypoints and ingress gateways of the Gateway API.
  Gateway: 'gateway.networking.k8s.io',
  GatewayClass: 'gateway.networking.k8s.io',
  HTTPRoute: 'gateway.networking.k8s.io',
  GRPCRoute: 'gateway.networking.k8s.io',
  TCPRoute: 'gateway.networking.k8s.io',
  TLSRoute: 'gateway.networking.k8s.io',
  AdminNetworkPolicy: 'policy.networking.k8s.io',
  BaselineAdminNetworkPolicy: 'policy.networking.k8s.io',
  CiliumNetworkPolicy: 'cilium.io',
  CiliumClusterwideNetworkPolicy: 'cilium.io',
  MutatingWebhookConfiguration: 'admissionregistration.k8s.io',
};

/** `kind.group/name` for a Kubernetes object of that apiVersion and kind. */
export function kubectlName(apiVersion: string, kind: string, name: string): string {
  const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
  return `${kind.toLowerCase()}${group ? `.${group}` : ''}/${name}`;
}

/** A finding's object (`Kind namespace/name` or `Kind name`) in kubectl's form; undefined for anything else. */
export function nameOfRef(ref: string): string | undefined {
  const m = /^([A-Z][A-Za-z]*) (?:[^\s/]+\/)?([^\s/]+)$/.exec(ref);
  if (!m) return undefined;
  const group = GROUP_OF_KIND[m[1]];
  return kubectlName(group ? `${group}/v1` : 'v1', m[1], m[2]);
}

const unique = (names: (string | undefined)[]) => [...new Set(names.filter((n): n is string => !!n))];

export function explainNames(report: ExplainReport | ProbesReport): string[] {
  const culprit = decisiveOf(report.verdict, report.findings)?.objects[0];
  return unique([culprit && nameOfRef(culprit)]);
}

export function checkNames(report: CheckReport): string[] {
  return unique(report.findings.map((f) => f.objects[0] && nameOfRef(f.objects[0])));
}
