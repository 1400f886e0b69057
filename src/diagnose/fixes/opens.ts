// Which other connections a change opens: denied in one snapshot, allowed in the other. Checked
// for every workload towards the asked destination, and from the asked source towards every pod
// the changed objects select (§ "Trust before features" in the project's rules: a fix may open
// nothing beyond the asker's own workload).
import type { LabelSelector, PodFact, Snapshot } from '../../snapshot/types.js';
import { selectorMatches, mapSelectorMatches } from '../../mesh/labels.js';
import { workloadName } from '../../mesh/connectivity.js';
import { createContext } from '../context.js';
import { podAddressed, type ResolvedDestination } from '../explain/resolve.js';
import { works } from '../matrix/pairs.js';
import { matrixWorkloads } from '../matrix/workloads.js';

export interface Opened {
  source: string;
  destination: string;
  port: number;
}

export interface OpensQuery {
  /** The pods that asked (their own workload may open: that is the point of the fix). */
  asker: PodFact[];
  /** The asked destination, resolved in each snapshot. */
  destination: (s: Snapshot) => ResolvedDestination | undefined;
  /** The objects the fix applies or changes. */
  changed: Record<string, unknown>[];
}

const sameWorkload = (a: PodFact, b: PodFact) =>
  a.meta.namespace === b.meta.namespace && workloadName(a) === workloadName(b) && a.serviceAccount === b.serviceAccount;

/** The selector-bearing fields of the kinds a fix changes, as written in a manifest. */
interface RawSpec {
  podSelector?: LabelSelector;
  selector?: LabelSelector;
  targetRefs?: { kind: string; name: string }[];
  subject?: { namespaces?: LabelSelector; pods?: { namespaceSelector?: LabelSelector; podSelector?: LabelSelector } };
}

/** Pods a changed object selects, looked up in the snapshot after the change. */
function selectedPods(after: Snapshot, obj: Record<string, unknown>): PodFact[] {
  const meta = (obj.metadata ?? {}) as { namespace?: string; name?: string };
  const spec = (obj.spec ?? {}) as RawSpec;
  const inNs = (ns: string | undefined) => after.pods.filter((p) => ns === undefined || p.meta.namespace === ns);
  switch (obj.kind) {
    case 'Namespace':
      return inNs(meta.name);
    case 'Pod':
      return inNs(meta.namespace).filter((p) => p.meta.name === meta.name);
    case 'NetworkPolicy':
      return inNs(meta.namespace).filter((p) => selectorMatches(spec.podSelector, p.meta.labels));
    case 'AuthorizationPolicy':
    case 'PeerAuthentication': {
      const root = meta.namespace === after.mesh.rootNamespace;
      const scope = root && !spec.selector ? after.pods : inNs(meta.namespace);
      const byTarget = (spec.targetRefs ?? []).flatMap((t: { kind: string; name: string }) =>
        t.kind === 'Service'
          ? after.services
              .filter((s) => s.meta.namespace === meta.namespace && s.meta.name === t.name && s.selector)
              .flatMap((s) => inNs(meta.namespace).filter((p) => mapSelectorMatches(s.selector!, p.meta.labels)))
          : [],
      );
      if (spec.targetRefs?.length) return byTarget;
      return scope.filter((p) => !spec.selector || selectorMatches(spec.selector, p.meta.labels));
    }
    case 'AdminNetworkPolicy': {
      const pods = spec.subject?.pods;
      const nsSel = spec.subject?.namespaces ?? pods?.namespaceSelector;
      return after.pods.filter(
        (p) =>
          selectorMatches(nsSel, after.namespaces.get(p.meta.namespace)?.meta.labels ?? {}) &&
          (!pods || selectorMatches(pods.podSelector, p.meta.labels)),
      );
    }
    default:
      return [];
  }
}

export function opensAfter(before: Snapshot, after: Snapshot, q: OpensQuery): Opened[] {
  const ctxBefore = createContext(before, 'verdict');
  const ctxAfter = createContext(after, 'verdict');
  const out: Opened[] = [];
  const seen = new Set<string>();
  const record = (source: PodFact, destination: string, port: number) => {
    const key = `${workloadName(source)}>${destination}:${port}`;
    if (seen.has(key)) return;
    seen.add(key);
    out.push({ source: workloadName(source), destination, port });
  };
  const podsIn = (s: Snapshot) => new Map(s.pods.map((p) => [`${p.meta.namespace}/${p.meta.name}`, p]));
  const beforePods = podsIn(before);
  const mine = (p: PodFact) => q.asker.some((a) => sameWorkload(a, p));

  // Every workload towards the asked destination.
  const destBefore = q.destination(before);
  const destAfter = q.destination(after);
  if (destBefore && destAfter) {
    for (const { pod } of matrixWorkloads(after, 'all')) {
      const old = beforePods.get(`${pod.meta.namespace}/${pod.meta.name}`);
      if (mine(pod) || !old) continue;
      if (!works(ctxBefore, old, destBefore) && works(ctxAfter, pod, destAfter)) {
        record(pod, destAfter.input, destAfter.port);
      }
    }
  }
  // The asker towards every pod the change selects, on the ports they declare.
  const asker = q.asker[0];
  const askerAfter = asker && podsIn(after).get(`${asker.meta.namespace}/${asker.meta.name}`);
  if (!asker || !askerAfter) return out;
  const targets = new Map<string, PodFact>();
  for (const obj of q.changed) for (const p of selectedPods(after, obj)) targets.set(workloadName(p), p);
  for (const [name, pod] of targets) {
    const old = beforePods.get(`${pod.meta.namespace}/${pod.meta.name}`);
    if (
      !old ||
      destAfter?.targets.some((t) => t.pod.meta.name === pod.meta.name && t.pod.meta.namespace === pod.meta.namespace)
    )
      continue;
    const ports = [...new Set(pod.containers.flatMap((c) => c.ports.map((p) => p.containerPort)))];
    for (const port of ports) {
      if (!works(ctxBefore, asker, podAddressed(old, port)) && works(ctxAfter, askerAfter, podAddressed(pod, port))) {
        record(askerAfter, name, port);
      }
    }
  }
  return out;
}
