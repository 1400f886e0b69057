// §1.1, §6.3, §8: a Namespace the input does not contain has unknown labels. Instead of reading
// it as unlabelled, ask again with each label that matters in this input; if any changes the
// answer, the verdict is unknown (project rule: never a confident verdict from missing data).
import type { LabelSelector, Snapshot } from '../../snapshot/types.js';
import { namespaceRef } from '../../snapshot/ref.js';
import { LABEL_DATAPLANE_MODE, LABEL_USE_WAYPOINT } from '../../mesh/constants.js';
import { finding, type Finding } from '../../findings/finding.js';
import type { Asked } from '../fixes/proof.js';
import { command } from '../../findings/command.js';

type Labels = Record<string, string>;

/** The labels that could matter for a namespace: enrolment, its waypoints, namespaceSelectors. */
export function candidateLabels(snapshot: Snapshot, namespace: string): Labels[] {
  const out: Labels[] = [{ [LABEL_DATAPLANE_MODE]: 'ambient' }];
  for (const g of snapshot.gateways)
    if (g.meta.namespace === namespace) out.push({ [LABEL_USE_WAYPOINT]: g.meta.name });
  const selectors: (LabelSelector | undefined)[] = [
    ...snapshot.networkPolicies.flatMap((p) =>
      [...p.ingress, ...p.egress].flatMap((r) => (r.peers ?? []).map((peer) => peer.namespaceSelector)),
    ),
    ...snapshot.adminNetworkPolicies.flatMap((a) => [
      a.subject.namespaces,
      a.subject.pods?.namespaceSelector,
      ...[...a.ingress, ...a.egress].flatMap((r) => r.peers.flatMap((p) => [p.namespaces, p.pods?.namespaceSelector])),
    ]),
  ];
  for (const sel of selectors) if (sel?.matchLabels && Object.keys(sel.matchLabels).length) out.push(sel.matchLabels);
  const seen = new Set<string>();
  return out.filter((l) => !seen.has(JSON.stringify(l)) && !!seen.add(JSON.stringify(l))).slice(0, 24);
}

// The verdict is the outcome; a different cause for the same denial does not make it unknown.
const same = (a: Asked, b: Asked) => a.outcome === b.outcome;

export function checkMissingNamespaces(
  snapshot: Snapshot,
  onPath: string[],
  answer: Asked,
  ask: (s: Snapshot) => Asked,
): { findings: Finding[]; unknown?: string } {
  const findings: Finding[] = [];
  let unknown: string | undefined;
  // Live, a namespace on the path is read (or its read failed: AD902); only files can lack one.
  if (snapshot.origin !== 'files') return { findings };
  for (const ns of [...new Set(onPath)].sort()) {
    if (!snapshot.namespaces.get(ns)?.implied) continue;
    const tried = candidateLabels(snapshot, ns);
    let changed: { labels: Labels; asked: Asked } | undefined;
    for (const labels of tried) {
      const ns2 = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels } };
      const asked = ask(snapshot.withChange({ apply: [ns2], delete: [] }));
      if (!same(asked, answer)) {
        changed = { labels, asked };
        break;
      }
    }
    const shown = (l: Labels) =>
      Object.entries(l)
        .map(([k, v]) => `${k}=${v}`)
        .join(',');
    const detail = changed
      ? `Namespace ${ns} is not in the input, so its labels are unknown, and they matter: with ` +
        `${shown(changed.labels)} the answer would be ${changed.asked.outcome}` +
        `${changed.asked.decisive ? ` (${changed.asked.decisive.code})` : ''}.`
      : `Namespace ${ns} is not in the input, so its labels are unknown; none of the labels that matter here ` +
        `(${tried.map(shown).join('; ')}) would change the answer.`;
    const fix = [
      {
        title: `Add Namespace ${ns} to the input`,
        commands: [command(['kubectl', 'get', 'namespace', ns, '-o', 'yaml'])],
      },
    ];
    findings.push(finding('AD903', detail, [namespaceRef(ns)], fix));
    if (changed && !unknown) unknown = detail;
  }
  return { findings, ...(unknown ? { unknown } : {}) };
}
