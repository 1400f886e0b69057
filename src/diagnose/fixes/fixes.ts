// Remedies as objects a user can apply: each builder returns a complete manifest (or, where no
// object can express it, commands). The proof stage applies the same objects to the snapshot.
import type { Labels, PodFact } from '../../snapshot/types.js';
import { LABEL_DATAPLANE_MODE, LABEL_GATEWAY_NAME, LABEL_NAMESPACE_NAME } from '../../mesh/constants.js';
import type { Manifest, Remedy } from '../../findings/finding.js';
import type { ObjectRef } from '../../snapshot/ref.js';
import { command, labelCommand, note } from '../../findings/command.js';

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

/**
 * A name for objects that select `target.labels`: from the label values (app first), so a policy
 * that selects v1 and v2 is not named after v1; the workload's name when the labels say nothing.
 */
export function targetName(target: FixTarget): string {
  const keys = Object.keys(target.labels);
  const first = ['app.kubernetes.io/name', 'app', 'k8s-app'].filter((k) => keys.includes(k));
  const rest = keys.filter((k) => !first.includes(k)).sort();
  const name = [...first, ...rest]
    .map((k) => target.labels[k])
    .join('-')
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
    .replace(/-+$/, '');
  return name || workloadName(target.pod);
}

/** "pods app=helloworld,version=v1": how a fix's title names the pods it selects. */
export function selectorText(labels: Labels): string {
  return `pods ${Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(',')}`;
}

/** The labels that identify a pod's workload, without per-pod noise. */
export function stableLabels(pod: PodFact): Labels {
  // §6.2: a waypoint's pods are identified by their Gateway's name.
  const gateway = pod.meta.labels[LABEL_GATEWAY_NAME];
  if (gateway) return { [LABEL_GATEWAY_NAME]: gateway };
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

/** §1.1: enrols every pod of the namespace; restart them so istio-cni captures them. */
export function enrolNamespaceRemedy(namespace: string): Remedy {
  const label = {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: namespace, labels: { [LABEL_DATAPLANE_MODE]: 'ambient' } },
  };
  return {
    title: `Enrol namespace ${namespace} in ambient`,
    commands: [labelCommand({ kind: 'Namespace', name: namespace }, label.metadata.labels)],
    effects: [label],
    scope: `Enrolling is per namespace (or per pod label): every pod in ${namespace} joins the mesh.`,
  };
}

/**
 * §3.1: PERMISSIVE on one target port. A workload-level PeerAuthentication that already applies is
 * changed in place (a second one at that level would lose to the older one, AD304).
 */
export function permissivePortFix(
  target: FixTarget,
  port: number,
  existing?: { meta: { name: string; namespace: string } },
): Manifest {
  const pod = target.pod;
  const portLevelMtls = { [port]: { mode: 'PERMISSIVE' } };
  if (existing) {
    return {
      apiVersion: 'security.istio.io/v1',
      kind: 'PeerAuthentication',
      metadata: { name: existing.meta.name, namespace: existing.meta.namespace },
      spec: { portLevelMtls },
    };
  }
  return {
    apiVersion: 'security.istio.io/v1',
    kind: 'PeerAuthentication',
    metadata: { name: `${targetName(target)}-plaintext-${port}`, namespace: pod.meta.namespace },
    spec: { selector: { matchLabels: target.labels }, mtls: { mode: 'STRICT' }, portLevelMtls },
  };
}

export function workloadName(pod: PodFact): string {
  // A waypoint's pods are named after its Gateway (§6.2).
  const gateway = pod.meta.labels[LABEL_GATEWAY_NAME];
  if (gateway) return gateway;
  return (pod.owner?.name ?? pod.meta.name).replace(/-[a-f0-9]{8,10}$/, '');
}

export function allowPrincipalFix(
  target: FixTarget,
  principal: string,
  port: number,
  name?: string,
  request?: { method: string; path: string },
): Manifest {
  const dst = target.pod;
  // At a proxy that decides per request, the rule admits the asked request only (§4.1).
  const operation = request
    ? { ports: [String(port)], methods: [request.method], paths: [request.path] }
    : { ports: [String(port)] };
  return {
    apiVersion: 'security.istio.io/v1',
    kind: 'AuthorizationPolicy',
    metadata: { name: name ?? `allow-to-${targetName(target)}`, namespace: dst.meta.namespace },
    spec: {
      selector: { matchLabels: target.labels },
      action: 'ALLOW',
      rules: [{ from: [{ source: { principals: [principal] } }], to: [{ operation }] }],
    },
  };
}

export function allowIpFix(target: FixTarget, ip: string, port: number): Manifest {
  const dst = target.pod;
  return {
    apiVersion: 'security.istio.io/v1',
    kind: 'AuthorizationPolicy',
    metadata: { name: `allow-to-${targetName(target)}-from-ip`, namespace: dst.meta.namespace },
    spec: {
      selector: { matchLabels: target.labels },
      action: 'ALLOW',
      rules: [{ from: [{ source: { ipBlocks: [ip] } }], to: [{ operation: { ports: [String(port)] } }] }],
    },
  };
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
): Manifest {
  const dst = target.pod;
  const peers =
    'ipBlock' in from ? from.ipBlock.map((cidr) => ({ ipBlock: { cidr } })) : [peerFor(from, dst.meta.namespace)];
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name, namespace: dst.meta.namespace },
    spec: {
      podSelector: { matchLabels: target.labels },
      policyTypes: ['Ingress'],
      ingress: [{ from: peers, ...(port > 0 ? { ports: [{ protocol: 'TCP', port }] } : {}) }],
    },
  };
}

export function networkPolicyEgressFix(
  src: PodFact,
  to: PodFact | undefined,
  port: number,
  name: string,
  toIp?: string,
): Manifest {
  // An address outside the input's pods: only that address, not every destination on the port.
  const ipPeer = !to && toIp ? { ipBlock: { cidr: `${toIp}/${toIp.includes(':') ? 128 : 32}` } } : undefined;
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name, namespace: src.meta.namespace },
    spec: {
      podSelector: { matchLabels: stableLabels(src) },
      policyTypes: ['Egress'],
      egress: [
        {
          ...(to ? { to: [peerFor(to, src.meta.namespace)] } : ipPeer ? { to: [ipPeer] } : {}),
          ports: [{ protocol: 'TCP', port }],
        },
      ],
    },
  };
}

/** §2.3: an operational remedy; nothing to apply, so the proof says it was not checked. */
export function ztunnelRemedy(node: string | undefined, existing?: ObjectRef): Remedy {
  // For the proof: what the node looks like once a ztunnel runs there and is Ready.
  const ready = { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] };
  const effect: Manifest = existing
    ? { apiVersion: 'v1', kind: 'Pod', metadata: { name: existing.name, namespace: existing.namespace }, status: ready }
    : {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: `ztunnel-on-${node ?? 'node'}`, namespace: 'istio-system', labels: { app: 'ztunnel' } },
        spec: { nodeName: node, containers: [{ name: 'istio-proxy' }] },
        status: ready,
      };
  return {
    effects: node ? [effect] : [],
    scope: `Restores every connection that the missing ztunnel broke on node ${node ?? '<node>'}.`,
    title: `Get a Ready ztunnel onto node ${node ?? '<node>'}`,
    commands: [
      command(['kubectl', 'get', 'pods', '-n', 'istio-system', '-l', 'app=ztunnel', '-o', 'wide']),
      note('why no ztunnel runs there: tolerations, quota for system-node-critical'),
      command(['kubectl', 'describe', 'daemonset', '-n', 'istio-system', '-l', 'app=ztunnel']),
      note('pods annotated ambient.istio.io/redirection=pending flow once a ztunnel proxies them'),
    ],
  };
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
 * §8 (§8.2): a Deny in an AdminNetworkPolicy is decided before any
 * NetworkPolicy, so only an AdminNetworkPolicy of higher precedence (a lower priority number) can
 * let this one connection through.
 */
export function adminNetworkPolicyAllowRemedy(
  denying: { name: string; priority: number },
  direction: 'ingress' | 'egress',
  subject: FixTarget,
  peer: PodFact | { ip: string },
  port: number,
): Remedy {
  if (denying.priority <= 0) {
    return {
      title: `Add an Allow rule above the Deny rule in AdminNetworkPolicy ${denying.name} (cluster admin)`,
      commands: [
        note('priority 0 is the highest: nothing can precede it'),
        command(['kubectl', 'edit', 'adminnetworkpolicy', denying.name]),
      ],
    };
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
  const manifest: Manifest = {
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
  };
  return {
    title:
      `Allow exactly this connection ahead of AdminNetworkPolicy ${denying.name} (priority ${denying.priority - 1}; ` +
      'a cluster admin applies it)',
    apply: [manifest],
  };
}
