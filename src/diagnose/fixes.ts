// Fixes as YAML a user can apply. Each builder returns ready-to-apply text.
import { stringify } from 'yaml';
import type { Labels, PodFact } from '../snapshot/types.js';
import { LABEL_DATAPLANE_MODE, LABEL_NAMESPACE_NAME } from '../mesh/constants.js';

const toYaml = (obj: unknown) => stringify(obj, { lineWidth: 0 }).trimEnd();

/** The pods a fix should select: the Service's selector when traffic is addressed to one. */
export interface FixTarget {
  pod: PodFact;
  labels: Labels;
}

export function fixTarget(pod: PodFact, serviceSelector?: Labels): FixTarget {
  return {
    pod,
    labels: serviceSelector && Object.keys(serviceSelector).length > 0 ? serviceSelector : stableLabels(pod),
  };
}

/** The labels that identify a pod's workload, without per-pod noise. */
export function stableLabels(pod: PodFact): Labels {
  const out: Labels = {};
  for (const [k, v] of Object.entries(pod.meta.labels)) {
    if (
      k === 'pod-template-hash' ||
      k === 'controller-revision-hash' ||
      k.startsWith('statefulset.kubernetes.io/') ||
      k === 'pod-template-generation'
    )
      continue;
    out[k] = v;
  }
  return out;
}

export function enrolNamespaceFix(namespace: string): string {
  const yaml = toYaml({
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: namespace, labels: { [LABEL_DATAPLANE_MODE]: 'ambient' } },
  });
  return `${yaml}\n# or: kubectl label namespace ${namespace} ${LABEL_DATAPLANE_MODE}=ambient`;
}

export function permissivePortFix(target: FixTarget, port: number): string {
  const pod = target.pod;
  return toYaml({
    apiVersion: 'security.istio.io/v1',
    kind: 'PeerAuthentication',
    metadata: { name: `${workloadName(pod)}-plaintext-${port}`, namespace: pod.meta.namespace },
    spec: {
      selector: { matchLabels: target.labels },
      mtls: { mode: 'STRICT' },
      portLevelMtls: { [port]: { mode: 'PERMISSIVE' } },
    },
  });
}

export function workloadName(pod: PodFact): string {
  // A waypoint's pods are named after its Gateway (§6.2).
  const gateway = pod.meta.labels['gateway.networking.k8s.io/gateway-name'];
  if (gateway) return gateway;
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

export function networkPolicyIngressFix(
  target: FixTarget,
  from: PodFact | { ipBlock: string[] },
  port: number,
  name: string,
): string {
  const dst = target.pod;
  const peers =
    'ipBlock' in from ? from.ipBlock.map((cidr) => ({ ipBlock: { cidr } })) : [peerFor(from, dst.meta.namespace)];
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

export function ztunnelFix(node: string | undefined): string {
  return [
    `# No YAML fixes this: get a Ready ztunnel onto node ${node ?? '<node>'}.`,
    'kubectl get pods -n istio-system -l app=ztunnel -o wide',
    'kubectl describe daemonset -n istio-system -l app=ztunnel   # tolerations, GKE ResourceQuota for ' +
      'system-node-critical',
    '# Pods annotated ambient.istio.io/redirection=pending start flowing once a ztunnel proxies them.',
  ].join('\n');
}

function adminPeer(pod: PodFact): Record<string, unknown> {
  return {
    pods: {
      namespaceSelector: { matchLabels: { [LABEL_NAMESPACE_NAME]: pod.meta.namespace } },
      podSelector: { matchLabels: stableLabels(pod) },
    },
  };
}

/**
 * §8 (netpol-edge-cases §2.3): a Deny in an AdminNetworkPolicy is decided before any
 * NetworkPolicy, so only an AdminNetworkPolicy of higher precedence (a lower priority number) can
 * let this one connection through.
 */
export function adminNetworkPolicyAllowFix(
  denying: { name: string; priority: number },
  direction: 'ingress' | 'egress',
  subject: FixTarget,
  peer: PodFact | { ip: string },
  port: number,
): string {
  const head =
    `# AdminNetworkPolicy ${denying.name} (priority ${denying.priority}) denies this; no NetworkPolicy can ` +
    `override it.`;
  if (denying.priority <= 0) {
    return (
      `${head}\n# Priority 0 is the highest: a cluster admin must add an Allow rule above the Deny rule in ` +
      `${denying.name}.`
    );
  }
  const pod = subject.pod;
  const peers = 'ip' in peer ? [{ networks: [`${peer.ip}/32`] }] : [adminPeer(peer)];
  const rule = {
    name: `allow-${port}`,
    action: 'Allow',
    [direction === 'ingress' ? 'from' : 'to']: peers,
    ports: [{ portNumber: { protocol: 'TCP', port } }],
  };
  const peerName = 'ip' in peer ? peer.ip.replace(/[.:]/g, '-') : `${peer.meta.namespace}-${workloadName(peer)}`;
  const yaml = toYaml({
    apiVersion: 'policy.networking.k8s.io/v1alpha1',
    kind: 'AdminNetworkPolicy',
    metadata: {
      name:
        direction === 'ingress'
          ? `allow-${peerName}-to-${pod.meta.namespace}-${port}`
          : `allow-${pod.meta.namespace}-${workloadName(pod)}-to-${peerName}-${port}`,
    },
    spec: {
      priority: denying.priority - 1,
      subject: {
        pods: {
          namespaceSelector: { matchLabels: { [LABEL_NAMESPACE_NAME]: pod.meta.namespace } },
          podSelector: { matchLabels: subject.labels },
        },
      },
      [direction]: [rule],
    },
  });
  return (
    `${head}\n# A cluster admin can allow exactly this connection with an AdminNetworkPolicy of higher ` +
    `precedence:\n${yaml}`
  );
}
