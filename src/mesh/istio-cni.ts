// §1.4 as restated by §13.1: istio-cni's node agent watches namespaces and pods and captures a running
// pod live when its labels come to ask for ambient (no restart), and releases it when they stop
// asking. When the agent on a pod's node is not ready, nothing is captured there, and a restarted pod
// stalls in sandbox creation because the chained CNI plugin stays installed on purpose.
// [I:cni/pkg/nodeagent/informers.go reconcilePod, changeNeeded; I:cni/pkg/cmd/root.go ShouldStopCleanup;
// I:cni/pkg/plugin/plugin.go CmdAdd]
import ipaddr from 'ipaddr.js';
import type { MeshSettings, PodFact, Snapshot } from '../snapshot/types.js';
import { podRef, type ObjectRef } from '../snapshot/ref.js';
import { ANNOTATION_REDIRECTION } from './constants.js';
import { evaluateEnrollment } from './enrollment.js';
import { isCniAgent } from './components.js';

export interface CniAgentCheck {
  ok: boolean;
  /** No agent pods in the input (a live explain does not read them): the answer is an assumption. */
  assumed: boolean;
  detail: string;
  object?: ObjectRef;
}

const agentsOf = new WeakMap<Snapshot, PodFact[]>();

/** Whether the istio-cni agent on the node can capture pods there. */
export function cniAgentOnNode(snapshot: Snapshot, node: string | undefined): CniAgentCheck {
  // Found once per snapshot: a proof asks for every pod a namespace label enrols.
  let agents = agentsOf.get(snapshot);
  if (!agents) agentsOf.set(snapshot, (agents = snapshot.pods.filter(isCniAgent)));
  if (agents.length === 0) return { ok: true, assumed: true, detail: 'no istio-cni pods in the input: assumed Ready' };
  const agent = node ? agents.find((p) => p.nodeName === node) : undefined;
  if (!agent)
    return { ok: false, assumed: false, detail: `no istio-cni agent runs on node ${node ?? '(unscheduled)'}` };
  const name = `${agent.meta.namespace}/${agent.meta.name}`;
  if (!agent.ready)
    return {
      ok: false,
      assumed: false,
      detail: `istio-cni agent ${name} on node ${node} is not Ready`,
      object: podRef(agent),
    };
  return {
    ok: true,
    assumed: false,
    detail: `istio-cni agent ${name} is Ready on node ${node}`,
    object: podRef(agent),
  };
}

/**
 * What the node agents do after a change (the proof of a fix models it, §13.4): each running pod that
 * the change made ambient is captured (annotation enabled) where its node's agent is ready; each pod
 * the change took out of ambient is released. Pods whose state the change did not move are left as
 * they are: a pod already uncaptured before the change is a fault the diagnosis reports, not a race
 * the change resolves.
 */
export function captureAfterChange(before: Snapshot, after: Snapshot): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  const earlier = new Map(before.pods.map((p) => [`${p.meta.namespace}/${p.meta.name}`, p]));
  for (const pod of after.pods) {
    const was = earlier.get(`${pod.meta.namespace}/${pod.meta.name}`);
    if (!was || !pod.observed || pod.hostNetwork) continue;
    const then = evaluateEnrollment(was, before.namespaces.get(was.meta.namespace), before.mesh);
    const now = evaluateEnrollment(pod, after.namespaces.get(pod.meta.namespace), after.mesh);
    const annotate = (value: string | null) =>
      out.push({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: {
          name: pod.meta.name,
          namespace: pod.meta.namespace,
          annotations: { [ANNOTATION_REDIRECTION]: value },
        },
      });
    if (!then.shouldBeAmbient && now.shouldBeAmbient && now.redirection === 'absent') {
      if (cniAgentOnNode(after, pod.nodeName).ok) annotate('enabled');
    } else if (then.shouldBeAmbient && !now.shouldBeAmbient && now.redirection === 'enabled') annotate(null);
  }
  return out;
}

/**
 * §7: the address istio-cni SNATs a node-local probe to: the IPv6 one when the pod's primary address
 * (status.podIP, which the kubelet probes) is IPv6, else the IPv4 one.
 */
export function probeSnatAddress(
  mesh: Pick<MeshSettings, 'probeSnatIPv4' | 'probeSnatIPv6'>,
  primaryIp: string | undefined,
): string {
  return primaryIp && ipaddr.isValid(primaryIp) && ipaddr.parse(primaryIp).kind() === 'ipv6'
    ? mesh.probeSnatIPv6
    : mesh.probeSnatIPv4;
}
