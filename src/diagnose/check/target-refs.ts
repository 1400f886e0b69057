// §4.1, §6.4: a policy with targetRefs is enforced only by the waypoint (or gateway) it targets, so a
// target that does not exist, or a Service/ServiceEntry bound to no waypoint, leaves it enforced nowhere.
import type { AuthorizationPolicyFact, TargetRef } from '../../snapshot/types.js';
import { refTo } from '../../snapshot/ref.js';
import { waypointBinding } from '../../mesh/waypoints.js';
import { finding, type Finding } from '../../findings/finding.js';
import type { CheckAnalyzer, Scan } from './analyzer.js';

function problemOf(scan: Scan, ap: AuthorizationPolicyFact, t: TargetRef): string | undefined {
  const { snapshot } = scan;
  const ns = t.namespace ?? ap.meta.namespace;
  const nsFact = snapshot.namespaces.get(ns);
  const same = (m: { name: string; namespace: string }) => m.name === t.name && m.namespace === ns;
  switch (t.kind) {
    case 'Service':
    case 'ServiceEntry': {
      const list = t.kind === 'Service' ? snapshot.services : snapshot.serviceEntries;
      const target = list.find((o) => same(o.meta));
      if (!target)
        return `${t.kind} ${ns}/${t.name} does not exist${snapshot.origin === 'files' ? ' in the input' : ''}`;
      const binding = waypointBinding(
        { ref: refTo(t.kind, target.meta), meta: target.meta },
        nsFact,
        snapshot.gateways,
      );
      if (!binding) return `${t.kind} ${ns}/${t.name} is bound to no waypoint (no istio.io/use-waypoint)`;
      const waypoint = `${binding.namespace}/${binding.name}`;
      if (!binding.gateway) return `${t.kind} ${ns}/${t.name} is bound to waypoint ${waypoint}, which does not exist`;
      return undefined;
    }
    case 'Gateway':
      return snapshot.gateways.some((g) => same(g.meta)) ? undefined : `Gateway ${ns}/${t.name} does not exist`;
    case 'GatewayClass':
      return snapshot.gatewayClasses.some((c) => c.name === t.name)
        ? undefined
        : `GatewayClass ${t.name} does not exist`;
    default:
      return undefined;
  }
}

export const targetRefs: CheckAnalyzer = {
  name: 'target-refs',
  codes: ['AD413'],
  run: (scan) => {
    // A live read of some namespaces may miss a Gateway elsewhere; files and -A see what exists.
    const out: Finding[] = [];
    for (const ap of scan.snapshot.authorizationPolicies) {
      if (ap.targetRefs.length === 0 || !scan.inScope(ap.meta.namespace)) continue;
      const problems = ap.targetRefs.map((t) => problemOf(scan, ap, t)).filter((p): p is string => !!p);
      if (problems.length === 0 || problems.length < ap.targetRefs.length) continue;
      const detail =
        `AuthorizationPolicy ${ap.meta.namespace}/${ap.meta.name} has targetRefs, so only a waypoint or gateway ` +
        `enforces it and ztunnel ignores it; but ${problems.join('; ')}. ` +
        `Its ${ap.action ?? 'ALLOW'} rules are enforced nowhere.`;
      out.push(finding('AD413', detail, [refTo('AuthorizationPolicy', ap.meta)]));
    }
    return out;
  },
};
