// §4: every AuthorizationPolicy that applies at an ambient pod's ztunnel, through the note analyzers
// explain's ztunnel hop runs (L7 fields, SPIFFE principals, dry-run, dropped values, trust domain,
// ipBlocks, CUSTOM/AUDIT), once per policy with one pod it applies to.
import type { AuthorizationPolicyFact, PodFact } from '../../snapshot/types.js';
import { finding, type Finding } from '../../findings/finding.js';
import { refTo } from '../../snapshot/ref.js';
import type { ConversionResult } from '../../mesh/authorization.js';
import { conversionOf, enrollmentOf, policiesAt } from '../context.js';
import { NOTES, runNotes } from '../notes/index.js';
import type { CheckAnalyzer } from './analyzer.js';
import { appendAll } from '../../arrays.js';

export const authorization: CheckAnalyzer = {
  name: 'authorization',
  codes: ['AD403', ...NOTES.policy.flatMap((a) => a.codes), ...NOTES.destination.flatMap((a) => a.codes)],
  run: (scan) => {
    const { ctx } = scan;
    const firstPod = new Map<AuthorizationPolicyFact, PodFact>();
    const out: Finding[] = [];
    const withTargetRefs = new Set(
      scan.snapshot.authorizationPolicies.filter((ap) => ap.targetRefs.length > 0).map((ap) => ap.meta.namespace),
    );
    for (const pod of scan.pods) {
      if (!enrollmentOf(ctx, pod).captured) continue;
      for (const ap of policiesAt(ctx, pod)) if (!firstPod.has(ap)) firstPod.set(ap, pod);
      // §4.1: targetRefs policies that ztunnel skips (only where the namespace has any).
      if (withTargetRefs.has(pod.meta.namespace)) appendAll(out, runNotes(ctx, NOTES.destination, pod));
    }
    for (const [policy, destination] of firstPod) {
      const conversion = conversionOf(ctx, policy);
      appendAll(out, runNotes(ctx, NOTES.policy, { policy, conversion, destination }));
      appendAll(out, droppedHttpRules(policy, conversion));
    }
    return out;
  },
};

/**
 * §4.3: an ALLOW at ztunnel whose rules use HTTP fields loses those rules, even where no client in
 * the input shows it yet (the connection analyzer reports it with the connections it breaks).
 */
function droppedHttpRules(policy: AuthorizationPolicyFact, conversion: ConversionResult): Finding[] {
  const dropped = conversion.report.droppedRules;
  if (policy.action !== 'ALLOW' || dropped.length === 0) return [];
  const fields = [...new Set(dropped.flatMap((r) => r.fields))];
  const total = policy.rules?.length ?? 0;
  const detail =
    `AuthorizationPolicy ${policy.meta.namespace}/${policy.meta.name} is enforced by ztunnel (selector, no ` +
    `targetRefs) but ${dropped.length} of its ${total} rule(s) use HTTP fields (${fields.join(', ')}). istiod ` +
    'drops those rules; the ALLOW still applies, so whatever they were meant to admit is reset' +
    (dropped.length === total ? ': with no rule left, it admits no one.' : '.');
  return [finding('AD403', detail, [refTo('AuthorizationPolicy', policy.meta)])];
}
