// What istiod itself says is wrong: the negative status conditions it writes on the objects this tool reads
// (istio.io/WaypointBound on Services and ServiceEntries, ZtunnelAccepted and WaypointAccepted on
// AuthorizationPolicies, Accepted/Programmed/ResolvedRefs on Gateways), relayed as istioctl relays them
// (IST0171, I:pkg/config/analysis/analyzers/conditions/conditions.go). Conditions other controllers write
// (Argo CD's, for one) are not istiod's and are left out.
import type { Condition, ObjectMeta } from '../../snapshot/types.js';
import { refTo, refText } from '../../snapshot/ref.js';
import { finding, type Finding } from '../../findings/finding.js';
import type { CheckAnalyzer } from './analyzer.js';

const NEGATIVE: Record<string, string[]> = {
  Service: ['istio.io/WaypointBound'],
  ServiceEntry: ['istio.io/WaypointBound'],
  AuthorizationPolicy: ['ZtunnelAccepted', 'WaypointAccepted'],
  Gateway: ['Accepted', 'Programmed', 'ResolvedRefs'],
};

function negative(kind: string, c: Condition): boolean {
  if (c.status === 'False' && NEGATIVE[kind]?.includes(c.type)) return true;
  // A policy whose targetRefs are partly invalid is accepted with this reason (istiod's own analyzer counts it).
  return kind === 'AuthorizationPolicy' && c.type === 'WaypointAccepted' && c.reason === 'PartiallyInvalid';
}

export const istioConditions: CheckAnalyzer = {
  name: 'istio-conditions',
  codes: ['AD815'],
  run: (scan) => {
    const { snapshot } = scan;
    const objects: { kind: string; meta: ObjectMeta; conditions: Condition[] }[] = [
      ...snapshot.services.map((s) => ({ kind: 'Service', ...s })),
      ...snapshot.serviceEntries.map((s) => ({ kind: 'ServiceEntry', ...s })),
      ...snapshot.authorizationPolicies.map((a) => ({ kind: 'AuthorizationPolicy', ...a })),
      ...snapshot.gateways.map((g) => ({ kind: 'Gateway', ...g })),
    ];
    const out: Finding[] = [];
    for (const o of objects) {
      if (!scan.inScope(o.meta.namespace)) continue;
      const said = (o.conditions ?? []).filter((c) => negative(o.kind, c));
      if (said.length === 0) continue;
      const ref = refTo(o.kind, o.meta);
      const quoted = said.map(
        (c) => `${c.type}=${c.status} (${c.reason ?? 'no reason'}${c.message ? `: ${c.message}` : ''})`,
      );
      out.push(finding('AD815', `istiod reports on ${refText(ref)}: ${quoted.join('; ')}.`, [ref]));
    }
    return out;
  },
};
