// §4.6: ztunnel does not apply trust-domain aliases; a principal from another trust domain never matches.
import { refTo } from '../../snapshot/ref.js';
import { finding } from '../../findings/finding.js';
import type { Analyzer, PolicySubject } from './analyzer.js';

export const foreignTrustDomain: Analyzer<PolicySubject> = {
  codes: ['AD409'],
  analyze: (ctx, { policy }) => {
    const td = ctx.snapshot.mesh.trustDomain;
    if (td === 'cluster.local') return [];
    const foreign = (policy.rules ?? [])
      .flatMap((r) =>
        (r.from ?? []).flatMap((f) => [...(f.source?.principals ?? []), ...(f.source?.notPrincipals ?? [])]),
      )
      .filter((p) => !p.startsWith('spiffe://') && p.includes('/ns/') && !p.startsWith(`${td}/`) && p !== '*');
    if (foreign.length === 0) return [];
    const detail =
      `AuthorizationPolicy ${policy.meta.namespace}/${policy.meta.name} names ${foreign.join(', ')}, but the mesh ` +
      `trust domain is ${td}; ztunnel does not apply trust-domain aliases, so these never match.`;
    return [finding('AD409', detail, [refTo('AuthorizationPolicy', policy.meta)])];
  },
};
