// §2.1: the ztunnel that serves a pod is the one on the pod's node, found by label.
import type { Snapshot } from '../snapshot/types.js';
import { podRef, type ObjectRef } from '../snapshot/ref.js';

export interface ZtunnelCheck {
  ok: boolean;
  /** No ztunnel pods (or no node) in the input: the answer is an assumption. */
  assumed: boolean;
  detail: string;
  /** The ztunnel pod that decided, when there is one. */
  object?: ObjectRef;
  /** When it fails: what must change, the unready ztunnel pod or the node that has none. */
  culprit?: ObjectRef;
}

const checks = new WeakMap<Snapshot, Map<string, ZtunnelCheck>>();

/** Cached per snapshot and node: a matrix asks for the same nodes many times. */
export function ztunnelOnNode(snapshot: Snapshot, node: string | undefined): ZtunnelCheck {
  let byNode = checks.get(snapshot);
  if (!byNode) checks.set(snapshot, (byNode = new Map()));
  const key = node ?? '';
  let check = byNode.get(key);
  if (!check) byNode.set(key, (check = checkNode(snapshot, node)));
  return check;
}

function checkNode(snapshot: Snapshot, node: string | undefined): ZtunnelCheck {
  if (!snapshot.ztunnelsKnown)
    return { ok: true, assumed: true, detail: 'no ztunnel pods in the input: assumed healthy' };
  if (!node) {
    const anyReady = snapshot.ztunnels.some((z) => z.ready);
    const detail = anyReady
      ? 'pod not scheduled in the input; a ready ztunnel exists'
      : 'no ztunnel pod in the input is Ready';
    return { ok: anyReady, assumed: true, detail };
  }
  const z = snapshot.ztunnels.find((p) => p.nodeName === node);
  if (!z) {
    const culprit = { kind: 'Node', name: node };
    return { ok: false, assumed: false, detail: `no ztunnel pod runs on node ${node}`, culprit };
  }
  const name = `${z.meta.namespace}/${z.meta.name}`;
  if (!z.ready)
    return {
      ok: false,
      assumed: false,
      detail: `ztunnel ${name} on node ${node} is not Ready`,
      object: podRef(z),
      culprit: podRef(z),
    };
  return { ok: true, assumed: false, detail: `ztunnel ${name} is Ready on node ${node}`, object: podRef(z) };
}
