// §4.2: ipBlocks at ztunnel match the TCP peer address, which is not always the client's pod IP.
import { refTo } from '../../snapshot/ref.js';
import { finding } from '../../findings/finding.js';
import type { Analyzer, PolicySubject } from './analyzer.js';

export const ipBlocksAtZtunnel: Analyzer<PolicySubject> = {
  codes: ['AD412'],
  analyze: (ctx, { policy }) => {
    const uses = (policy.rules ?? []).some((r) =>
      (r.from ?? []).some((f) => f.source?.ipBlocks?.length || f.source?.notIpBlocks?.length),
    );
    if (!uses) return [];
    const detail =
      `AuthorizationPolicy ${policy.meta.namespace}/${policy.meta.name} uses ipBlocks; ztunnel compares them ` +
      `with the ` +
      "TCP peer address: the source pod IP directly, the waypoint's IP through a waypoint, and " +
      `${ctx.snapshot.mesh.probeSnatIPv4} never (probes skip ztunnel).`;
    return [finding('AD412', detail, [refTo('AuthorizationPolicy', policy.meta)])];
  },
};
