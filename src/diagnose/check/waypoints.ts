// §6: every waypoint binding in the scanned namespaces, judged by the rule explain routes with
// (route.ts bindWaypoint): labels Istio ignores, waypoints that are missing, not ready, of the wrong
// traffic type or closed to the namespace; and (§6.3) waypoints nothing is bound to.
import type { ObjectMeta } from '../../snapshot/types.js';
import { namespaceRef, podRef, refTo, type ObjectRef } from '../../snapshot/ref.js';
import { ignoredWaypointLabels, waypointBinding, waypointFor } from '../../mesh/waypoints.js';
import { LABEL_USE_WAYPOINT, LABEL_USE_WAYPOINT_NAMESPACE } from '../../mesh/constants.js';
import { finding, type Finding } from '../../findings/finding.js';
import { enrollmentOf } from '../context.js';
import { podAddressed, serviceAddressed } from '../explain/resolve.js';
import { serviceEntryDestination, serviceTargets } from '../explain/resolve-destination.js';
import { bindWaypoint } from '../explain/route.js';
import type { CheckAnalyzer, Scan } from './analyzer.js';
import { appendAll } from '../../arrays.js';
import { isWaypointGateway } from '../../mesh/components.js';

const BINDING_CODES = new Set(['AD802', 'AD805', 'AD806', 'AD813']);

export const waypoints: CheckAnalyzer = {
  name: 'waypoints',
  codes: ['AD802', 'AD805', 'AD806', 'AD813', 'AD814'],
  run: (scan) => {
    const { snapshot } = scan;
    const out: Finding[] = [];
    const labelled: { ref: ObjectRef; meta: ObjectMeta }[] = [
      ...[...snapshot.namespaces.values()]
        .filter((n) => scan.inScope(n.meta.name))
        .map((n) => ({ ref: namespaceRef(n.meta.name), meta: n.meta })),
      ...snapshot.services
        .filter((s) => scan.inScope(s.meta.namespace))
        .map((s) => ({ ref: refTo('Service', s.meta), meta: s.meta })),
      ...snapshot.serviceEntries
        .filter((s) => scan.inScope(s.meta.namespace))
        .map((s) => ({ ref: refTo('ServiceEntry', s.meta), meta: s.meta })),
      ...scan.pods.map((p) => ({ ref: podRef(p), meta: p.meta })),
    ];
    for (const n of ignoredWaypointLabels(labelled)) out.push(finding('AD802', n.detail, n.objects));
    // The clients that would use a waypoint: one captured pod stands for all (§6.6).
    const client = snapshot.pods.find((p) => enrollmentOf(scan.ctx, p).captured);
    const clients = client ? [client] : [];
    for (const svc of snapshot.services) {
      if (!scan.inScope(svc.meta.namespace) || svc.ports.length === 0) continue;
      const ns = snapshot.namespaces.get(svc.meta.namespace);
      if (!waypointBinding({ ref: refTo('Service', svc.meta), meta: svc.meta }, ns, snapshot.gateways)) continue;
      const sp = svc.ports[0];
      const { targets, notReady } = serviceTargets(snapshot, svc, sp);
      const host = `${svc.meta.name}.${svc.meta.namespace}`;
      const dest = serviceAddressed(svc, sp, targets, notReady, { input: `${host}:${sp.port}`, host });
      appendAll(
        out,
        bindWaypoint(scan.ctx, clients, dest).findings.filter((f) => BINDING_CODES.has(f.code)),
      );
    }
    // ServiceEntries bind as Services do (§6.3, §9): an egress waypoint's ServiceEntry is the common case.
    for (const se of snapshot.serviceEntries) {
      if (!scan.inScope(se.meta.namespace) || se.ports.length === 0 || se.hosts.length === 0) continue;
      const ns = snapshot.namespaces.get(se.meta.namespace);
      if (!waypointBinding({ ref: refTo('ServiceEntry', se.meta), meta: se.meta }, ns, snapshot.gateways)) continue;
      const port = se.ports[0].number;
      const host = se.hosts[0];
      const dest = serviceEntryDestination(se, { host, port: String(port) }, { input: `${host}:${port}`, host });
      appendAll(
        out,
        bindWaypoint(scan.ctx, clients, dest).findings.filter((f) => BINDING_CODES.has(f.code)),
      );
    }
    // Pods with their own label are addressed by pod IP (§6.5).
    for (const pod of scan.pods) {
      if (pod.meta.labels[LABEL_USE_WAYPOINT] === undefined) continue;
      const port = pod.containers.flatMap((c) => c.ports)[0]?.containerPort ?? 80;
      const binding = bindWaypoint(scan.ctx, clients, podAddressed(pod, port));
      appendAll(
        out,
        binding.findings.filter((f) => BINDING_CODES.has(f.code)),
      );
    }
    appendAll(out, unusedWaypoints(scan));
    return out;
  },
};

/** §6.3: a waypoint Gateway that no Namespace, Service, ServiceEntry or Pod names, and no policy targets. */
function unusedWaypoints(scan: Scan): Finding[] {
  const { snapshot } = scan;
  const used = new Set<string>();
  const mark = (meta: ObjectMeta) => {
    const name = meta.labels[LABEL_USE_WAYPOINT];
    if (name) used.add(`${meta.labels[LABEL_USE_WAYPOINT_NAMESPACE] ?? meta.namespace ?? meta.name}/${name}`);
  };
  for (const n of snapshot.namespaces.values()) {
    const name = n.meta.labels[LABEL_USE_WAYPOINT];
    if (name) used.add(`${n.meta.labels[LABEL_USE_WAYPOINT_NAMESPACE] ?? n.meta.name}/${name}`);
  }
  for (const o of [...snapshot.services, ...snapshot.serviceEntries]) mark(o.meta);
  for (const p of snapshot.pods) mark(p.meta);
  for (const ap of snapshot.authorizationPolicies)
    for (const t of ap.targetRefs) if (t.kind === 'Gateway') used.add(`${ap.meta.namespace}/${t.name}`);
  // A read of some namespaces cannot see bindings from the others.
  if (snapshot.scope !== 'all') return [];
  return snapshot.gateways
    .filter((g) => scan.inScope(g.meta.namespace) && isWaypointGateway(g))
    .filter((g) => !used.has(`${g.meta.namespace}/${g.meta.name}`))
    .map((g) => {
      const serves = waypointFor(g, snapshot.gatewayClasses);
      const detail =
        `Waypoint ${g.meta.namespace}/${g.meta.name} (waypoint-for: ${serves}) is named by no ${LABEL_USE_WAYPOINT} ` +
        'label and targeted by no policy: no traffic goes through it. Bind it (label the namespace, Service or pod) ' +
        'or delete it.';
      return finding('AD814', detail, [refTo('Gateway', g.meta)]);
    });
}
