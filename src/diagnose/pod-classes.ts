// Pods that no rule can tell apart get the same answer, so a matrix evaluates one pair per pair of
// classes and copies it to the other cells (issue 13: cost grows with what differs, not pods²).
// A class is everything about a pod that any hop reads: namespace, service account, labels and
// annotations (without per-pod noise), host networking, readiness, declared ports, the Services
// that select it, the state of its node's ztunnel; its IPs when any policy matches addresses.
// test/matrix-classes.test.ts compares the result with per-pod evaluation on every scenario and
// on randomly mutated ones.
import type { PodFact, Snapshot } from '../snapshot/types.js';
import { servicesSelecting } from '../mesh/services.js';
import { ztunnelOnNode } from '../mesh/ztunnel.js';

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

/** A function from a pod to its class key; pods with equal keys get equal answers. */
export function podClassKeys(snapshot: Snapshot): (pod: PodFact) => string {
  const withAddresses = addressSensitive(snapshot);
  const cache = new Map<PodFact, string>();
  return (pod) => {
    let key = cache.get(pod);
    if (key !== undefined) return key;
    const zt = ztunnelOnNode(snapshot, pod.nodeName);
    key = JSON.stringify([
      pod.meta.namespace,
      pod.serviceAccount,
      Object.entries(pod.meta.labels)
        .filter(([k]) => !isNoise(k))
        .sort(),
      Object.entries(pod.meta.annotations).sort(),
      pod.hostNetwork,
      pod.hostNetwork ? [pod.nodeName, pod.hostIP] : null,
      pod.phase,
      pod.ready,
      pod.observed,
      pod.containers.map((c) => c.ports.map((p) => [p.name, p.containerPort, p.protocol])),
      servicesSelecting(snapshot, pod).map((s) => `${s.meta.namespace}/${s.meta.name}`),
      [zt.ok, zt.assumed],
      withAddresses ? pod.podIPs : null,
    ]);
    cache.set(pod, key);
    return key;
  };
}
