// §4.1: a policy with targetRefs is enforced by a waypoint only; ztunnel ignores it.
import type { PodFact } from '../../snapshot/types.js';
import { refTo } from '../../snapshot/ref.js';
import { servicesSelecting } from '../../mesh/services.js';
import { finding } from '../../findings/finding.js';
import type { Analyzer } from './analyzer.js';

export const targetRefsSkipZtunnel: Analyzer<PodFact> = {
  codes: ['AD410'],
  analyze: (ctx, destination) => {
    const services = servicesSelecting(ctx.snapshot, destination);
    return ctx.snapshot.authorizationPolicies.flatMap((ap) => {
      if (ap.targetRefs.length === 0 || ap.meta.namespace !== destination.meta.namespace) return [];
      const hits = ap.targetRefs.filter(
        (t) => (t.kind === 'Service' && services.some((s) => s.meta.name === t.name)) || t.kind === 'Gateway',
      );
      if (hits.length === 0) return [];
      const detail =
        `AuthorizationPolicy ${ap.meta.namespace}/${ap.meta.name} uses targetRefs ` +
        `(${hits.map((h) => `${h.kind} ${h.name}`).join(', ')}): only a waypoint enforces it; ztunnel ignores ` +
        `it on this path.`;
      return [finding('AD410', detail, [refTo('AuthorizationPolicy', ap.meta)])];
    });
  },
};
