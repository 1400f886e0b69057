// §6.3, §6.7: which waypoint the labels ask for. Waypoint hops themselves are evaluated by a
// later version; this module only tells whether one may be in the path, and flags labels
// Istio ignores, so a verdict is never silently wrong.
import type { GatewayFact, NamespaceFact, ObjectMeta, PodFact, Snapshot } from '../snapshot/types.js';
import { selectorMatches } from './labels.js';
import { goParseBoolTrue } from './go-values.js';
import { namespaceRef, refText, type ObjectRef } from '../snapshot/ref.js';
import {
  LABEL_INGRESS_USE_WAYPOINT,
  LABEL_USE_WAYPOINT,
  LABEL_USE_WAYPOINT_NAMESPACE,
  LABEL_WAYPOINT_WRONG,
  LABEL_GATEWAY_NAME,
  LABEL_GATEWAY_MANAGED,
  MESH_CONTROLLER_LABEL,
  EAST_WEST_CONTROLLER_LABEL,
} from './constants.js';

export interface WaypointBinding {
  /** The object whose label decided: a Service, ServiceEntry, Pod or the Namespace. */
  labelledObject: ObjectRef;
  name: string;
  namespace: string;
  gateway?: GatewayFact;
}

export interface WaypointLabelNote {
  detail: string;
  objects: ObjectRef[];
}

/** The object's own label wins; the namespace label applies only when the object has none (§6.3). */
export function waypointBinding(
  object: { ref: ObjectRef; meta: ObjectMeta } | undefined,
  ns: NamespaceFact | undefined,
  gateways: GatewayFact[],
): WaypointBinding | undefined {
  // A waypoint's or east-west gateway's own Service never has a waypoint (§6.3).
  const managed = object?.meta.labels[LABEL_GATEWAY_MANAGED];
  if (object?.ref.kind !== 'Pod' && (managed === MESH_CONTROLLER_LABEL || managed === EAST_WEST_CONTROLLER_LABEL))
    return undefined;
  const candidates: { ref: ObjectRef; labels: Record<string, string>; namespace: string }[] = [];
  if (object) candidates.push({ ref: object.ref, labels: object.meta.labels, namespace: object.meta.namespace });
  if (ns) candidates.push({ ref: namespaceRef(ns.meta.name), labels: ns.meta.labels, namespace: ns.meta.name });
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
export function ignoredWaypointLabels(objects: { ref: ObjectRef; meta: ObjectMeta }[]): WaypointLabelNote[] {
  const notes: WaypointLabelNote[] = [];
  for (const o of objects) {
    const name = refText(o.ref);
    const wrong = o.meta.labels[LABEL_WAYPOINT_WRONG];
    if (wrong !== undefined) {
      notes.push({
        detail:
          `${name} has the label ${LABEL_WAYPOINT_WRONG}=${wrong}, which Istio ignores; traffic is bound to a ` +
          `waypoint only by ${LABEL_USE_WAYPOINT}=<waypoint name>.`,
        objects: [o.ref],
      });
    }
    const use = o.meta.labels[LABEL_USE_WAYPOINT];
    if (use === 'enabled' || use === 'true') {
      notes.push({
        detail:
          `${name} has ${LABEL_USE_WAYPOINT}=${use}: the value is a waypoint name, so Istio looks for a waypoint ` +
          `called "${use}".`,
        objects: [o.ref],
      });
    }
    if (use?.includes('/') || use?.startsWith('#')) {
      notes.push({
        detail:
          `${name} has ${LABEL_USE_WAYPOINT}=${use}, which is not a waypoint name; name the waypoint and put its ` +
          `namespace in ${LABEL_USE_WAYPOINT_NAMESPACE}.`,
        objects: [o.ref],
      });
    }
    if (o.meta.annotations[LABEL_USE_WAYPOINT] !== undefined && use === undefined) {
      notes.push({
        detail: `${name} has ${LABEL_USE_WAYPOINT} as an annotation; Istio reads only the label.`,
        objects: [o.ref],
      });
    }
    if (o.meta.labels['istio.io/waypoint-for'] !== undefined && o.ref.kind !== 'Gateway') {
      notes.push({
        detail: `${name} has istio.io/waypoint-for, which is read only on a waypoint Gateway or its GatewayClass.`,
        objects: [o.ref],
      });
    }
  }
  return notes;
}

/** §6.2: `service`, `workload`, `all`, `none`, or any other value, which serves no traffic at all. */
export type TrafficType = string;

/** §6.2: the Gateway's label, then its GatewayClass's, then `service`. istiod keeps the value as written. */
export function waypointFor(gateway: GatewayFact, classes: Snapshot['gatewayClasses']): TrafficType {
  const own = gateway.meta.labels['istio.io/waypoint-for'];
  const cls = classes.find((c) => c.name === gateway.gatewayClassName)?.labels['istio.io/waypoint-for'];
  return own ?? cls ?? 'service';
}

/** §4.7: the waypoint's service account, and so its identity at the destination ztunnel. */
export function waypointServiceAccount(gateway: GatewayFact): string {
  return gateway.meta.annotations['gateway.istio.io/service-account'] ?? gateway.meta.name;
}

export function waypointPods(gateway: GatewayFact, pods: PodFact[]): PodFact[] {
  return pods.filter(
    (p) => p.meta.namespace === gateway.meta.namespace && p.meta.labels[LABEL_GATEWAY_NAME] === gateway.meta.name,
  );
}

export type BindingProblem =
  | { kind: 'missing' }
  | { kind: 'not-ready' }
  | { kind: 'traffic-type'; supports: TrafficType; inherited: boolean }
  | { kind: 'attachment-denied' };

/**
 * §6.4: the listener whose allowedRoutes decide who may attach: the one on the port named by the
 * waypoint-inbound-binding annotation, else the HBONE listener on 15008 (none: only the Gateway's
 * own namespace may attach).
 */
export function attachmentListener(gw: GatewayFact): GatewayFact['listeners'][number] | undefined {
  const bindingPort = Number(gw.meta.annotations['ambient.istio.io/waypoint-inbound-binding']?.split('/')[1]);
  return (
    (bindingPort ? gw.listeners.find((l) => l.port === bindingPort) : undefined) ??
    gw.listeners.find((l) => l.protocol === 'HBONE' && l.port === 15008)
  );
}

/** §6.4: may objects of this namespace attach? A Selector is matched against the namespace's labels. */
export function attachmentAllowed(
  gw: GatewayFact,
  namespace: NamespaceFact | undefined,
  namespaceName: string,
): boolean {
  const listener = attachmentListener(gw);
  switch (listener?.allowedRoutesFrom ?? 'Same') {
    case 'All':
      return true;
    case 'Selector':
      // An absent selector selects nothing (apimachinery's LabelSelectorAsSelector(nil)).
      return (
        !!listener?.allowedRoutesSelector &&
        selectorMatches(listener.allowedRoutesSelector, namespace?.meta.labels ?? {})
      );
    default:
      return gw.meta.namespace === namespaceName;
  }
}

/**
 * §6.3-§6.5: does the bound waypoint really serve traffic addressed this way? In istiod's order:
 * a Gateway without addresses is no waypoint at all, then attachment, then traffic type.
 */
export function bindingProblem(
  binding: WaypointBinding,
  addressedBy: 'service' | 'pod-ip',
  objectNamespace: string,
  snapshot: Pick<Snapshot, 'gatewayClasses' | 'namespaces'>,
  inherited: boolean,
): BindingProblem | undefined {
  const gw = binding.gateway;
  if (!gw) return { kind: 'missing' };
  // "Ready" means status.addresses is set; istiod never removes it afterwards (§6.4).
  if (gw.statusAddresses.length === 0) return { kind: 'not-ready' };
  if (!attachmentAllowed(gw, snapshot.namespaces.get(objectNamespace), objectNamespace))
    return { kind: 'attachment-denied' };
  const supports = waypointFor(gw, snapshot.gatewayClasses);
  const wanted = addressedBy === 'service' ? 'service' : 'workload';
  if (supports !== 'all' && supports !== wanted) return { kind: 'traffic-type', supports, inherited };
  return undefined;
}

/** §4.8, §6.4: the istio.io/WaypointBound condition istiod writes on a Service or ServiceEntry. */
export function predictedWaypointBound(
  object: { ref: ObjectRef; meta: ObjectMeta },
  snapshot: Pick<Snapshot, 'gatewayClasses' | 'namespaces' | 'gateways'>,
): { status: 'True' | 'False'; reason: string } | undefined {
  const binding = waypointBinding(object, snapshot.namespaces.get(object.meta.namespace), snapshot.gateways);
  if (!binding) return undefined;
  const inherited = binding.labelledObject.kind === 'Namespace';
  const problem = bindingProblem(binding, 'service', object.meta.namespace, snapshot, inherited);
  if (!problem) return { status: 'True', reason: 'WaypointAccepted' };
  const reason = {
    missing: 'WaypointIsNotReady',
    'not-ready': 'WaypointIsNotReady',
    'attachment-denied': 'AttachmentDenied',
    'traffic-type': 'UnsupportedTrafficType',
  }[problem.kind];
  return { status: 'False', reason };
}

/**
 * §12.1 (corrects §6.6): whether an Istio gateway sends traffic for this Service through its
 * waypoint. The Service's istio.io/ingress-use-waypoint decides whenever it is present, true or
 * false; the Namespace's only when the Service has none. 1.30 parses with Go's ParseBool; 1.29 and
 * earlier accept only "true" in any case.
 */
export function ingressUsesWaypoint(
  serviceLabels: Record<string, string> | undefined,
  namespaceLabels: Record<string, string> | undefined,
  istioVersion: string | undefined,
): boolean {
  const own = serviceLabels?.[LABEL_INGRESS_USE_WAYPOINT];
  const value = own !== undefined ? own : namespaceLabels?.[LABEL_INGRESS_USE_WAYPOINT];
  if (value === undefined) return false;
  const [major, minor] = (istioVersion ?? '').split('.').map(Number);
  const before130 = major === 1 && Number.isFinite(minor) && minor < 30;
  return before130 ? value.toLowerCase() === 'true' : goParseBoolTrue(value);
}
