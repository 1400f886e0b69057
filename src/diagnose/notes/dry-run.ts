// §4.4: whether ztunnel enforces a dry-run policy depends on the Istio version.
import { refTo } from '../../snapshot/ref.js';
import { dryRunEnforced, isDryRun } from '../../mesh/authorization.js';
import { finding } from '../../findings/finding.js';
import type { Analyzer, PolicySubject } from './analyzer.js';

export const dryRun: Analyzer<PolicySubject> = {
  codes: ['AD407'],
  analyze: (ctx, { policy }) => {
    if (!isDryRun(policy)) return [];
    const name = `AuthorizationPolicy ${policy.meta.namespace}/${policy.meta.name}`;
    const version = ctx.snapshot.mesh.istioVersion;
    const enforced = dryRunEnforced(version);
    const detail =
      enforced === true
        ? `${name} is marked dry-run, but Istio ${version} ignores dry-run for ambient: the policy IS enforced.`
        : enforced === false
          ? `${name} is marked dry-run; Istio ${version} drops it for ztunnel (not enforced, not logged unless ` +
            'AMBIENT_ENABLE_DRY_RUN_AUTHORIZATION_POLICY is set).'
          : `${name} is marked dry-run. The Istio version is not in the input: from 1.29 it is not enforced (the ` +
            'verdict assumes this); up to 1.28 it IS enforced.';
    return [finding('AD407', detail, [refTo('AuthorizationPolicy', policy.meta)])];
  },
};
