// The destination pod's in-pod rules hand inbound traffic to the ztunnel on its node (§2.3): with
// capture pending or no ztunnel there, packets are dropped and the sender stalls.
import type { PodFact } from '../../snapshot/types.js';
import { podRef } from '../../snapshot/ref.js';
import { ztunnelOnNode } from '../../mesh/ztunnel.js';
import { ZTUNNEL_CONNECT_TIMEOUT_SECONDS } from '../../mesh/constants.js';
import { finding } from '../../findings/finding.js';
import { enrollmentFindings, enrollmentOf, podName, type EvalContext } from '../context.js';
import type { PathRun } from '../explain/path.js';
import type { Hop, Symptom } from '../report.js';
import { ztunnelRemedy } from '../fixes/fixes.js';

/** Who waits when the destination drops the packets: words for the finding. */
export type Sender = 'source ztunnel' | 'waypoint' | 'plaintext client';

/** Records the destination ztunnel on `hop`; fails it when inbound cannot be delivered. */
export function checkArrival(
  ctx: EvalContext,
  run: PathRun,
  hop: Hop,
  dst: PodFact,
  sender: Sender,
  symptom: Symptom,
): void {
  const enrollment = enrollmentOf(ctx, dst);
  if (!enrollment.captured && enrollment.redirection !== 'pending') return;
  const zt = ztunnelOnNode(ctx.snapshot, dst.nodeName);
  run.evidence(hop, () => `destination ${zt.detail}`);
  if (enrollment.redirection === 'pending') {
    const pending = enrollmentFindings(ctx, dst).find((f) => f.code === 'AD109');
    if (pending) run.fail(hop, pending, symptom, 'dataplane');
    return;
  }
  if (zt.ok) return;
  const until =
    sender === 'plaintext client' ? '' : ` until the ${sender}'s ${ZTUNNEL_CONNECT_TIMEOUT_SECONDS} s connect timeout`;
  const detail = () =>
    `${zt.detail}. Inbound packets to ${podName(dst)} hit in-pod TPROXY rules with no listener and are dropped, ` +
    `so the connection stalls${until}.`;
  const objects = zt.culprit ? [zt.culprit, podRef(dst)] : [podRef(dst)];
  run.fail(
    hop,
    finding('AD201', detail, objects, () => [ztunnelRemedy(dst.nodeName, zt.object)]),
    symptom,
    'dataplane',
  );
}
