// The source pod's traffic enters the ztunnel on its node (§1.3, §2.1, §2.3). Pending capture
// and a missing ztunnel both refuse the connection at connect().
import type { PodFact } from '../../snapshot/types.js';
import { podRef } from '../../snapshot/ref.js';
import { ztunnelOnNode } from '../../mesh/ztunnel.js';
import { finding } from '../../findings/finding.js';
import { enrollmentFindings, enrollmentOf, podLabel, podName, type EvalContext } from '../context.js';
import type { PathRun } from '../explain/path.js';
import type { Hop } from '../report.js';
import { ztunnelRemedy } from '../fixes/fixes.js';

/** Captured (or pending) source: the capture hop. `context` adds the route's own evidence. */
export function captureHop(ctx: EvalContext, run: PathRun, src: PodFact, port: number, context: string[] = []): void {
  const enrollment = enrollmentOf(ctx, src);
  const zt = ztunnelOnNode(ctx.snapshot, src.nodeName);
  const hop: Hop = {
    from: podLabel(src),
    to: `ztunnel on ${src.nodeName ?? 'its node'}`,
    port,
    protocol: 'TCP',
    result: 'pass',
    layer: 'capture',
    evidence: [],
  };
  run.evidence(hop, () => `source captured: ${enrollment.reason}`);
  run.evidence(hop, zt.detail);
  for (const line of context) run.evidence(hop, line);
  if (enrollment.redirection === 'pending') {
    const pending = enrollmentFindings(ctx, src).find((f) => f.code === 'AD109');
    if (pending) run.fail(hop, pending, 'refused', 'dataplane');
  } else if (!zt.ok) {
    const detail = () =>
      `${zt.detail}. Outbound traffic of ${podName(src)} is redirected in-pod to a ztunnel listener that no ` +
      'longer exists, so connect() is refused (curl exit 7).';
    const objects = zt.culprit ? [zt.culprit, podRef(src)] : [podRef(src)];
    run.fail(
      hop,
      finding('AD201', detail, objects, () => [ztunnelRemedy(src.nodeName, zt.object)]),
      'refused',
      'dataplane',
    );
  }
  run.add(hop);
}

/** §1.1, §10: a source outside the mesh sends plaintext and has no identity. */
export function notCapturedNote(ctx: EvalContext, run: PathRun, src: PodFact): void {
  const enrollment = enrollmentOf(ctx, src);
  if (run.verdictOnly || enrollment.mode === 'sidecar' || enrollment.mode === 'gateway') return;
  const detail =
    `${podName(src)} is not in the ambient mesh (${enrollment.reason}), so its connections leave as plaintext ` +
    `with no identity.`;
  run.note(finding('AD101', detail, [podRef(src), { kind: 'Namespace', name: src.meta.namespace }]));
}
