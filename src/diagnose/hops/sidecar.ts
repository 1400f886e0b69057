// §10: a destination with a sidecar enforces its own mTLS and policies in Envoy. STRICT rejects
// plaintext; its AuthorizationPolicies are not modelled, so a verdict that depends on them is unknown.
import type { PodFact } from '../../snapshot/types.js';
import { podRef, refTo } from '../../snapshot/ref.js';
import { LABEL_TUNNEL } from '../../mesh/constants.js';
import { identityOf } from '../../mesh/identity.js';
import { finding } from '../../findings/finding.js';
import { enrollmentOf, mtlsOf, podName, policiesAt, type EvalContext } from '../context.js';
import type { PathRun } from '../path.js';
import type { Hop } from '../report.js';

export interface SidecarArrival {
  destination: PodFact;
  targetPort: number;
  client?: PodFact;
  clientLabel: string;
  /** The source's ztunnel sends HBONE to a sidecar that terminates it. */
  hbone: boolean;
  /** The source is captured by ztunnel (which sends plaintext to a sidecar without HBONE). */
  clientCaptured: boolean;
}

export function sidecarHop(ctx: EvalContext, run: PathRun, a: SidecarArrival): void {
  const dst = a.destination;
  const mtls = mtlsOf(ctx, dst);
  const clientMode = a.client ? enrollmentOf(ctx, a.client).mode : undefined;
  const mutual = a.hbone || clientMode === 'sidecar' || clientMode === 'gateway';
  const pa = mtls.decidedBy;
  const hop: Hop = {
    from: clientMode === 'sidecar' ? 'sidecar of the source' : a.hbone ? 'ztunnel (HBONE)' : a.clientLabel,
    to: `${dst.meta.namespace}/${dst.meta.name}:${a.targetPort}`,
    port: a.targetPort,
    protocol: 'TCP',
    result: 'pass',
    layer: 'ztunnel-inbound',
    identity: mutual && a.client ? identityOf(a.client, ctx.snapshot.mesh.trustDomain) : undefined,
    evidence: [],
  };
  const terminates = dst.meta.labels[LABEL_TUNNEL] === 'http' ? ` that terminates HBONE (${LABEL_TUNNEL}=http)` : '';
  run.evidence(hop, `the destination runs a sidecar${terminates}`);
  run.evidence(
    hop,
    () => `mTLS mode ${mtls.mode}${pa ? ` from PeerAuthentication ${pa.meta.namespace}/${pa.meta.name}` : ''}`,
  );
  if (!mutual && mtls.mode === 'STRICT') {
    const why = a.clientCaptured
      ? `runs a sidecar without ${LABEL_TUNNEL}=http, so ztunnel sends it plaintext TCP`
      : `runs a sidecar and ${a.clientLabel} connects in plaintext`;
    const objects = [...(pa ? [refTo('PeerAuthentication', pa.meta)] : []), podRef(dst)];
    const detail = `${podName(dst)} ${why}, which its STRICT mTLS rejects: the client sees a reset.`;
    run.fail(hop, finding('AD704', detail, objects), 'reset', 'dataplane');
  } else if (!mutual && a.clientCaptured) {
    const detail =
      `${podName(dst)} runs a sidecar without ${LABEL_TUNNEL}=http, so ztunnel sends it plaintext TCP; its ` +
      `PERMISSIVE mTLS accepts it.`;
    run.note(finding('AD707', detail, [podRef(dst)]));
  }
  const policies = policiesAt(ctx, dst);
  if (policies.length > 0 && !run.failure) {
    const names = policies.map((p) => `AuthorizationPolicy ${p.meta.namespace}/${p.meta.name}`);
    const detail =
      `${names.join(', ')} ${names.length > 1 ? 'apply' : 'applies'} at the sidecar of ${podName(dst)}; ` +
      `sidecar (Envoy) ` +
      'authorization with HTTP rules is not evaluated by this version.';
    run.note(
      finding(
        'AD706',
        detail,
        policies.map((p) => refTo('AuthorizationPolicy', p.meta)),
      ),
    );
    const why = `AuthorizationPolicies apply at the sidecar of ${podName(dst)}, which this version does not evaluate.`;
    run.unknown ??= why;
  }
  run.add(hop);
}
