// Pods that no rule can tell apart get the same answer, so a matrix evaluates one pair per pair of
// classes and copies it to the other cells (issue 13: cost grows with what differs, not pods²).
// A class is everything about a pod that any hop reads: namespace, service account, labels and
// annotations (without per-pod noise), host networking, readiness, declared ports, the Services
// that select it, the state of its node's ztunnel; its IPs when any policy matches addresses; its node
// when a Service keeps traffic on the node (internalTrafficPolicy Local).
// test/matrix-classes.test.ts compares the result with per-pod evaluation on every scenario and
// on randomly mutated ones.
import type { PodFact, Snapshot } from '../../snapshot/types.js';
import { servicesSelecting } from '../../mesh/services.js';
import { ztunnelOnNode } from '../../mesh/ztunnel.js';
import { LABEL_GATEWAY_NAME } from '../../mesh/constants.js';
import { identityOf } from '../../mesh/identity.js';
import { NETWORK_POLICY_SOURCE_KEY, peerMatches } from '../../mesh/network-policy.js';
import { matchMatches, parseIdentity, type RbacMatch } from '../../mesh/ztunnel-rbac.js';
import { conversionOf, enrollmentOf, policiesAt, type EvalContext } from '../context.js';
import { proxyOf } from '../../mesh/enrollment.js';
import { isZtunnel } from '../../mesh/components.js';

/** Labels that differ between replicas and that no selector of a diagnosis reads. */
const NOISE_LABELS = new Set(['pod-template-hash', 'controller-revision-hash', 'pod-template-generation']);
const isNoise = (key: string) => NOISE_LABELS.has(key) || key.startsWith('statefulset.kubernetes.io/');

/** True when some policy matches addresses, so two pods' IPs can decide differently. */
function addressSensitive(snapshot: Snapshot): boolean {
  const peers = (rules: { peers?: { ipBlock?: unknown }[] }[]) => rules.some((r) => r.peers?.some((p) => p.ipBlock));
  if (snapshot.networkPolicies.some((np) => peers(np.ingress) || peers(np.egress))) return true;
  const adminRules = snapshot.adminNetworkPolicies.flatMap((a) => [...a.ingress, ...a.egress]);
  if (adminRules.some((r) => r.peers.some((p) => p.networks?.length))) return true;
  if (snapshot.serviceEntries.some((se) => se.addresses.length > 0 || se.statusAddresses.length > 0)) return true;
  return snapshot.authorizationPolicies.some((ap) =>
    (ap.rules ?? []).some(
      (rule) =>
        (rule.from ?? []).some((f) => {
          const s = (f?.source ?? {}) as Record<string, unknown>;
          return ['ipBlocks', 'notIpBlocks', 'remoteIpBlocks', 'notRemoteIpBlocks'].some((k) => s[k] !== undefined);
        }) || (rule.when ?? []).some((w) => /ip/i.test(String(w?.key ?? ''))),
    ),
  );
}

/** internalTrafficPolicy Local: which endpoints a client reaches depends on its node. */
const nodeSensitivity = new WeakMap<Snapshot, boolean>();
function nodeSensitive(snapshot: Snapshot): boolean {
  let sensitive = nodeSensitivity.get(snapshot);
  if (sensitive === undefined) {
    sensitive = snapshot.services.some((s) => s.internalTrafficPolicy === 'Local');
    nodeSensitivity.set(snapshot, sensitive);
  }
  return sensitive;
}

/** What both kinds of class read of a pod besides labels and identity: annotations, host network,
 * readiness, its node's ztunnel, and its IPs where a policy matches addresses. */
function ownState(snapshot: Snapshot, pod: PodFact, withAddresses: boolean): unknown[] {
  const zt = ztunnelOnNode(snapshot, pod.nodeName);
  return [
    Object.entries(pod.meta.annotations).sort(),
    pod.hostNetwork,
    pod.hostNetwork ? [pod.nodeName, pod.hostIP] : null,
    pod.phase,
    pod.ready,
    pod.observed,
    // §12.2: the proxy it runs, read from its containers.
    proxyOf(pod)?.kind,
    [zt.ok, zt.assumed],
    withAddresses ? pod.podIPs : null,
    nodeSensitive(snapshot) ? pod.nodeName : null,
  ];
}

function enrolmentKey(ctx: EvalContext, pod: PodFact): unknown[] {
  const e = enrollmentOf(ctx, pod);
  return [e.mode, e.captured, e.shouldBeAmbient, e.redirection, e.notes.map((n) => n.code)];
}

/** A function from a pod to its class key; pods with equal keys get equal answers. */
export function podClassKeys(snapshot: Snapshot): (pod: PodFact) => string {
  const withAddresses = addressSensitive(snapshot);
  const cache = new Map<PodFact, string>();
  return (pod) => {
    let key = cache.get(pod);
    if (key !== undefined) return key;
    key = JSON.stringify([
      pod.meta.namespace,
      pod.serviceAccount,
      Object.entries(pod.meta.labels)
        .filter(([k]) => !isNoise(k))
        .sort(),
      ownState(snapshot, pod, withAddresses),
      pod.containers.map((c) => c.ports.map((p) => [p.name, p.containerPort, p.protocol])),
      servicesSelecting(snapshot, pod).map((s) => `${s.meta.namespace}/${s.meta.name}`),
    ]);
    cache.set(pod, key);
    return key;
  };
}

/** Label keys the engine reads by name (enrolment, waypoints, gateways), kept as they are. */
const readByName = (key: string) => key.includes('istio') || key === LABEL_GATEWAY_NAME;

/**
 * Source classes relative to one destination (issue 13: a 5,000-workload matrix). For a fixed
 * destination, a source is read through its own state (enrolment, node, readiness, the egress
 * NetworkPolicies that select it) and through the destination's rules: the peers of the ingress
 * NetworkPolicies that select the destination, and the identity matches of the AuthorizationPolicies
 * that apply at the destination's ztunnel (§4.1). Sources equal on all of these get one evaluation,
 * even when each has labels and a service account of its own. Undefined where a part of the model
 * reads the source in ways this key does not follow (waypoints and gateways, admin network
 * policies, namespaces implied by file input): the matrix then uses the whole-pod classes.
 *
 * The result gives, for one destination, a number per source (same order as `sources`); equal
 * numbers mean equal answers. Each rule is evaluated once per namespace or identity where that is
 * all it reads, so the cost per cell is a few array reads.
 */
export function relativeSourceClasses(
  ctx: EvalContext,
  sources: PodFact[],
): ((dst: PodFact) => Float64Array) | undefined {
  const snapshot = ctx.snapshot;
  if (snapshot.gateways.length > 0 || snapshot.adminNetworkPolicies.length > 0) return undefined;
  if (snapshot.authorizationPolicies.some((ap) => ap.targetRefs.length > 0)) return undefined;
  if (snapshot.origin === 'files' && [...snapshot.namespaces.values()].some((n) => n.implied)) return undefined;
  if (nodeSensitive(snapshot)) return undefined;
  const withAddresses = addressSensitive(snapshot);
  const nsLabels = (pod: PodFact) => snapshot.namespaces.get(pod.meta.namespace)?.meta.labels ?? {};
  const byName = (labels: Record<string, string>) =>
    Object.entries(labels)
      .filter(([k]) => readByName(k))
      .sort();
  const numbering = () => {
    const ids = new Map<string, number>();
    return (key: string) => {
      let id = ids.get(key);
      if (id === undefined) ids.set(key, (id = ids.size));
      return id;
    };
  };
  // The source's own state: everything of the whole-pod key except its labels, namespace and
  // service account, which the destination's rules read below.
  const baseId = numbering();
  const base = Float64Array.from(sources, (pod) =>
    baseId(
      JSON.stringify([
        byName(pod.meta.labels),
        isZtunnel(pod),
        byName(nsLabels(pod)),
        ownState(snapshot, pod, withAddresses),
        // §1.1: what its enrolment reads beyond labels (excluded namespaces, the proxy it runs).
        enrolmentKey(ctx, pod),
        NETWORK_POLICY_SOURCE_KEY.egress(ctx.netpols, pod),
      ]),
    ),
  );
  const namespaceId = numbering();
  const namespaces = Int32Array.from(sources, (pod) => namespaceId(pod.meta.namespace));
  const namespaceCount = namespaces.reduce((max, id) => Math.max(max, id + 1), 0);
  const trustDomain = snapshot.mesh.trustDomain;
  const identityId = numbering();
  const identityOfId: { identity: string; parsed: ReturnType<typeof parseIdentity> }[] = [];
  const identities = Int32Array.from(sources, (pod) => {
    const identity = identityOf(pod, trustDomain);
    const id = identityId(identity);
    identityOfId[id] ??= { identity, parsed: parseIdentity(identity) };
    return id;
  });
  const endpoints = sources.map((pod) => ({ pod, ip: pod.podIPs[0], namespaceLabels: nsLabels(pod) }));
  const identityFields = [
    'principals',
    'notPrincipals',
    'namespaces',
    'notNamespaces',
    'serviceAccounts',
    'notServiceAccounts',
  ] as const;
  // A rule's answer (0, 1, 2) for every source, by the rule's content.
  const peerCodes = new Map<string, Int8Array>();
  const identityCodes = new Map<string, Int8Array>();
  // A sidecar or gateway destination reads whole rules in Envoy (HTTP fields, addresses): one class per source.
  const eachOwn = Float64Array.from(sources, (_, i) => i);
  return (dst) => {
    const mode = enrollmentOf(ctx, dst).mode;
    if (mode === 'sidecar' || mode === 'gateway') return eachOwn.slice();
    const keys = base.slice();
    let radix = base.length + 1;
    // Keys grow by a factor of 3 per rule; renumber before they leave exact float range.
    const fold = (codes: Int8Array) => {
      if (radix > 2 ** 40) {
        const dense = numbering();
        for (let i = 0; i < keys.length; i++) keys[i] = dense(String(keys[i]));
        radix = keys.length + 1;
      }
      for (let i = 0; i < keys.length; i++) keys[i] = keys[i] * 3 + codes[i];
      radix *= 3;
    };
    // Spread a rule's answer per namespace or identity over the sources.
    const spread = (byGroup: Int8Array, group: Int32Array) => {
      const codes = new Int8Array(group.length);
      for (let i = 0; i < group.length; i++) codes[i] = byGroup[group[i]];
      return codes;
    };
    // §8: the peers of the ingress NetworkPolicies that select the destination. Policies repeat
    // the same peer across workloads: its answers are kept by its content.
    for (const { peer, namespace } of NETWORK_POLICY_SOURCE_KEY.ingressPeers(ctx.netpols, dst)) {
      // The policy's namespace matters only to a podSelector without a namespaceSelector (peerMatches).
      const same = JSON.stringify(peer.ipBlock || peer.namespaceSelector ? ['', peer] : [namespace, peer]);
      let codes = peerCodes.get(same);
      if (!codes) {
        const answer = (i: number) => peerCode(peerMatches(peer, namespace, endpoints[i]));
        if (peer.podSelector || peer.ipBlock) {
          codes = new Int8Array(sources.length);
          for (let i = 0; i < sources.length; i++) codes[i] = answer(i);
        } else {
          // A namespaceSelector alone reads only the source's namespace.
          const byNamespace = new Int8Array(namespaceCount);
          for (let i = 0; i < sources.length; i++) byNamespace[namespaces[i]] = answer(i);
          codes = spread(byNamespace, namespaces);
        }
        peerCodes.set(same, codes);
      }
      fold(codes);
    }
    // §4.2: what the AuthorizationPolicies at the destination's ztunnel read of the source's identity.
    for (const ap of policiesAt(ctx, dst))
      for (const group of conversionOf(ctx, ap).policy?.groups ?? [])
        for (const clause of group.rules)
          for (const m of clause.matches) {
            const only: RbacMatch = {};
            for (const f of identityFields) if (m[f]) (only as Record<string, unknown>)[f] = m[f];
            if (Object.keys(only).length === 0) continue;
            const same = JSON.stringify(only);
            let codes = identityCodes.get(same);
            if (!codes) {
              const byIdentity = new Int8Array(identityOfId.length);
              for (let id = 0; id < identityOfId.length; id++) {
                const { identity, parsed } = identityOfId[id];
                byIdentity[id] = matchMatches(only, { identity, destinationPort: 0 }, parsed) ? 1 : 0;
              }
              identityCodes.set(same, (codes = spread(byIdentity, identities)));
            }
            fold(codes);
          }
    return keys;
  };
}

const peerCode = (m: false | 'selector' | 'ipblock') => (m === false ? 0 : m === 'selector' ? 1 : 2);
