// The mesh's own components, told apart from the workloads they serve. One predicate per component, as
// Istio's charts and istiod label them; every other place asks these.
// [I:manifests/charts/ztunnel/templates/daemonset.yaml (app: ztunnel); manifests/charts/istio-cni/templates/
// daemonset.yaml (k8s-app: istio-cni-node); manifests/charts/istio-control/istio-discovery/templates/
// deployment.yaml (app: istiod); pilot/pkg/config/kube/gateway/deploymentcontroller.go (gateway-name label)]
import type { GatewayFact, PodFact } from '../snapshot/types.js';
import { LABEL_GATEWAY_NAME, WAYPOINT_GATEWAY_CLASS, ZTUNNEL_APP_LABEL, ZTUNNEL_APP_VALUE } from './constants.js';

/** A ztunnel pod (the node proxy of ambient). */
export const isZtunnel = (p: PodFact): boolean => p.meta.labels[ZTUNNEL_APP_LABEL] === ZTUNNEL_APP_VALUE;

/** An istiod pod (the control plane). */
export const isIstiod = (p: PodFact): boolean => p.meta.labels.app === 'istiod';

/** The istio-cni node agent's pods: the chart labels them k8s-app=istio-cni-node. */
export const isCniAgent = (p: PodFact): boolean =>
  p.meta.labels['k8s-app'] === 'istio-cni-node' || p.meta.labels.app === 'istio-cni-node';

/** A pod istiod deployed for a Gateway: a waypoint, or a Gateway API gateway. */
export const isGatewayPod = (p: PodFact): boolean => !!p.meta.labels[LABEL_GATEWAY_NAME];

/** A proxy of the dataplane (ztunnel, waypoint, gateway): never one end of a workload's connection. */
export const isDataplaneProxy = (p: PodFact): boolean => isZtunnel(p) || isGatewayPod(p);

/** The agents that run on every node beside the workloads (host network for istio-cni). */
export const isNodeAgent = (p: PodFact): boolean => isZtunnel(p) || isCniAgent(p);

/** Any component of the mesh itself, not an application workload. */
export const isMeshComponent = (p: PodFact): boolean => isDataplaneProxy(p) || isIstiod(p) || isCniAgent(p);

/**
 * §6.1: a Gateway meant as a waypoint: of Istio's waypoint class, or with the HBONE listener on 15008
 * that a waypoint serves (a class of one's own with the mesh controller).
 */
export const isWaypointGateway = (g: GatewayFact): boolean =>
  g.gatewayClassName === WAYPOINT_GATEWAY_CLASS || g.listeners.some((l) => l.protocol === 'HBONE' && l.port === 15008);
