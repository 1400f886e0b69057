// §4.9: values istiod cannot convert are dropped without a warning.
import { refTo } from '../../snapshot/ref.js';
import { finding } from '../../findings/finding.js';
import type { Analyzer, PolicySubject } from './analyzer.js';

export const droppedValues: Analyzer<PolicySubject> = {
  codes: ['AD411'],
  analyze: (_ctx, { policy, conversion }) => {
    const dropped = conversion.report.droppedValues;
    if (dropped.length === 0) return [];
    const detail =
      `AuthorizationPolicy ${policy.meta.namespace}/${policy.meta.name} has values istiod drops without warning: ` +
      `${dropped.join(', ')}. A match left with no fields never matches.`;
    return [finding('AD411', detail, [refTo('AuthorizationPolicy', policy.meta)])];
  },
};
