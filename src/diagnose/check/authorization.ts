// §4: every AuthorizationPolicy that applies at an ambient pod's ztunnel, through the note analyzers
// explain's ztunnel hop runs (L7 fields, SPIFFE principals, dry-run, dropped values, trust domain,
// ipBlocks, CUSTOM/AUDIT), once per policy with one pod it applies to.
import type { AuthorizationPolicyFact, PodFact } from '../../snapshot/types.js';
import type { Finding } from '../../findings/finding.js';
import { conversionOf, enrollmentOf, policiesAt } from '../context.js';
import { NOTES, runNotes } from '../notes/index.js';
import type { CheckAnalyzer } from './analyzer.js';

export const authorization: CheckAnalyzer = {
  name: 'authorization',
  codes: [...NOTES.policy.flatMap((a) => a.codes), ...NOTES.destination.flatMap((a) => a.codes)],
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
      if (withTargetRefs.has(pod.meta.namespace)) out.push(...runNotes(ctx, NOTES.destination, pod));
    }
    for (const [policy, destination] of firstPod) {
      out.push(...runNotes(ctx, NOTES.policy, { policy, conversion: conversionOf(ctx, policy), destination }));
    }
    return out;
  },
};
