// §4.2: ztunnel compares principals without the spiffe:// prefix.
import { refTo } from '../../snapshot/ref.js';
import { finding } from '../../findings/finding.js';
import type { Analyzer, PolicySubject } from './analyzer.js';

export const spiffePrincipal: Analyzer<PolicySubject> = {
  codes: ['AD405'],
  analyze: (_ctx, { policy, conversion }) => {
    const spiffe = conversion.report.spiffePrincipals;
    if (spiffe.length === 0) return [];
    const detail =
      `AuthorizationPolicy ${policy.meta.namespace}/${policy.meta.name} names ${spiffe.join(', ')}; ztunnel compares ` +
      `principals without the spiffe:// prefix, so these never match. Write ${spiffe[0].replace('spiffe://', '')}.`;
    return [finding('AD405', detail, [refTo('AuthorizationPolicy', policy.meta)])];
  },
};
