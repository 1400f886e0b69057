// §4.3: HTTP fields in a policy that ztunnel enforces. istiod strips them from DENY rules (a
// no-op, or a broader deny), and on 1.24-1.30 its status message calls the no-op "more restrictive".
import { refTo } from '../../snapshot/ref.js';
import { finding, type Finding, type Remedy } from '../../findings/finding.js';
import { servicesSelecting } from '../../mesh/services.js';
import type { PodFact } from '../../snapshot/types.js';
import type { EvalContext } from '../context.js';
import { targetRefPolicyFix } from '../explain/authz-explain.js';
import type { Analyzer, PolicySubject } from './analyzer.js';
import { note } from '../../findings/command.js';

export const httpFieldsAtZtunnel: Analyzer<PolicySubject> = {
  codes: ['AD404', 'AD813'],
  analyze: (ctx, { policy, conversion, destination }) => {
    const name = `AuthorizationPolicy ${policy.meta.namespace}/${policy.meta.name}`;
    const ref = refTo('AuthorizationPolicy', policy.meta);
    const out: Finding[] = [];
    for (const d of conversion.report.strippedRules) {
      const detail = d.noOp
        ? `${name} rule ${d.index + 1} uses HTTP fields (${d.fields.join(', ')}); ztunnel removes them and the rule ` +
          'keeps a clause that matches nothing, so this DENY rule has no effect at ztunnel. The ' +
          'ZtunnelAccepted status ' +
          'message (1.24-1.30) wrongly says it is "more restrictive".'
        : `${name} rule ${d.index + 1} uses HTTP fields (${d.fields.join(', ')}); ztunnel enforces it without them, ` +
          'which denies more than written.';
      const fix = (): Remedy[] => [
        {
          title: 'Enforce the HTTP rules at a waypoint: target the Service instead of selecting pods',
          apply: [targetRefPolicyFix(policy, service(ctx, destination))],
          commands: [note('needs a waypoint bound to the Service (istio.io/use-waypoint)')],
        },
      ];
      out.push(finding('AD404', detail, [ref], fix));
    }
    const accepted = policy.conditions.find((c) => c.type === 'ZtunnelAccepted');
    const stripped = conversion.report.strippedRules;
    const misleading =
      !!accepted?.message &&
      /more restrictive/i.test(accepted.message) &&
      policy.action === 'DENY' &&
      stripped.length > 0 &&
      stripped.every((r) => r.noOp);
    if (misleading) {
      const detail =
        `${name} has status ZtunnelAccepted "${accepted!.message}", but every rule with HTTP fields is a no-op at ` +
        'ztunnel, so this DENY has no effect there (the message is misleading on Istio 1.24-1.30).';
      out.push(finding('AD813', detail, [ref]));
    }
    return out;
  },
};

function service(ctx: EvalContext, pod: PodFact): { kind: 'Service'; name: string } | undefined {
  const svc = servicesSelecting(ctx.snapshot, pod)[0];
  return svc ? { kind: 'Service', name: svc.meta.name } : undefined;
}
