// §12.3: what the application sees when the client runs behind its own Envoy (a sidecar) or is an
// Istio gateway. It speaks HTTP to that proxy; when the proxy's upstream connection is reset,
// refused or times out, Envoy answers with a local 503 before any response headers. On a TCP
// port Envoy only relays, so the application sees the reset or timeout itself.
import type { PodFact } from '../../snapshot/types.js';
import { podRef } from '../../snapshot/ref.js';
import type { RequestFacts } from '../../mesh/http.js';
import { finding } from '../../findings/finding.js';
import { enrollmentOf, podName, type EvalContext } from '../context.js';
import type { PairResult } from '../report.js';

const UPSTREAM_FAILURES = new Set(['reset', 'refused', 'timeout']);

export function seenBehindClientProxy(
  ctx: EvalContext,
  client: PodFact | undefined,
  request: RequestFacts,
  result: PairResult,
): PairResult {
  if (!client || result.ok || request.protocol !== 'HTTP' || !UPSTREAM_FAILURES.has(result.symptom)) return result;
  const mode = enrollmentOf(ctx, client).mode;
  if (mode !== 'sidecar' && mode !== 'gateway') return result;
  if (ctx.mode === 'verdict') return { ...result, symptom: 'http-503' };
  const proxy = mode === 'sidecar' ? `its own sidecar` : 'the gateway proxy';
  const reason = result.symptom === 'timeout' ? 'connection timeout' : 'connection failure';
  const detail =
    `${podName(client)} sends HTTP through ${proxy}, so the ${result.symptom} on the way to ` +
    `${result.destination} reaches the ${mode === 'sidecar' ? 'application' : "gateway's client"} as Envoy's ` +
    `local 503 "upstream connect error or disconnect/reset before headers. reset reason: ${reason}" ` +
    '(response flag UF), not as a reset. The cause is the decisive finding.';
  return { ...result, symptom: 'http-503', findings: [...result.findings, finding('AD709', detail, [podRef(client)])] };
}
