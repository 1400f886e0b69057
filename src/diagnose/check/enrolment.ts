// §1: every pod's enrolment problems, as the capture hop reports them (one per workload and code:
// the replicas of one workload share their labels), and namespace labels that conflict.
import { workloadName } from '../../mesh/connectivity.js';
import type { Finding } from '../../findings/finding.js';
import { enrollmentFindings, enrollmentOf } from '../context.js';
import { ambientOnlySelection } from '../../mesh/sidecar-resources.js';
import { injectionLabelConflict } from '../../mesh/enrollment.js';
import { finding } from '../../findings/finding.js';
import { namespaceRef, refTo } from '../../snapshot/ref.js';
import type { CheckAnalyzer } from './analyzer.js';

export const enrolment: CheckAnalyzer = {
  name: 'enrolment',
  codes: ['AD102', 'AD103', 'AD104', 'AD105', 'AD106', 'AD107', 'AD108', 'AD109', 'AD110', 'AD111', 'AD112', 'AD115'],
  run: (scan) => {
    const seen = new Set<string>();
    const out: Finding[] = [];
    // A namespace's labels are judged without waiting for a pod (istioctl IST0123 does the same).
    for (const ns of scan.snapshot.namespaces.values()) {
      if (!scan.inScope(ns.meta.name)) continue;
      const conflict = injectionLabelConflict(ns);
      if (conflict) out.push(finding('AD108', conflict, [namespaceRef(ns.meta.name)]));
    }
    for (const pod of scan.pods) {
      for (const f of enrollmentFindings(scan.ctx, pod)) {
        const key = `${f.code} ${workloadName(pod)}`;
        if (seen.has(key)) continue;
        seen.add(key);
        out.push(f);
      }
    }
    for (const sidecar of scan.snapshot.sidecarResources) {
      if (!scan.inScope(sidecar.meta.namespace)) continue;
      const root = scan.snapshot.mesh.rootNamespace;
      const ambient = ambientOnlySelection(sidecar, scan.pods, root, (p) => enrollmentOf(scan.ctx, p).mode);
      if (!ambient) continue;
      const names = ambient.slice(0, 3).map((p) => `${p.meta.namespace}/${p.meta.name}`);
      const more = ambient.length > 3 ? ` and ${ambient.length - 3} more` : '';
      const detail =
        `Sidecar ${sidecar.meta.namespace}/${sidecar.meta.name} selects only ambient pods ` +
        `(${names.join(', ')}${more}), ` +
        'which run no sidecar proxy: it has no effect on them. Their egress and inbound settings come from ztunnel ' +
        'and waypoints.';
      out.push(finding('AD115', detail, [refTo('Sidecar', sidecar.meta)]));
    }
    return out;
  },
};
