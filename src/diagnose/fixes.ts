// Fixes as YAML a user can apply. Each builder returns ready-to-apply text.
import { stringify } from 'yaml';
import type { Labels, NetworkPolicyFact, PodFact } from '../snapshot/types.js';
import { LABEL_DATAPLANE_MODE, LABEL_NAMESPACE_NAME } from '../mesh/constants.js';

const toYaml = (obj: unknown) => stringify(obj, { lineWidth: 0 }).trimEnd();

/** The pods a fix should select: the Service's selector when traffic is addressed to one. */
export interface FixTarget {
  pod: PodFact;
  labels: Labels;
}

export function fixTarget(pod: PodFact, serviceSelector?: Labels): FixTarget {
  return { pod, labels: serviceSelector && Object.keys(serviceSelector).length > 0 ? serviceSelector : stableLabels(pod) };
}

/** The labels that identify a pod's workload, without per-pod noise. */
export function stableLabels(pod: PodFact): Labels {
  const out: Labels = {};
  for (const [k, v] of Object.entries(pod.meta.labels)) {
    if (k === 'pod-template-hash' || k === 'controller-revision-hash' || k.startsWith('statefulset.kubernetes.io/') || k === 'pod-template-generation') continue;
    out[k] = v;
  }
  return out;
}

export function enrolNamespaceFix(namespace: string): string {
  return `${toYaml({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace, labels: { [LABEL_DATAPLANE_MODE]: 'ambient' } } })}\n# or: kubectl label namespace ${namespace} ${LABEL_DATAPLANE_MODE}=ambient`;
}

export function permissivePortFix(target: FixTarget, port: number): string {
  const pod = target.pod;
  return toYaml({
    apiVersion: 'security.istio.io/v1',
    kind: 'PeerAuthentication',
    metadata: { name: `${workloadName(pod)}-plaintext-${port}`, namespace: pod.meta.namespace },
    spec: { selector: { matchLabels: target.labels }, mtls: { mode: 'STRICT' }, portLevelMtls: { [port]: { mode: 'PERMISSIVE' } } },
  });
}

export function workloadName(pod: PodFact): string {
  return (pod.owner?.name ?? pod.meta.name).replace(/-[a-f0-9]{8,10}$/, '');
}

export function allowPrincipalFix(target: FixTarget, principal: string, port: number, name?: string): string {
  const dst = target.pod;
  return toYaml({
    apiVersion: 'security.istio.io/v1',
    kind: 'AuthorizationPolicy',
    metadata: { name: name ?? `allow-to-${workloadName(dst)}`, namespace: dst.meta.namespace },
    spec: {
      selector: { matchLabels: target.labels },
      action: 'ALLOW',
      rules: [{ from: [{ source: { principals: [principal] } }], to: [{ operation: { ports: [String(port)] } }] }],
    },
  });
}

export function allowIpFix(target: FixTarget, ip: string, port: number): string {
  const dst = target.pod;
  return toYaml({
    apiVersion: 'security.istio.io/v1',
    kind: 'AuthorizationPolicy',
    metadata: { name: `allow-to-${workloadName(dst)}-from-ip`, namespace: dst.meta.namespace },
    spec: {
      selector: { matchLabels: target.labels },
      action: 'ALLOW',
      rules: [{ from: [{ source: { ipBlocks: [ip] } }], to: [{ operation: { ports: [String(port)] } }] }],
    },
  });
}

export function authorizationPolicyYaml(obj: Record<string, unknown>): string {
  return toYaml(obj);
}

function peerFor(peer: PodFact, policyNamespace: string): Record<string, unknown> {
  const podSelector = { matchLabels: stableLabels(peer) };
  if (peer.meta.namespace === policyNamespace) return { podSelector };
  return { namespaceSelector: { matchLabels: { [LABEL_NAMESPACE_NAME]: peer.meta.namespace } }, podSelector };
}

export function networkPolicyIngressFix(target: FixTarget, from: PodFact | { ipBlock: string[] }, port: number, name: string): string {
  const dst = target.pod;
  const peers = 'ipBlock' in from ? from.ipBlock.map((cidr) => ({ ipBlock: { cidr } })) : [peerFor(from, dst.meta.namespace)];
  return toYaml({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name, namespace: dst.meta.namespace },
    spec: {
      podSelector: { matchLabels: target.labels },
      policyTypes: ['Ingress'],
      ingress: [{ from: peers, ...(port > 0 ? { ports: [{ protocol: 'TCP', port }] } : {}) }],
    },
  });
}

export function networkPolicyEgressFix(src: PodFact, to: PodFact | undefined, port: number, name: string): string {
  return toYaml({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name, namespace: src.meta.namespace },
    spec: {
      podSelector: { matchLabels: stableLabels(src) },
      policyTypes: ['Egress'],
      egress: [{ ...(to ? { to: [peerFor(to, src.meta.namespace)] } : {}), ports: [{ protocol: 'TCP', port }] }],
    },
  });
}

export function policyRef(p: NetworkPolicyFact): string {
  return `NetworkPolicy ${p.meta.namespace}/${p.meta.name}`;
}
