// §4.4: ztunnel enforces only ALLOW and DENY; CUSTOM and AUDIT are not sent to it.
import { refTo } from '../../snapshot/ref.js';
import { finding } from '../../findings/finding.js';
import { podName } from '../context.js';
import type { Analyzer, PolicySubject } from './analyzer.js';

export const unsupportedAction: Analyzer<PolicySubject> = {
  codes: ['AD406'],
  analyze: (_ctx, { policy, conversion, destination }) => {
    if (conversion.notSent !== 'CUSTOM' && conversion.notSent !== 'AUDIT') return [];
    const detail =
      `AuthorizationPolicy ${policy.meta.namespace}/${policy.meta.name} uses action ${policy.action}, which ztunnel ` +
      `does not support: it is not enforced for ${podName(destination)} (fail-open). Enforce it at a waypoint ` +
      `with targetRefs.`;
    return [finding('AD406', detail, [refTo('AuthorizationPolicy', policy.meta)])];
  },
};
