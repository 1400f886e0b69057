// §6.3, §6.7: which waypoint the labels ask for. Waypoint hops themselves are evaluated by a
// later version; this module only tells whether one may be in the path, and flags labels
// Istio ignores, so a verdict is never silently wrong.
import type { GatewayFact, NamespaceFact, ObjectMeta } from '../snapshot/types.js';
import { LABEL_USE_WAYPOINT, LABEL_USE_WAYPOINT_NAMESPACE, LABEL_WAYPOINT_WRONG } from './constants.js';

export interface WaypointBinding {
  /** The object whose label decided: `Service ns/name`, `Pod ns/name` or `Namespace ns`. */
  labelledObject: string;
  name: string;
  namespace: string;
  gateway?: GatewayFact;
}

export interface WaypointLabelNote {
  detail: string;
  objects: string[];
}

/** The object's own label wins; the namespace label applies only when the object has none (§6.3). */
export function waypointBinding(
  object: { ref: string; meta: ObjectMeta } | undefined,
  ns: NamespaceFact | undefined,
  gateways: GatewayFact[],
): WaypointBinding | undefined {
  const candidates: { ref: string; labels: Record<string, string>; namespace: string }[] = [];
  if (object) candidates.push({ ref: object.ref, labels: object.meta.labels, namespace: object.meta.namespace });
  if (ns) candidates.push({ ref: `Namespace ${ns.meta.name}`, labels: ns.meta.labels, namespace: ns.meta.name });
  for (const c of candidates) {
    const value = c.labels[LABEL_USE_WAYPOINT];
    if (value === undefined) continue;
    if (value === 'none') return undefined;
    const namespace = c.labels[LABEL_USE_WAYPOINT_NAMESPACE] ?? c.namespace;
    const gateway = gateways.find((g) => g.meta.namespace === namespace && g.meta.name === value);
    return { labelledObject: c.ref, name: value, namespace, gateway };
  }
  return undefined;
}

/** §6.7 labels that look like waypoint settings but do nothing. */
export function ignoredWaypointLabels(objects: { ref: string; meta: ObjectMeta }[]): WaypointLabelNote[] {
  const notes: WaypointLabelNote[] = [];
  for (const o of objects) {
    const wrong = o.meta.labels[LABEL_WAYPOINT_WRONG];
    if (wrong !== undefined) {
      notes.push({
        detail: `${o.ref} has the label ${LABEL_WAYPOINT_WRONG}=${wrong}, which Istio ignores; traffic is bound to a waypoint only by ${LABEL_USE_WAYPOINT}=<waypoint name>.`,
        objects: [o.ref],
      });
    }
    const use = o.meta.labels[LABEL_USE_WAYPOINT];
    if (use === 'enabled' || use === 'true') {
      notes.push({
        detail: `${o.ref} has ${LABEL_USE_WAYPOINT}=${use}: the value is a waypoint name, so Istio looks for a waypoint called "${use}".`,
        objects: [o.ref],
      });
    }
    if (o.meta.labels['istio.io/waypoint-for'] !== undefined && !o.ref.startsWith('Gateway')) {
      notes.push({ detail: `${o.ref} has istio.io/waypoint-for, which is read only on a waypoint Gateway or its GatewayClass.`, objects: [o.ref] });
    }
  }
  return notes;
}
