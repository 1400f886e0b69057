// The packet between two pods (or a pod and an address), as the CNI sees it: NetworkPolicy,
// AdminNetworkPolicy and BaselineAdminNetworkPolicy for egress at the sender and ingress at the
// receiver (§8). Every path uses this for every hop that crosses the network.
import type { Labels, PodFact } from '../../snapshot/types.js';
import { refText, refTo, type ObjectRef } from '../../snapshot/ref.js';
import { HBONE_PORT, LABEL_GATEWAY_NAME } from '../../mesh/constants.js';
import { evaluateNetworkPolicy, type DirectionVerdict, type NetEndpoint } from '../../mesh/network-policy.js';
import { finding, type Finding, type Remedy } from '../../findings/finding.js';
import type { EvalContext } from '../context.js';
import { podName } from '../context.js';
import type { PathRun } from '../explain/path.js';
import type { Hop, Symptom } from '../report.js';
import * as fixes from '../fixes/fixes.js';

export interface WireEnd {
  /** How the hop table names this end. */
  label: string;
  /** The pod whose network namespace sends or receives; absent for addresses and SNATed sources. */
  pod?: PodFact;
  ip?: string;
  /** The selector a fix should use for this pod (a Service's), if not the pod's own labels. */
  selector?: Labels;
}

export interface Wire {
  from: WireEnd;
  to: WireEnd;
  port: number;
  hbone: boolean;
  /** The app port inside the tunnel, for the "your policy names the app port" hint. */
  appPort?: number;
  /** The source is the kubelet (or a host-network pod) SNATed to the probe address (§7). */
  /** The probe SNAT address on this wire (by the destination's primary IP family), and both configured ones. */
  probeSnat?: { kubelet: boolean; used: string; ipv4: string; ipv6: string };
  /** What the client sees when this wire is blocked. */
  symptom: Symptom;
  /** What happens to the sender then, in a sentence that starts with a space. */
  consequence: { egress: string; ingress: string };
}

const endpoint = (ctx: EvalContext, end: WireEnd): NetEndpoint =>
  end.pod
    ? { pod: end.pod, ip: end.ip, namespaceLabels: ctx.snapshot.namespaces.get(end.pod.meta.namespace)?.meta.labels }
    : { ip: end.ip };

function decidedBy(dir: DirectionVerdict): ObjectRef[] {
  if (dir.decidedByAdmin) return [{ kind: dir.decidedByAdmin.kind, name: dir.decidedByAdmin.name }];
  return dir.selecting.map((p) => refTo('NetworkPolicy', p.meta));
}

function describe(dir: DirectionVerdict): string {
  if (dir.decidedByAdmin) return `${dir.decidedByAdmin.kind} ${dir.decidedByAdmin.name}`;
  return dir.selecting.map((p) => `${p.meta.namespace}/${p.meta.name}`).join(', ');
}

const names = (refs: ObjectRef[]) => refs.map(refText).join(', ');

/** Evaluates NetworkPolicy for the wire and records evidence and failures on `hop`. */
export function checkWire(ctx: EvalContext, run: PathRun, hop: Hop, wire: Wire): void {
  const src = endpoint(ctx, wire.from);
  const dst = endpoint(ctx, wire.to);
  const np = evaluateNetworkPolicy(ctx.netpols, { src, dst, port: wire.port, protocol: 'TCP' });
  run.evidence(hop, () =>
    np.egress.isolated
      ? `source egress: ${np.egress.allowed ? 'allowed' : 'denied'} by ${describe(np.egress)}`
      : 'source egress: no NetworkPolicy selects the source',
  );
  run.evidence(hop, () =>
    np.ingress.isolated
      ? `destination ingress: ${np.ingress.allowed ? 'allowed' : 'denied'} by ${describe(np.ingress)}`
      : 'destination ingress: no NetworkPolicy selects the destination',
  );
  if (!run.verdictOnly) {
    for (const dir of [np.egress, np.ingress]) {
      if (!dir.viaIpBlockOnPod) continue;
      const refs = dir.allowedBy.map((r) => refTo('NetworkPolicy', r.policy.meta));
      const detail =
        `Only an ipBlock admits this pod-to-pod traffic (${names(refs)}). Kubernetes leaves ipBlock matching of ` +
        'pod IPs to the CNI; many CNIs match, some do not.';
      run.note(finding('AD506', detail, refs));
    }
  }
  // §8: policies that name the app port do not match HBONE, which travels on 15008.
  const appPortPasses = (dir: 'egress' | 'ingress') =>
    wire.hbone && wire.appPort !== undefined && !run.verdictOnly
      ? evaluateNetworkPolicy(ctx.netpols, { src, dst, port: wire.appPort, protocol: 'TCP' })[dir].allowed
      : false;
  if (!np.egress.allowed && wire.from.pod) {
    run.fail(hop, egressDenied(wire, np.egress, appPortPasses), wire.symptom, 'networkpolicy');
  }
  if (!np.ingress.allowed && wire.to.pod && !run.settled) {
    run.fail(hop, ingressDenied(wire, np.ingress, appPortPasses), wire.symptom, 'networkpolicy');
  }
}

function egressDenied(wire: Wire, dir: DirectionVerdict, appPortPasses: (d: 'egress') => boolean): Finding {
  const from = wire.from.pod!;
  const refs = decidedBy(dir);
  const hint =
    wire.hbone && appPortPasses('egress')
      ? ` The policies allow port ${wire.appPort}, but mesh traffic leaves on TCP ${HBONE_PORT}; the app port is ` +
        `only inside the tunnel.`
      : '';
  const detail = () =>
    `Egress from ${podName(from)} to ${wire.to.label} on TCP ${wire.port} is not allowed by ${names(refs)}.` +
    `${hint}${wire.consequence.egress}`;
  const kind = wire.hbone ? 'hbone' : 'egress';
  const fix = (): Remedy[] => {
    const admin = dir.decidedByAdmin;
    if (admin?.kind === 'AdminNetworkPolicy') {
      const peer = wire.to.pod ?? { ip: wire.to.ip ?? '0.0.0.0' };
      return [fixes.adminNetworkPolicyAllowRemedy(admin, 'egress', fixes.fixTarget(from), peer, wire.port)];
    }
    const name = wire.to.pod ? `allow-${kind}-to-${fixes.workloadName(wire.to.pod)}` : `allow-egress-${wire.port}`;
    const title = `Allow egress from ${podName(from)} to ${wire.to.label} on TCP ${wire.port}`;
    return [{ title, apply: [fixes.networkPolicyEgressFix(from, wire.to.pod, wire.port, name, wire.to.ip)] }];
  };
  return finding(wire.hbone ? 'AD502' : 'AD504', detail, refs, fix);
}

function ingressDenied(wire: Wire, dir: DirectionVerdict, appPortPasses: (d: 'ingress') => boolean): Finding {
  const to = wire.to.pod!;
  const refs = decidedBy(dir);
  const target = () => fixes.fixTarget(to, wire.to.selector);
  const admin = dir.decidedByAdmin?.kind === 'AdminNetworkPolicy' ? dir.decidedByAdmin : undefined;
  const snat = wire.probeSnat;
  if (snat) {
    const detail =
      `Ingress to ${podName(to)} from ${snat.used} (the ambient probe SNAT address) on TCP ${wire.port} is not ` +
      `allowed by ${names(refs)}. Whether the CNI enforces this for link-local sources depends on the CNI; most do. ` +
      'The kubelet reports "probe failed: context deadline exceeded".';
    const fix = (): Remedy[] => [
      admin
        ? fixes.adminNetworkPolicyAllowRemedy(admin, 'ingress', target(), { ip: snat.used }, wire.port)
        : {
            title: `Allow the kubelet's probes (from ${snat.ipv4} and ${snat.ipv6}) into ${podName(to)}`,
            apply: [
              fixes.networkPolicyIngressFix(
                target(),
                { ipBlock: [`${snat.ipv4}/32`, `${snat.ipv6}/128`] },
                0,
                `allow-kubelet-probes-${fixes.targetName(target())}`,
              ),
            ],
          },
    ];
    return finding('AD505', detail, refs, fix);
  }
  const hint =
    wire.hbone && appPortPasses('ingress')
      ? ` The policies allow port ${wire.appPort}, but ambient traffic arrives on TCP ${HBONE_PORT}; rules that name ` +
        'the app port no longer match mesh traffic.'
      : '';
  const detail = () =>
    `Ingress to ${podName(to)} from ${wire.from.label} on TCP ${wire.port} is not allowed by ${names(refs)}.` +
    `${hint}${wire.consequence.ingress}`;
  const from = wire.from.pod && !wire.from.pod.hostNetwork ? wire.from.pod : undefined;
  // §8 row 2: every client of a waypoint crosses its hop to the destination.
  const shared = wire.from.pod?.meta.labels[LABEL_GATEWAY_NAME];
  const scope = shared
    ? `Every client that goes through waypoint ${wire.from.pod!.meta.namespace}/${shared} uses this hop; restrict ` +
      'clients with an ' +
      'AuthorizationPolicy at the waypoint.'
    : undefined;
  const fix = (): Remedy[] => {
    if (admin) {
      const peer = from ?? { ip: wire.from.ip ?? '0.0.0.0' };
      const remedy = fixes.adminNetworkPolicyAllowRemedy(admin, 'ingress', target(), peer, wire.port);
      return [{ ...remedy, ...(scope ? { scope } : {}) }];
    }
    const title = `Allow ${wire.from.label} into ${podName(to)} on TCP ${wire.port}`;
    const manifest = from
      ? fixes.networkPolicyIngressFix(
          target(),
          from,
          wire.port,
          `allow-${wire.hbone ? 'hbone' : 'ingress'}-from-${fixes.workloadName(from)}`,
        )
      : fixes.networkPolicyIngressFix(
          target(),
          { ipBlock: [`${wire.from.ip ?? '0.0.0.0'}/32`] },
          wire.port,
          `allow-ingress-to-${fixes.targetName(target())}`,
        );
    return [{ title, apply: [manifest], ...(scope ? { scope } : {}) }];
  };
  return finding(wire.hbone ? 'AD501' : 'AD503', detail, refs, fix);
}

/** A pod as one end of a wire. */
export const podEnd = (pod: PodFact, label: string, ip = pod.podIPs[0], selector?: Labels): WireEnd => ({
  label,
  pod,
  ip,
  selector,
});
