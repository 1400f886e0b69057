// §4.1: which pods enforce a selector or namespace-wide AuthorizationPolicy. ztunnel enforces it for the
// captured ambient pods it selects, a sidecar or an ingress gateway for its own pod; a waypoint never applies
// a policy without targetRefs, and a pod outside the mesh has nothing that could.
// [I:pilot/pkg/model/policyattachment.go `ShouldAttachPolicy`: "waypoints never use selector"; Gateway API
// gateways use it while ENABLE_SELECTOR_BASED_K8S_GATEWAY_POLICY is on, its default
// (I:pilot/pkg/features/pilot.go)]
import type { AuthorizationPolicyFact, GatewayFact, PodFact } from '../snapshot/types.js';
import { LABEL_GATEWAY_MANAGED, LABEL_GATEWAY_NAME } from './constants.js';
import { isNodeAgent, isIstiod, isWaypointGateway } from './components.js';
import { selectorMatches } from './labels.js';
import type { DataplaneMode } from './enrollment.js';

export interface PolicyReach {
  /** Pods whose proxy enforces the policy (or might: a Gateway API pod whose Gateway the input lacks). */
  enforcing: PodFact[];
  /** Selected waypoint pods: they ignore it. */
  waypoints: PodFact[];
  /** Selected pods without a proxy of the mesh (not captured, host network): nothing enforces it there. */
  outside: PodFact[];
}

/** A waypoint's pod, by what istiod puts on it or by its Gateway's class; undefined when the input cannot tell. */
function isWaypointPod(pod: PodFact, gateways: GatewayFact[]): boolean | undefined {
  const managed = pod.meta.labels[LABEL_GATEWAY_MANAGED];
  if (managed === 'istio.io-mesh-controller' || managed === 'istio.io-eastwest-controller') return true;
  if (managed === 'istio.io-gateway-controller') return false;
  const name = pod.meta.labels[LABEL_GATEWAY_NAME];
  const gateway = gateways.find((g) => g.meta.namespace === pod.meta.namespace && g.meta.name === name);
  return gateway ? isWaypointGateway(gateway) : undefined;
}

/**
 * Policies with targetRefs are a waypoint's (AD413 judges those); mesh-wide ones without selector reach all.
 * `pods`: the pods of the policy's namespace (every pod for the root namespace).
 */
export function policyReach(
  ap: AuthorizationPolicyFact,
  pods: PodFact[],
  gateways: GatewayFact[],
  rootNamespace: string,
  modeOf: (pod: PodFact) => { mode: DataplaneMode; captured: boolean },
): PolicyReach | undefined {
  if (ap.targetRefs.length > 0) return undefined;
  const ns = ap.meta.namespace;
  if (ns === rootNamespace && !ap.selector) return undefined;
  const reach: PolicyReach = { enforcing: [], waypoints: [], outside: [] };
  for (const pod of pods) {
    if (isNodeAgent(pod) || isIstiod(pod)) continue;
    if (ap.selector && !selectorMatches(ap.selector, pod.meta.labels)) continue;
    if (pod.meta.labels[LABEL_GATEWAY_NAME]) {
      const waypoint = isWaypointPod(pod, gateways);
      (waypoint === true ? reach.waypoints : reach.enforcing).push(pod);
      continue;
    }
    const { mode, captured } = modeOf(pod);
    const enforced = mode === 'sidecar' || mode === 'gateway' || (mode === 'ambient' && captured);
    (enforced ? reach.enforcing : reach.outside).push(pod);
  }
  return reach;
}
