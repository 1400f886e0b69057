// The evidence stage, after explain (issue 16): the runtime evidence beside the prediction: what could not
// be read (AD909), what the dataplane logged (AD905/AD906) and ztunnel's own view (AD907/AD908). It
// annotates an explain run with what that run resolved; it never resolves again and never changes the verdict.
import { finding, type Finding } from '../../findings/finding.js';
import { ztunnelVersion } from '../../mesh/versions.js';
import type { PodFact } from '../../snapshot/types.js';
import type { EvalContext } from '../context.js';
import type { ExplainRun, Resolved } from '../explain/explain.js';
import { attachUnproven } from '../fixes/proof.js';
import { mergeFindings } from '../explain/verdict.js';
import { dumpEvidence } from './config-dump.js';
import { logEvidence } from './logs.js';
import type { ExplainReport, Verdict } from '../report.js';
import type { ResolvedDestination } from '../explain/resolve.js';
import type { WaypointRoute } from '../explain/route.js';
import { summarizePod } from '../explain/summary.js';
import { appendAll } from '../../arrays.js';
import type { RuntimeEvidence } from '../../snapshot/evidence.js';

export interface EvidenceContext {
  ctx: EvalContext;
  sources: PodFact[];
  dest: ResolvedDestination;
  waypoint?: WaypointRoute;
  verdict: Verdict;
  decisiveObjects: string[];
  now: string;
}

export function evidenceFindings(evidence: RuntimeEvidence, c: EvidenceContext): Finding[] {
  const snapshot = c.ctx.snapshot;
  const out: Finding[] = [];
  // The version of the ztunnel whose records matter most: the destination's, where policies act.
  const node = c.dest.targets[0]?.pod.nodeName ?? c.sources[0]?.nodeName;
  const dumpVersion = evidence.configDumps.find((v) => v.node === node)?.version;
  const version = dumpVersion
    ? { version: dumpVersion, from: "ztunnel's config dump" }
    : ztunnelVersion(snapshot, node);
  appendAll(
    out,
    logEvidence(evidence, {
      sources: c.sources,
      dest: c.dest,
      waypointPods: c.waypoint?.pods ?? [],
      verdict: c.verdict,
      decisiveObjects: c.decisiveObjects,
      ztunnelVersion: version,
    }),
  );
  appendAll(
    out,
    dumpEvidence(evidence.configDumps, {
      snapshot,
      sources: c.sources.map((pod) => ({ pod, summary: summarizePod(c.ctx, pod) })),
      destinations: c.dest.targets.map((t) => ({ pod: t.pod, summary: summarizePod(c.ctx, t.pod) })),
      dest: c.dest,
      waypoint: c.waypoint?.gateway,
      now: c.now,
    }),
  );
  const about = out.some((f) => f.code === 'AD905');
  const lines = evidence.sources.reduce((n, s) => n + s.lines, 0);
  if (!about && lines > 0)
    out.push(
      finding(
        'AD905',
        `Read ${lines} log records (${evidence.sources
          .filter((s) => s.lines > 0)
          .map((s) => s.origin)
          .join(', ')}); ` + 'none is about this connection.',
      ),
    );
  if (evidence.gaps.length) out.push(finding('AD909', `Not read: ${evidence.gaps.join('; ')}.`));
  return out;
}

/** At most this many ztunnels and waypoint pods are read: the evidence is a sample, not an audit. */
const MAX_EVIDENCE_PODS = 8;

/**
 * The proxies whose records matter for a connection: the ztunnel on each end's node (sources first)
 * and the waypoint pods on the path. Pods without a ztunnel on their node are a gap.
 */
export function evidencePods(resolved: Resolved): {
  pods: { pod: PodFact; role: 'ztunnel' | 'waypoint' }[];
  gaps: string[];
} {
  const snapshot = resolved.ctx.snapshot;
  const ends = [...resolved.sources, ...resolved.dest.targets.map((t) => t.pod)];
  const nodes = [...new Set(ends.map((p) => p.nodeName).filter((n): n is string => !!n))];
  const out: { pod: PodFact; role: 'ztunnel' | 'waypoint' }[] = [];
  const gaps: string[] = [];
  for (const node of nodes) {
    const z = snapshot.ztunnels.find((p) => p.nodeName === node);
    if (z) out.push({ pod: z, role: 'ztunnel' });
    else if (snapshot.ztunnelsKnown) gaps.push(`the logs of the ztunnel on node ${node}: no ztunnel pod runs there`);
  }
  for (const pod of resolved.waypoint?.pods ?? []) out.push({ pod, role: 'waypoint' });
  return { pods: out.slice(0, MAX_EVIDENCE_PODS), gaps };
}

/**
 * The report of an explain run with the runtime evidence beside its prediction. A disagreement
 * between the configuration and the dataplane is said first (issue 16).
 */
export function annotateWithEvidence(
  run: ExplainRun,
  evidence: RuntimeEvidence,
  now = new Date().toISOString(),
): ExplainReport {
  const { report, resolved } = run;
  const verdict = { ...report.verdict };
  const found = evidenceFindings(evidence, {
    ctx: resolved.ctx,
    sources: resolved.sources,
    dest: resolved.dest,
    waypoint: resolved.waypoint,
    verdict: report.verdict,
    decisiveObjects: resolved.decisiveObjects,
    now,
  });
  const against = found.filter((f) => f.code === 'AD906' || f.code === 'AD908').map((f) => f.code);
  if (against.length)
    verdict.summary =
      `The dataplane's own evidence disagrees with this prediction (${against.join(', ')}). ` + verdict.summary;
  attachUnproven(found);
  // A policy the logs name as the one that denied leads: it comes before the predicted cause (issue 29).
  const leading = found.filter((f) => f.code === 'AD910');
  const rest = found.filter((f) => f.code !== 'AD910');
  return { ...report, verdict, findings: mergeFindings([...leading, ...report.findings, ...rest]) };
}
