// §11 row 23: a Service with a selector whose pods are none ready: every client is reset or refused.
// The finding is the one explain's no-endpoints path builds.
import type { Finding } from '../../findings/finding.js';
import { serviceAddressed } from '../explain/resolve.js';
import { serviceTargets } from '../explain/resolve-destination.js';
import { noEndpointsPath } from '../paths/outside.js';
import type { CheckAnalyzer, Scan } from './analyzer.js';
import type { ServiceFact } from '../../snapshot/types.js';
import { LABEL_GATEWAY_NAME } from '../../mesh/constants.js';
import { isWaypointGateway } from '../../mesh/components.js';

/** The Service istiod generates for a waypoint: a waypoint without pods is AD810 on its Gateway, the cause. */
function isWaypointService(scan: Scan, svc: ServiceFact): boolean {
  const name = svc.selector?.[LABEL_GATEWAY_NAME];
  return (
    !!name &&
    scan.snapshot.gateways.some(
      (g) => g.meta.namespace === svc.meta.namespace && g.meta.name === name && isWaypointGateway(g),
    )
  );
}

export const serviceEndpoints: CheckAnalyzer = {
  name: 'service-endpoints',
  codes: ['AD701'],
  run: (scan) => {
    const out: Finding[] = [];
    for (const svc of scan.snapshot.services) {
      if (!scan.inScope(svc.meta.namespace) || !svc.selector || svc.ports.length === 0) continue;
      if (svc.type === 'ExternalName' || isWaypointService(scan, svc)) continue;
      const sp = svc.ports[0];
      const { targets, notReady } = serviceTargets(scan.snapshot, svc, sp);
      if (targets.length > 0) continue;
      const host = `${svc.meta.name}.${svc.meta.namespace}`;
      const dest = serviceAddressed(svc, sp, targets, notReady, { input: `${host}:${sp.port}`, host });
      const decisive = noEndpointsPath(scan.ctx, undefined, dest, false).decisive;
      if (decisive) out.push(decisive);
    }
    return out;
  },
};
