// One pod stands for each workload: what the matrix lists and what a fix's proof checks.
import { compareText } from '../../order.js';
import type { PodFact, Snapshot } from '../../snapshot/types.js';
import { workloadName } from '../../mesh/connectivity.js';
import { isDataplaneProxy } from '../../mesh/components.js';

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
