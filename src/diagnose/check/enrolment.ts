// §1: every pod's enrolment problems, as the capture hop reports them (one per workload and code:
// the replicas of one workload share their labels).
import { workloadName } from '../../mesh/connectivity.js';
import type { Finding } from '../../findings/finding.js';
import { enrollmentFindings } from '../context.js';
import type { CheckAnalyzer } from './analyzer.js';

export const enrolment: CheckAnalyzer = {
  name: 'enrolment',
  codes: ['AD102', 'AD103', 'AD104', 'AD105', 'AD106', 'AD107', 'AD108', 'AD109', 'AD110', 'AD111', 'AD112'],
  run: (scan) => {
    const seen = new Set<string>();
    const out: Finding[] = [];
    for (const pod of scan.pods) {
      for (const f of enrollmentFindings(scan.ctx, pod)) {
        const key = `${f.code} ${workloadName(pod)}`;
        if (seen.has(key)) continue;
        seen.add(key);
        out.push(f);
      }
    }
    return out;
  },
};
