// Kubernetes NetworkPolicy, evaluated for the packets that really cross the CNI (§8).
// Semantics follow Kubernetes (§8.1-§8.4), including ipBlocks that match
// pod IPs, which real CNIs often do; such matches are flagged because they are CNI-dependent.
import type {
  AdminNetworkPolicyFact,
  AdminPeer,
  AdminPort,
  AdminRule,
  Labels,
  NetworkPolicyFact,
  NetworkPolicyPeer,
  NetworkPolicyPort,
  PodFact,
} from '../snapshot/types.js';
import { selectorMatches } from './labels.js';
import { cidrContains, type CidrMatch } from './ztunnel-rbac.js';
import { toCidr } from './authorization.js';

export interface NetEndpoint {
  /** The pod, when the endpoint is a pod whose own network namespace sends or receives. */
  pod?: PodFact;
  namespaceLabels?: Labels;
  /** The IP on the wire; for pods without a known IP this is undefined. */
  ip?: string;
}

export interface NetQuery {
  src: NetEndpoint;
  dst: NetEndpoint;
  port: number;
  protocol: string;
}

export interface RuleRef {
  policy: NetworkPolicyFact;
  ruleIndex: number;
  /** How the peer matched: by selector, only by ipBlock, or the rule has no peers. */
  via: 'selector' | 'ipblock' | 'any';
}

export interface DirectionVerdict {
  /** Some policy selects the pod for this direction. */
  isolated: boolean;
  allowed: boolean;
  selecting: NetworkPolicyFact[];
  allowedBy: RuleRef[];
  /** An allowing rule matched a pod only through an ipBlock (CNI-dependent). */
  viaIpBlockOnPod: boolean;
  /** An admin tier decided (an AdminNetworkPolicy Allow or Deny, or the baseline). */
  decidedByAdmin?: AdminDecision;
}

export interface AdminDecision {
  kind: 'AdminNetworkPolicy' | 'BaselineAdminNetworkPolicy';
  name: string;
  priority: number;
  action: string;
}

export interface NetVerdict {
  allowed: boolean;
  egress: DirectionVerdict;
  ingress: DirectionVerdict;
}

export interface NetworkPolicyIndex {
  byNamespace: Map<string, NetworkPolicyFact[]>;
  /** AdminNetworkPolicies by ascending priority, then the BaselineAdminNetworkPolicy. */
  admin: AdminNetworkPolicyFact[];
  baseline: AdminNetworkPolicyFact[];
}

export function indexNetworkPolicies(
  policies: NetworkPolicyFact[],
  admin: AdminNetworkPolicyFact[] = [],
): NetworkPolicyIndex {
  const byNamespace = new Map<string, NetworkPolicyFact[]>();
  for (const p of policies) {
    const list = byNamespace.get(p.meta.namespace) ?? [];
    list.push(p);
    byNamespace.set(p.meta.namespace, list);
  }
  return {
    byNamespace,
    admin: admin.filter((a) => a.kind === 'AdminNetworkPolicy').sort((a, b) => a.priority - b.priority),
    baseline: admin.filter((a) => a.kind === 'BaselineAdminNetworkPolicy'),
  };
}

const cidrCache = new Map<string, CidrMatch | undefined>();
function cidr(value: string): CidrMatch | undefined {
  if (!cidrCache.has(value)) cidrCache.set(value, toCidr(value));
  return cidrCache.get(value);
}

function ipBlockMatches(block: NonNullable<NetworkPolicyPeer['ipBlock']>, ip: string | undefined): boolean {
  const c = cidr(block.cidr);
  if (!c || !cidrContains(c, ip)) return false;
  return !(block.except ?? []).some((e) => {
    const x = cidr(e);
    return !!x && cidrContains(x, ip);
  });
}

/** Does this peer entry select the endpoint? Returns 'ipblock' when only the ipBlock did. */
export function peerMatches(
  peer: NetworkPolicyPeer,
  policyNamespace: string,
  ep: NetEndpoint,
): false | 'selector' | 'ipblock' {
  if (peer.ipBlock) return ipBlockMatches(peer.ipBlock, ep.ip) ? 'ipblock' : false;
  if (!ep.pod) return false;
  if (!peer.podSelector && !peer.namespaceSelector) return false;
  if (peer.namespaceSelector) {
    if (!selectorMatches(peer.namespaceSelector, ep.namespaceLabels ?? {})) return false;
  } else if (ep.pod.meta.namespace !== policyNamespace) {
    return false;
  }
  if (peer.podSelector && !selectorMatches(peer.podSelector, ep.pod.meta.labels)) return false;
  return 'selector';
}

/** A named port resolves on the pod that receives the packet (§8.5). */
function portMatches(p: NetworkPolicyPort, port: number, protocol: string, receiver: PodFact | undefined): boolean {
  if ((p.protocol ?? 'TCP') !== protocol) return false;
  if (p.port === undefined || p.port === null) return true;
  if (typeof p.port === 'number' || /^\d+$/.test(String(p.port))) {
    const start = Number(p.port);
    const end = p.endPort ?? start;
    return port >= start && port <= end;
  }
  if (!receiver) return false;
  return receiver.containers.some((c) =>
    c.ports.some((cp) => cp.name === p.port && cp.protocol === protocol && cp.containerPort === port),
  );
}

function adminSubjectMatches(policy: AdminNetworkPolicyFact, pod: PodFact, nsLabels: Labels): boolean {
  const s = policy.subject;
  if (s.namespaces) return selectorMatches(s.namespaces, nsLabels);
  if (s.pods)
    return selectorMatches(s.pods.namespaceSelector, nsLabels) && selectorMatches(s.pods.podSelector, pod.meta.labels);
  return false;
}

function adminPeerMatches(peer: AdminPeer, ep: NetEndpoint): boolean {
  if (peer.networks) return !ep.pod && peer.networks.some((n) => ipBlockMatches({ cidr: n }, ep.ip));
  if (!ep.pod) return false; // namespaces/pods peers cover in-cluster pods only
  const nsLabels = ep.namespaceLabels ?? {};
  if (peer.namespaces) return selectorMatches(peer.namespaces, nsLabels);
  if (peer.pods)
    return (
      selectorMatches(peer.pods.namespaceSelector, nsLabels) &&
      selectorMatches(peer.pods.podSelector, ep.pod.meta.labels)
    );
  return false;
}

function adminPortMatches(p: AdminPort, port: number, protocol: string, receiver: PodFact | undefined): boolean {
  if (p.namedPort !== undefined) {
    return (
      !!receiver &&
      receiver.containers.some((c) =>
        c.ports.some((cp) => cp.name === p.namedPort && cp.protocol === protocol && cp.containerPort === port),
      )
    );
  }
  return p.protocol === protocol && port >= (p.start ?? 0) && port <= (p.end ?? p.start ?? 0);
}

/** The first matching rule of the first policy (in tier order) that has one, or undefined. */
function adminDecision(
  policies: AdminNetworkPolicyFact[],
  subject: NetEndpoint,
  peer: NetEndpoint,
  direction: 'ingress' | 'egress',
  port: number,
  protocol: string,
  receiver: PodFact | undefined,
): { action: string; policy: AdminNetworkPolicyFact; rule: AdminRule } | undefined {
  const pod = subject.pod!;
  for (const policy of policies) {
    if (!adminSubjectMatches(policy, pod, subject.namespaceLabels ?? {})) continue;
    for (const rule of policy[direction]) {
      if (!rule.peers.some((p) => adminPeerMatches(p, peer))) continue;
      if (rule.ports && !rule.ports.some((p) => adminPortMatches(p, port, protocol, receiver))) continue;
      return { action: rule.action, policy, rule };
    }
  }
  return undefined;
}

function adminDecisionOf(d: { action: string; policy: AdminNetworkPolicyFact }): AdminDecision {
  return { kind: d.policy.kind, name: d.policy.name, priority: d.policy.priority, action: d.action };
}

const selectingCache = new WeakMap<NetworkPolicyIndex, WeakMap<PodFact, Record<string, NetworkPolicyFact[]>>>();

/** The policies of the pod's namespace that select it for one direction (cached per index). */
export function selectingPolicies(
  index: NetworkPolicyIndex,
  pod: PodFact,
  direction: 'Ingress' | 'Egress',
): NetworkPolicyFact[] {
  let byPod = selectingCache.get(index);
  if (!byPod) selectingCache.set(index, (byPod = new WeakMap()));
  let entry = byPod.get(pod);
  if (!entry) byPod.set(pod, (entry = {}));
  return (entry[direction] ??= (index.byNamespace.get(pod.meta.namespace) ?? []).filter(
    (p) => p.policyTypes.includes(direction) && selectorMatches(p.podSelector, pod.meta.labels),
  ));
}

/**
 * §8: what NetworkPolicy reads of a source pod, for one destination: the egress policies that select
 * the source (by name: they are evaluated against the fixed destination), and whether each peer of the
 * ingress policies selecting the destination matches it. Sources equal on both are allowed the same
 * connections to that destination; the matrix (pod classes) and the connectivity list key sources by it.
 */
export const NETWORK_POLICY_SOURCE_KEY = {
  /** The egress side of a source's key. */
  egress: (index: NetworkPolicyIndex, src: PodFact): string =>
    selectingPolicies(index, src, 'Egress')
      .map((np) => `${np.meta.namespace}/${np.meta.name}`)
      .join(','),
  /** The peers a source is matched against, for one destination. */
  ingressPeers: (index: NetworkPolicyIndex, dst: PodFact): { peer: NetworkPolicyPeer; namespace: string }[] =>
    selectingPolicies(index, dst, 'Ingress').flatMap((np) =>
      np.ingress.flatMap((rule) => (rule.peers ?? []).map((peer) => ({ peer, namespace: np.meta.namespace }))),
    ),
};

function evaluateDirection(
  index: NetworkPolicyIndex,
  subject: NetEndpoint,
  peer: NetEndpoint,
  direction: 'Ingress' | 'Egress',
  port: number,
  protocol: string,
  receiver: PodFact | undefined,
): DirectionVerdict {
  const verdict: DirectionVerdict = {
    isolated: false,
    allowed: true,
    selecting: [],
    allowedBy: [],
    viaIpBlockOnPod: false,
  };
  const pod = subject.pod;
  // Host-network endpoints and non-pods are outside NetworkPolicy's reach.
  if (!pod || pod.hostNetwork) return verdict;
  // AdminNetworkPolicy first: the first matching rule decides; Pass hands over to NetworkPolicy.
  const dir = direction === 'Ingress' ? 'ingress' : 'egress';
  const anp = adminDecision(index.admin, subject, peer, dir, port, protocol, receiver);
  if (anp && anp.action !== 'Pass') {
    return { ...verdict, isolated: true, allowed: anp.action === 'Allow', decidedByAdmin: adminDecisionOf(anp) };
  }
  for (const policy of selectingPolicies(index, pod, direction)) {
    verdict.selecting.push(policy);
    const rules = direction === 'Ingress' ? policy.ingress : policy.egress;
    rules.forEach((rule, ruleIndex) => {
      const portOk =
        !rule.ports || rule.ports.length === 0 || rule.ports.some((p) => portMatches(p, port, protocol, receiver));
      if (!portOk) return;
      let how: false | 'selector' | 'ipblock' | 'any' = 'any';
      if (rule.peers && rule.peers.length > 0) {
        how = false;
        for (const p of rule.peers) {
          const m = peerMatches(p, policy.meta.namespace, peer);
          if (m === 'selector') {
            how = 'selector';
            break;
          }
          if (m === 'ipblock') how = 'ipblock';
        }
      }
      if (!how) return;
      verdict.allowedBy.push({ policy, ruleIndex, via: how });
    });
  }
  verdict.isolated = verdict.selecting.length > 0;
  verdict.allowed = !verdict.isolated || verdict.allowedBy.length > 0;
  if (!verdict.isolated) {
    // No NetworkPolicy selects the pod: the BaselineAdminNetworkPolicy decides, if a rule matches.
    const banp = adminDecision(index.baseline, subject, peer, dir, port, protocol, receiver);
    if (banp)
      return { ...verdict, isolated: true, allowed: banp.action === 'Allow', decidedByAdmin: adminDecisionOf(banp) };
  }
  verdict.viaIpBlockOnPod =
    !!peer.pod && verdict.allowedBy.length > 0 && verdict.allowedBy.every((r) => r.via === 'ipblock');
  return verdict;
}

export function evaluateNetworkPolicy(index: NetworkPolicyIndex, q: NetQuery): NetVerdict {
  const protocol = q.protocol.toUpperCase();
  const egress = evaluateDirection(index, q.src, q.dst, 'Egress', q.port, protocol, q.dst.pod);
  const ingress = evaluateDirection(index, q.dst, q.src, 'Ingress', q.port, protocol, q.dst.pod);
  return { allowed: egress.allowed && ingress.allowed, egress, ingress };
}
