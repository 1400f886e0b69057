// The probes pipeline (§7): will the kubelet reach every probe of a pod once it is in ambient?
import { probeSnatAddress } from '../../mesh/istio-cni.js';
import type { PodFact, Snapshot } from '../../snapshot/types.js';
import { podRef, refText } from '../../snapshot/ref.js';
import { resolvePodPort } from '../../mesh/services.js';
import { finding, type Finding } from '../../findings/finding.js';
import { createContext, enrollmentOf, podName, type EvalContext } from '../context.js';
import { podAddressed, resolveOrExplainGaps, resolveSource } from './resolve.js';
import { directPath } from '../paths/index.js';
import { assumedDefaults, liftable, mergeFindings, symptomFinding } from './verdict.js';
import { attachProofs, type Asked } from '../fixes/proof.js';
import { summarizePod } from './summary.js';
import { NOTES, runNotes } from '../notes/index.js';
import { assumedSettings, unreadReason } from '../notes/reading.js';
import { checkAssumedSettings } from './assumed-settings.js';
import type { Hop, ProbeResult, ProbesReport, Symptom, Verdict } from '../report.js';
import { appendAll } from '../../arrays.js';

export function probes(
  snapshot: Snapshot,
  input: string,
  namespace: string,
  observed?: Symptom,
  options: { prove?: boolean; ctx?: EvalContext } = {},
): ProbesReport {
  // A scan of every pod shares one context (check).
  const ctx = options.ctx ?? createContext(snapshot);
  const target = resolveOrExplainGaps(snapshot, () => resolveSource(snapshot, input, namespace));
  const results: ProbeResult[] = [];
  const unread = unreadReason(snapshot);
  const findings: Finding[] = [...runNotes(ctx, NOTES.cni, snapshot), ...runNotes(ctx, NOTES.reading, snapshot)];
  let path: Hop[] = [];
  let failure: { symptom: Symptom; enforcedBy: Verdict['enforcedBy']; decisive?: Finding } | undefined;
  for (const pod of target.pods) {
    const enrolled = enrollmentOf(ctx, pod);
    for (const c of pod.containers) {
      for (const probe of c.probes) {
        const base = { pod: podName(pod), container: c.name, probe: probe.kind, handler: probe.handler };
        if (probe.handler === 'exec' || probe.handler === 'unknown') {
          results.push({
            ...base,
            result: 'not-affected',
            reason: 'exec probes run inside the container; no network is involved',
          });
          continue;
        }
        if (probe.host) {
          results.push({
            ...base,
            result: 'not-affected',
            reason: `the probe dials host ${probe.host}, not the pod IP, so the ambient SNAT does not apply`,
          });
          findings.push(
            finding(
              'AD601',
              `${podName(pod)} container ${c.name} ${probe.kind} probe sets host ${probe.host}; it does not go ` +
                `to the pod IP, so ambient does not change it.`,
              [podRef(pod)],
            ),
          );
          continue;
        }
        const port = probe.port === undefined ? undefined : resolvePodPort(pod, probe.port);
        if (port === undefined) {
          results.push({
            ...base,
            result: 'fail',
            reason: `the probe names port "${String(probe.port)}", which no container declares`,
          });
          continue;
        }
        const probeRequest = { protocol: 'TCP' as const, method: '', path: '', host: '', headers: {}, port };
        const pair = directPath(ctx, { kind: 'kubelet' }, pod, port, podAddressed(pod, port, input), probeRequest);
        appendAll(
          findings,
          pair.findings.filter((f) => f.code !== 'AD702'),
        );
        if (path.length === 0 || (!pair.ok && !failure)) path = pair.hops;
        const reason = pair.ok
          ? enrolled.captured
            ? `from ${probeSnatAddress(snapshot.mesh, pod.podIPs[0])} (SNAT), skipping ztunnel; NetworkPolicy allows it`
            : 'the pod is not captured: the probe comes from the node as before'
          : (pair.decisive?.title ?? 'blocked');
        results.push({ ...base, port, result: pair.ok ? 'pass' : 'fail', reason });
        if (!pair.ok && !failure)
          failure = { symptom: 'probe-failure', enforcedBy: pair.enforcedBy, decisive: pair.decisive };
      }
    }
  }
  const checked = results.filter((r) => r.result !== 'not-affected');
  const failed = checked.filter((r) => r.result === 'fail');
  const outcome: Verdict['outcome'] =
    failed.length === 0 ? 'allowed' : failed.length === checked.length ? 'denied' : 'partial';
  const unaffected =
    results.length > checked.length ? `; ${results.length - checked.length} are not affected by ambient` : '';
  const decisive = failure?.decisive;
  const cause = decisive ? `${decisive.title} (${decisive.objects[0] ?? decisive.code})` : 'see findings';
  const unreadable = snapshot.gaps.map((g) => g.resource);
  const unknown = !!unread && liftable(decisive, unreadable);
  const assumed = unknown ? undefined : assumedDefaults(unreadable, assumedSettings(snapshot));
  const verdict: Verdict = {
    outcome: unknown ? 'unknown' : outcome,
    symptom: unknown ? 'unknown' : failure ? 'probe-failure' : 'ok',
    enforcedBy: unknown ? 'none' : (failure?.enforcedBy ?? 'none'),
    summary:
      (unknown ? unread : undefined) ??
      (results.length === 0
        ? 'The pod defines no probes.'
        : failed.length === 0
          ? `All ${checked.length} network probe(s) reach the pod${unaffected}.`
          : `${failed.length} of ${checked.length} network probe(s) will fail: ${cause}.`) +
        (assumed ? ` ${assumed}` : ''),
  };
  const ask = (changed: Snapshot): Asked => {
    try {
      const r = probes(changed, input, namespace, undefined, { prove: false });
      const first = r.findings[0];
      return { outcome: r.verdict.outcome, decisive: first?.severity === 'error' ? first : undefined };
    } catch {
      return { outcome: 'unknown' };
    }
  };
  if (options.prove !== false) {
    const onPath = target.pods.map((p) => p.meta.namespace);
    const unknownBySettings = checkAssumedSettings(snapshot, onPath, { outcome: verdict.outcome }, ask);
    if (unknownBySettings)
      Object.assign(verdict, {
        outcome: 'unknown',
        symptom: 'unknown',
        enforcedBy: 'none',
        summary: unknownBySettings,
      });
  }
  if (observed) {
    const f = symptomFinding(observed, verdict, path);
    if (f) findings.push(f);
  }
  const decisiveFirst = failure?.decisive ? [failure.decisive] : [];
  // Every remedy is proven as in explain: applied to a copy of the input, the probes asked again.
  const proven = (list: Finding[]) => {
    if (options.prove === false) return list;
    attachProofs(list, { snapshot, ask, opens: { asker: [], destination: () => undefined } });
    return list;
  };
  return {
    target: {
      input,
      ...(target.object ? { object: refText(target.object) } : {}),
      pods: target.pods.map((p: PodFact) => summarizePod(ctx, p)),
    },
    verdict,
    probes: results,
    path,
    findings: proven(mergeFindings([...decisiveFirst, ...findings])),
  };
}
