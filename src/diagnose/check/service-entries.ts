// ServiceEntries of one namespace that give one host and port different protocols (istioctl IST0177). istiod
// keeps one Service per hostname and namespace, the oldest (a Kubernetes Service before any ServiceEntry), so the
// proxies built from its index (waypoints, gateways, sidecars) take that one's protocol and ignore the other's
// [I:pilot/pkg/model/push_context.go `initServiceRegistry`]. ztunnel forwards bytes and does not read it.
import type { ServiceEntryFact } from '../../snapshot/types.js';
import { refTo } from '../../snapshot/ref.js';
import { finding, type Finding } from '../../findings/finding.js';
import { compareText } from '../../order.js';
import type { CheckAnalyzer } from './analyzer.js';

/** HTTP-family names count as one protocol only when spelled alike: istiod builds different chains for each. */
const protocolOf = (p: { protocol?: string }) => (p.protocol ?? 'TCP').toUpperCase();

export const serviceEntryProtocols: CheckAnalyzer = {
  name: 'service-entry-protocols',
  codes: ['AD816'],
  run: (scan) => {
    const byKey = new Map<string, { se: ServiceEntryFact; protocol: string }[]>();
    for (const se of scan.snapshot.serviceEntries) {
      for (const host of se.hosts)
        for (const port of se.ports) {
          const key = `${se.meta.namespace}\u0000${host}\u0000${port.number}`;
          byKey.set(key, [...(byKey.get(key) ?? []), { se, protocol: protocolOf(port) }]);
        }
    }
    const out: Finding[] = [];
    const reported = new Set<ServiceEntryFact>();
    for (const [key, entries] of byKey) {
      const protocols = [...new Set(entries.map((e) => e.protocol))].sort(compareText);
      if (protocols.length < 2) continue;
      const [namespace, host, port] = key.split('\u0000');
      if (!scan.inScope(namespace)) continue;
      const names = [...new Set(entries.map((e) => e.se.meta.name))].sort(compareText);
      for (const { se } of entries) {
        if (reported.has(se)) continue;
        reported.add(se);
        const detail =
          `ServiceEntries ${names.map((n) => `${namespace}/${n}`).join(', ')} give ${host}:${port} different ` +
          `protocols (${protocols.join(', ')}). istiod keeps only the oldest ServiceEntry for a host in a namespace, ` +
          "so waypoints and gateways take the port's protocol from that one; which it is depends on creation order.";
        out.push(finding('AD816', detail, [refTo('ServiceEntry', se.meta)]));
      }
    }
    return out;
  },
};
