// §2.1, §2.3, §1.4: the dataplane a mesh needs on every node that runs ambient pods (a ready ztunnel
// and istio-cni), a ready istiod, and one Istio release across them (§0: behaviour differs by release).
import type { PodFact } from '../../snapshot/types.js';
import { podRef, refText, type ObjectRef } from '../../snapshot/ref.js';
import { ztunnelOnNode } from '../../mesh/ztunnel.js';
import { versionOfImage } from '../../mesh/versions.js';
import { DEFAULT_ROOT_NAMESPACE, LABEL_GATEWAY_NAME } from '../../mesh/constants.js';
import { finding, type Finding } from '../../findings/finding.js';
import { enrollmentOf, podName } from '../context.js';
import { ztunnelRemedy } from '../fixes/fixes.js';
import { NOTES, runNotes } from '../notes/index.js';
import type { CheckAnalyzer, Scan } from './analyzer.js';
import { appendAll } from '../../arrays.js';
import { isCniAgent, isIstiod } from '../../mesh/components.js';

const nodeRef = (name: string): ObjectRef => ({ kind: 'Node', name });
const listed = (names: string[], max = 5) =>
  names.length > max ? `${names.slice(0, max).join(', ')} and ${names.length - max} more` : names.join(', ');

/** Pods that need the node's ztunnel and istio-cni: captured, pending or asking for ambient. */
function ambientPodsByNode(scan: Scan): Map<string, PodFact[]> {
  const byNode = new Map<string, PodFact[]>();
  for (const pod of scan.pods) {
    const e = enrollmentOf(scan.ctx, pod);
    if (!pod.nodeName || !(e.captured || e.redirection === 'pending' || e.shouldBeAmbient)) continue;
    const list = byNode.get(pod.nodeName);
    if (list) list.push(pod);
    else byNode.set(pod.nodeName, [pod]);
  }
  return byNode;
}

export const dataplane: CheckAnalyzer = {
  name: 'dataplane',
  codes: ['AD201', 'AD202', 'AD203', 'AD204', 'AD205', 'AD602'],
  run: (scan) => {
    const { snapshot, ctx } = scan;
    const out: Finding[] = [...runNotes(ctx, NOTES.dataplane, snapshot), ...runNotes(ctx, NOTES.cni, snapshot)];
    // Absence is known only from a live read that listed the pods of the mesh's own namespaces, which
    // check -n reads beside the scanned ones (§11: a hidden object is unknown).
    const meshNamespaces = [...new Set([DEFAULT_ROOT_NAMESPACE, ...snapshot.ztunnels.map((z) => z.meta.namespace)])];
    const live = snapshot.isAbsenceFact('pods') || meshNamespaces.every((ns) => snapshot.isAbsenceFact('pods', ns));
    const byNode = ambientPodsByNode(scan);
    // §2.3: every node with ambient pods needs a ready ztunnel; one finding per node.
    for (const [node, pods] of [...byNode].sort(([a], [b]) => a.localeCompare(b))) {
      const zt = ztunnelOnNode(snapshot, node);
      if (zt.ok) continue;
      const names = pods.map(podName);
      const detail =
        `${zt.detail}, and ${pods.length} ambient pod(s) run there (${listed(names)}): their connections are ` +
        'refused outbound and time out inbound, and new ambient pods there never start.';
      out.push(
        finding('AD201', detail, [zt.culprit ?? nodeRef(node), ...pods.map(podRef)], () => [
          ztunnelRemedy(node, zt.object),
        ]),
      );
    }
    const istiods = snapshot.pods.filter(isIstiod);
    if ((live || istiods.length > 0) && !istiods.some((p) => p.ready)) {
      const detail = istiods.length
        ? `No istiod pod is Ready (${listed(istiods.map((p) => refText(podRef(p))))}).`
        : `No istiod pod (label app=istiod) was found in ${
            snapshot.scope === 'all'
              ? 'the cluster'
              : `${listed(meshNamespaces)} (check -n reads no other namespace's pods)`
          }.`;
      out.push(
        finding(
          'AD203',
          `${detail} ztunnel and waypoints keep their last configuration but get no new workloads, policies or ` +
            'certificates; new pods cannot get an identity.',
          istiods.map(podRef),
        ),
      );
    }
    const cnis = snapshot.pods.filter(isCniAgent);
    if (live || cnis.length > 0) {
      for (const [node, pods] of [...byNode].sort(([a], [b]) => a.localeCompare(b))) {
        if (cnis.some((p) => p.nodeName === node && p.ready)) continue;
        const onNode = cnis.find((p) => p.nodeName === node);
        const detail =
          `${onNode ? `istio-cni ${refText(podRef(onNode))} is not Ready` : 'no istio-cni pod runs'} on node ` +
          `${node}, where ${pods.length} ambient pod(s) run (${listed(pods.map(podName))}): pods started there ` +
          'now stay ContainerCreating or are not captured.';
        out.push(finding('AD204', detail, [nodeRef(node), ...(onNode ? [podRef(onNode)] : [])]));
      }
    }
    appendAll(out, versionSkew(scan, istiods, cnis));
    return out;
  },
};

/** §0: the releases the components' images carry; more than one is a skew worth knowing. */
function versionSkew(scan: Scan, istiods: PodFact[], cnis: PodFact[]): Finding[] {
  const waypoints = scan.snapshot.pods.filter((p) => p.meta.labels[LABEL_GATEWAY_NAME]);
  const parts: { component: string; pods: PodFact[] }[] = [
    { component: 'istiod', pods: istiods },
    { component: 'istio-cni', pods: cnis },
    { component: 'ztunnel', pods: scan.snapshot.ztunnels },
    { component: 'waypoint', pods: waypoints },
  ];
  const versions = new Map<string, { component: string; pod: PodFact }[]>();
  for (const { component, pods } of parts) {
    for (const pod of pods) {
      const v = pod.containers.map((c) => versionOfImage(c.image)).find(Boolean);
      if (!v) continue;
      const list = versions.get(v);
      if (list) list.push({ component, pod });
      else versions.set(v, [{ component, pod }]);
    }
  }
  if (versions.size < 2) return [];
  const sorted = [...versions].sort(([a], [b]) => a.localeCompare(b, undefined, { numeric: true }));
  const text = sorted
    .map(([v, list]) => `${v}: ${[...new Set(list.map((x) => x.component))].join(', ')} (${list.length} pod(s))`)
    .join('; ');
  const detail =
    `The mesh runs ${versions.size} Istio releases (${text}). Rules that changed between releases (dry-run, DNS ` +
    'capture, log texts) then differ by node; finish the upgrade or roll back.';
  const oldest = sorted[0][1].map((x) => podRef(x.pod));
  return [finding('AD205', detail, oldest.slice(0, 10))];
}
