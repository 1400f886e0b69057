// One pod stands for each workload: what the matrix lists and what a fix's proof checks.
import { compareText } from '../../order.js';
import type { PodFact, Snapshot } from '../../snapshot/types.js';
import { workloadName } from '../../mesh/connectivity.js';
import { isDataplaneProxy, isNodeAgent } from '../../mesh/components.js';
import { isIstioGateway } from '../../mesh/enrollment.js';

/** One pod stands for each workload, as in the connectivity listing. */
export function matrixWorkloads(snapshot: Snapshot, namespaces: string[] | 'all'): { name: string; pod: PodFact }[] {
  const seen = new Map<string, PodFact>();
  for (const pod of snapshot.pods) {
    if (pod.hostNetwork || isDataplaneProxy(pod)) continue;
    if (namespaces !== 'all' && !namespaces.includes(pod.meta.namespace)) continue;
    const name = workloadName(pod);
    if (!seen.has(name)) seen.set(name, pod);
  }
  return [...seen].map(([name, pod]) => ({ name, pod })).sort((a, b) => compareText(a.name, b.name));
}

/**
 * Clients that are no workload's destination here: Istio ingress and egress gateway pods (the first client of
 * many Services, §10) and host-network pods other than the node agents (plaintext from the node, §1.1).
 */
export function matrixSourcesOnly(snapshot: Snapshot, namespaces: string[] | 'all'): { name: string; pod: PodFact }[] {
  const seen = new Map<string, PodFact>();
  for (const pod of snapshot.pods) {
    // Gateways without the Gateway API label are workloads already (matrixWorkloads keeps them).
    const client = pod.hostNetwork ? !isNodeAgent(pod) : isDataplaneProxy(pod) && isIstioGateway(pod);
    if (!client || (namespaces !== 'all' && !namespaces.includes(pod.meta.namespace))) continue;
    const name = workloadName(pod);
    if (!seen.has(name)) seen.set(name, pod);
  }
  return [...seen].map(([name, pod]) => ({ name, pod })).sort((a, b) => compareText(a.name, b.name));
}
