// §7, §8: every workload's network probes, as `probes` judges them: a NetworkPolicy that drops the
// kubelet's SNAT address (169.254.7.127 by default) fails the probes of captured pods.
import { workloadName } from '../../mesh/connectivity.js';
import type { Finding } from '../../findings/finding.js';
import { probes } from '../explain/probes.js';
import type { CheckAnalyzer } from './analyzer.js';
import { appendAll } from '../../arrays.js';

const NETWORK_HANDLERS = new Set(['httpGet', 'tcpSocket', 'grpc']);

export const probeReachability: CheckAnalyzer = {
  name: 'probes',
  codes: ['AD505', 'AD201', 'AD109'],
  run: (scan) => {
    const out: Finding[] = [];
    const seen = new Set<string>();
    for (const pod of scan.pods) {
      if (!pod.containers.some((c) => c.probes.some((p) => NETWORK_HANDLERS.has(p.handler)))) continue;
      // One pod per workload: replicas share their probes and labels.
      const name = workloadName(pod);
      if (seen.has(name)) continue;
      seen.add(name);
      const report = probes(scan.snapshot, `${pod.meta.namespace}/${pod.meta.name}`, pod.meta.namespace, undefined, {
        prove: false,
        ctx: scan.ctx,
      });
      if (report.verdict.outcome === 'denied' || report.verdict.outcome === 'partial')
        appendAll(
          out,
          report.findings.filter((f) => f.severity === 'error'),
        );
    }
    return out;
  },
};
