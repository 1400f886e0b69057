// How reports describe a pod: where it runs, whether it is in the mesh, and its identity.
import type { PodFact } from '../../snapshot/types.js';
import { identityOf } from '../../mesh/identity.js';
import { proxyOf } from '../../mesh/enrollment.js';
import { enrollmentOf, type EvalContext } from '../context.js';
import type { PodSummary } from '../report.js';

export function summarizePod(ctx: EvalContext, pod: PodFact): PodSummary {
  const e = enrollmentOf(ctx, pod);
  return {
    name: pod.meta.name,
    namespace: pod.meta.namespace,
    ...(pod.podIPs[0] ? { ip: pod.podIPs[0] } : {}),
    ...(pod.nodeName ? { node: pod.nodeName } : {}),
    mode: e.mode,
    captured: e.captured,
    ...(e.captured || e.mode === 'sidecar' || e.mode === 'gateway'
      ? { identity: identityOf(pod, ctx.snapshot.mesh.trustDomain) }
      : {}),
    // §12.2: the evidence that decided the kind of proxy.
    ...(e.mode === 'sidecar' || e.mode === 'gateway' ? { proxy: proxyOf(pod)?.evidence ?? e.reason } : {}),
  };
}
