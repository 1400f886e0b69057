// §3.1: the PeerAuthentication levels at every ambient pod, with the notes explain's ztunnel hop
// reports (root selectors ignored, several at one level, DISABLE between ambient pods).
import type { Finding } from '../../findings/finding.js';
import { enrollmentOf, mtlsOf } from '../context.js';
import { NOTES, runNotes } from '../notes/index.js';
import type { CheckAnalyzer } from './analyzer.js';
import { appendAll } from '../../arrays.js';

export const peerAuthentication: CheckAnalyzer = {
  name: 'peer-authentication',
  codes: NOTES.mtls.flatMap((a) => a.codes),
  run: (scan) => {
    const out: Finding[] = [];
    const seen = new Set<unknown>();
    for (const pod of scan.pods) {
      if (!enrollmentOf(scan.ctx, pod).captured) continue;
      const mtls = mtlsOf(scan.ctx, pod);
      // Pods under the same PeerAuthentications get the same notes.
      const { levels } = mtls;
      const named = [
        levels.mesh,
        levels.namespace,
        levels.workload,
        ...levels.shadowed,
        ...levels.ignoredRootSelectors,
      ];
      const key = [
        pod.meta.namespace,
        mtls.mode,
        ...named.map((pa) => (pa ? `${pa.meta.namespace}/${pa.meta.name}` : '-')),
      ].join(' ');
      if (seen.has(key)) continue;
      seen.add(key);
      appendAll(out, runNotes(scan.ctx, NOTES.mtls, { destination: pod, mtls }));
    }
    return out;
  },
};
