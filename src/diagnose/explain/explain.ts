// The explain pipeline: resolve the two ends → bind the waypoint → route each pod pair → walk its
// hops → one verdict → the report, with what it resolved for the evidence stage (evidence.ts), which
// annotates the run after it. Pure: plain data in, a report out.
import type { Snapshot } from '../../snapshot/types.js';
import { refText } from '../../snapshot/ref.js';
import { requestFacts } from '../../mesh/http.js';
import type { Finding } from '../../findings/finding.js';
import { UsageError } from '../../errors.js';
import { createContext } from '../context.js';
import { resolveOrExplainGaps, resolveSource } from './resolve.js';
import { resolveDestination } from './resolve-destination.js';
import { bindWaypoint, routeFor, routeTargets, type Binding } from './route.js';
import { evaluateRoute, type PairSource } from '../paths/index.js';
import { aggregate, mergeFindings, symptomFinding } from './verdict.js';
import { summarizePod } from './summary.js';
import { NOTES, runNotes } from '../notes/index.js';
import { assumedSettings, unreadReason } from '../notes/reading.js';
import { checkAssumedSettings } from './assumed-settings.js';
import { attachProofs, type Asked } from '../fixes/proof.js';
import { checkMissingNamespaces } from './missing-namespaces.js';
import type { ExplainReport, PairResult, Symptom } from '../report.js';
import { istioVersionOf } from '../../mesh/versions.js';
import { appendAll } from '../../arrays.js';
import type { PodFact } from '../../snapshot/types.js';
import type { EvalContext } from '../context.js';
import type { ResolvedDestination } from './resolve.js';
import type { WaypointRoute } from './route.js';

export interface ExplainQuery {
  source: string;
  destination: string;
  namespace: string;
  port?: string;
  method?: string;
  path?: string;
  headers?: string[];
  symptom?: Symptom;
}

/** What explain resolved, for the stages after it (evidence), which never resolve it again. */
export interface Resolved {
  ctx: EvalContext;
  sources: PodFact[];
  dest: ResolvedDestination;
  waypoint?: WaypointRoute;
  /** The objects of the finding that decides a failure (none when nothing fails). */
  decisiveObjects: string[];
}

/** One explain: the report and what it resolved. */
export interface ExplainRun {
  report: ExplainReport;
  resolved: Resolved;
}

/** Bounds the pairs for very large workloads; pods of one workload share labels and policy. */
const MAX_PAIRS = 2500;

export interface ExplainOptions {
  /** Prove every remedy (apply it to a copy of the input and ask again); off inside a proof. */
  prove?: boolean;
}

export function explain(snapshot: Snapshot, query: ExplainQuery, options: ExplainOptions = {}): ExplainReport {
  return explainRun(snapshot, query, options).report;
}

export function explainRun(snapshot: Snapshot, query: ExplainQuery, options: ExplainOptions = {}): ExplainRun {
  const ctx = createContext(snapshot);
  const src = resolveOrExplainGaps(snapshot, () => resolveSource(snapshot, query.source, query.namespace));
  const dest = resolveOrExplainGaps(snapshot, () =>
    resolveDestination(snapshot, query.destination, query.namespace, query.port),
  );
  if (src.kind === 'kubelet' && (dest.kind === 'external' || dest.kind === 'serviceentry')) {
    throw new UsageError('the kubelet probes pods: name the destination as NAMESPACE/POD:PORT');
  }
  const extra: Finding[] = runNotes(ctx, NOTES.dataplane, snapshot);
  const binding: Binding = src.kind === 'pods' ? bindWaypoint(ctx, src.pods, dest) : { findings: [] };
  appendAll(extra, binding.findings);
  const request = requestFacts(dest, query);
  appendAll(extra, runNotes(ctx, NOTES.reading, snapshot));

  const sources: PairSource[] =
    src.kind === 'kubelet' ? [{ kind: 'kubelet' }] : src.pods.map((pod) => ({ kind: 'pod', pod }));
  const pairs: PairResult[] = [];
  outer: for (const s of sources) {
    const client = s.kind === 'pod' ? s.pod : undefined;
    const route = routeFor(ctx, binding, client, dest, request, extra);
    if (route.kind !== 'direct' && route.kind !== 'waypoint') {
      if (client || route.kind === 'no-endpoints') pairs.push(evaluateRoute(ctx, route, s, undefined, dest, request));
      continue;
    }
    for (const t of routeTargets(route, dest)) {
      if (client === t.pod) continue;
      pairs.push(evaluateRoute(ctx, route, s, t, dest, request));
      if (pairs.length >= MAX_PAIRS) break outer;
    }
  }
  const unreadable = {
    reason: unreadReason(snapshot),
    resources: snapshot.gaps.map((g) => g.resource),
    assumed: assumedSettings(snapshot),
  };
  const { verdict, representative } = aggregate(pairs, unreadable);
  if (!snapshot.ztunnelsKnown && verdict.outcome !== 'unknown') {
    // §2.1: offline, a missing ztunnel list is an assumption, and the verdict says so.
    verdict.summary += ' Assumes a Ready ztunnel on every node: the input holds no ztunnel pods.';
  }
  const path = representative?.hops ?? [];
  const findings = [
    ...(representative?.decisive ? [representative.decisive] : []),
    ...pairs.flatMap((p) => p.findings),
    ...extra,
  ];
  if (options.prove !== false) {
    const onPath = [
      ...src.pods.map((p) => p.meta.namespace),
      ...(dest.namespace ? [dest.namespace] : []),
      ...dest.targets.map((t) => t.pod.meta.namespace),
      ...(binding.route ? [binding.route.gateway.meta.namespace] : []),
    ];
    const first = findings[0];
    const answer = { outcome: verdict.outcome, decisive: first?.severity === 'error' ? first : undefined };
    const missing = checkMissingNamespaces(snapshot, onPath, answer, (s) => askAgain(s, query));
    appendAll(findings, missing.findings);
    const unknown = missing.unknown ?? checkAssumedSettings(snapshot, onPath, answer, (s) => askAgain(s, query));
    if (unknown)
      Object.assign(verdict, { outcome: 'unknown', symptom: 'unknown', enforcedBy: 'none', summary: unknown });
  }
  if (query.symptom) {
    const f = symptomFinding(query.symptom, verdict, path);
    if (f) findings.push(f);
  }
  const decisive = findings[0]?.severity === 'error' ? findings[0] : undefined;
  const merged = mergeFindings(findings);
  if (options.prove !== false) {
    attachProofs(merged, {
      snapshot,
      ask: (changed) => askAgain(changed, query),
      opens: {
        asker: src.pods,
        // Where a proxy decided per request (a waypoint, a sidecar), the fix is checked request by request.
        ...(verdict.enforcedBy === 'waypoint' || verdict.enforcedBy === 'sidecar'
          ? { request: { method: query.method, path: query.path, headers: query.headers } }
          : {}),
        destination: (s) => {
          try {
            return resolveDestination(s, query.destination, query.namespace, query.port);
          } catch {
            return undefined;
          }
        },
      },
    });
  }
  const report: ExplainReport = {
    source: {
      input: src.input,
      kind: src.kind === 'kubelet' ? 'kubelet' : (src.object?.kind.toLowerCase() ?? 'pod'),
      ...(src.namespace ? { namespace: src.namespace } : {}),
      ...(src.object ? { object: refText(src.object) } : {}),
      pods: src.pods.map((p) => summarizePod(ctx, p)),
    },
    destination: {
      input: dest.input,
      kind: dest.kind,
      ...(dest.namespace ? { namespace: dest.namespace } : {}),
      ...(dest.object ? { object: refText(dest.object) } : {}),
      port: dest.port,
      ...(dest.targets[0] ? { targetPort: dest.targets[0].targetPort } : {}),
      addressedBy: dest.addressedBy,
      ...(dest.path ? { path: dest.path } : {}),
      pods: dest.targets.map((t) => summarizePod(ctx, t.pod)),
    },
    verdict,
    path,
    findings: merged,
    istio: istioVersionOf(snapshot),
  };
  const resolved = { ctx, sources: src.pods, dest, waypoint: binding.route, decisiveObjects: decisive?.objects ?? [] };
  return { report, resolved };
}

function askAgain(changed: Snapshot, query: ExplainQuery): Asked {
  try {
    const r = explain(changed, { ...query, symptom: undefined }, { prove: false });
    const first = r.findings[0];
    return { outcome: r.verdict.outcome, decisive: first?.severity === 'error' ? first : undefined };
  } catch {
    return { outcome: 'unknown' };
  }
}
