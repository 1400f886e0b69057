// §4.1: an AuthorizationPolicy without targetRefs that no proxy enforces: its selector (or its namespace)
// reaches no pod, or only waypoint pods (which apply only targetRefs policies) and pods outside the mesh.
// Judged per object, without waiting for a connection (istioctl IST0127), where the input can tell: a live
// read that listed the namespace's pods, or files that hold pods at all.
import type { AuthorizationPolicyFact, PodFact } from '../../snapshot/types.js';
import { refTo, podRef, refText } from '../../snapshot/ref.js';
import { finding, type Finding } from '../../findings/finding.js';
import { policyReach } from '../../mesh/policy-reach.js';
import { isIstiod, isNodeAgent } from '../../mesh/components.js';
import { enrollmentOf } from '../context.js';
import type { CheckAnalyzer, Scan } from './analyzer.js';

const SHOWN = 3;

function podList(pods: PodFact[]): string {
  const names = pods.slice(0, SHOWN).map((p) => refText(podRef(p)));
  return names.join(', ') + (pods.length > SHOWN ? ` and ${pods.length - SHOWN} more` : '');
}

function selection(ap: AuthorizationPolicyFact, root: string): string {
  if (!ap.selector) return `namespace-wide in ${ap.meta.namespace}`;
  const labels = Object.entries(ap.selector.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  const where = ap.meta.namespace === root ? 'in any namespace (root namespace)' : `in ${ap.meta.namespace}`;
  return `selector ${labels.join(',') || '(expressions)'} ${where}`;
}

/** Whether the input shows every pod the policy could select. */
function podsKnown(scan: Scan, ap: AuthorizationPolicyFact, root: string): boolean {
  const { snapshot } = scan;
  if (snapshot.origin === 'cluster') {
    return ap.meta.namespace === root
      ? snapshot.isAbsenceFact('pods')
      : snapshot.isAbsenceFact('pods', ap.meta.namespace);
  }
  return snapshot.pods.some((p) => !isNodeAgent(p) && !isIstiod(p));
}

export const policyReachAnalyzer: CheckAnalyzer = {
  name: 'policy-reach',
  codes: ['AD416'],
  run: (scan) => {
    const { snapshot, ctx } = scan;
    const root = snapshot.mesh.rootNamespace;
    const where = snapshot.origin === 'files' ? 'in the input' : 'in the cluster';
    const out: Finding[] = [];
    // Each policy looks only at its namespace's pods: one index, not a scan of every pod per policy.
    const byNamespace = new Map<string, PodFact[]>();
    for (const p of snapshot.pods) {
      const list = byNamespace.get(p.meta.namespace);
      if (list) list.push(p);
      else byNamespace.set(p.meta.namespace, [p]);
    }
    for (const ap of snapshot.authorizationPolicies) {
      if (!scan.inScope(ap.meta.namespace) || !podsKnown(scan, ap, root)) continue;
      const candidates = ap.meta.namespace === root ? snapshot.pods : (byNamespace.get(ap.meta.namespace) ?? []);
      const reach = policyReach(ap, candidates, snapshot.gateways, root, (p) => enrollmentOf(ctx, p));
      if (!reach || reach.enforcing.length > 0) continue;
      const name = `AuthorizationPolicy ${ap.meta.namespace}/${ap.meta.name}`;
      const parts: string[] = [];
      if (reach.waypoints.length > 0)
        parts.push(
          `waypoint pods (${podList(reach.waypoints)}), which apply only policies that name them in targetRefs`,
        );
      if (reach.outside.length > 0)
        parts.push(`pods outside the mesh (${podList(reach.outside)}), where no proxy enforces it`);
      const reached = parts.length > 0 ? `reaches only ${parts.join(', and ')}` : `selects no pod ${where}`;
      const detail = `${name} (${selection(ap, root)}) ${reached}: it has no effect on any connection.`;
      out.push(finding('AD416', detail, [refTo('AuthorizationPolicy', ap.meta)]));
    }
    return out;
  },
};
