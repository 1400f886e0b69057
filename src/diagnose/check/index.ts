// `check`: every finding of the input that does not need a question, in one order-independent scan.
// Each analyzer is one file; the report is ordered by severity, then group, then object, so the same
// input always gives the same output whatever order its objects came in.
import type { Snapshot } from '../../snapshot/types.js';
import { CHECK_GROUPS, type Severity } from '../../findings/catalogue.js';
import { refsOf, type Finding } from '../../findings/finding.js';
import { UsageError } from '../../errors.js';
import { compareText } from '../../order.js';
import { istioVersionOf } from '../../mesh/versions.js';
import type { CheckReport, CheckReportFinding } from '../report.js';
import { createContext } from '../context.js';
import { NOTES, runNotes } from '../notes/index.js';
import { groupOf, type CheckAnalyzer, type CheckFinding, type Scan } from './analyzer.js';
import { dataplane } from './dataplane.js';
import { enrolment } from './enrolment.js';
import { waypoints } from './waypoints.js';
import { peerAuthentication } from './peer-authentication.js';
import { authorization } from './authorization.js';
import { targetRefs } from './target-refs.js';
import { identities } from './identities.js';
import { policyReachAnalyzer } from './policy-reach.js';
import { istioConditions } from './istio-conditions.js';
import { serviceEntryProtocols } from './service-entries.js';
import { probeReachability } from './probes.js';
import { serviceEndpoints } from './services.js';
import { connections } from './connections.js';
import { suppressionOf, type Suppression } from './suppress.js';
import { isMeshComponent } from '../../mesh/components.js';

const input: CheckAnalyzer = {
  name: 'input',
  codes: NOTES.reading.flatMap((a) => a.codes),
  run: (scan) => runNotes(scan.ctx, NOTES.reading, scan.snapshot),
};

// Connections first: where another analyzer names the same object with the same code, the finding
// that lists the connections it breaks (and an explain command) is the one kept.
export const CHECK_ANALYZERS: CheckAnalyzer[] = [
  input,
  connections,
  dataplane,
  enrolment,
  waypoints,
  peerAuthentication,
  authorization,
  targetRefs,
  identities,
  policyReachAnalyzer,
  istioConditions,
  serviceEntryProtocols,
  probeReachability,
  serviceEndpoints,
];

export interface CheckQuery {
  namespaces: string[] | 'all';
  /** `--ignore` values: CODE, or CODE:NAMESPACE[/NAME]. */
  ignore?: string[];
}

const SEVERITY_RANK: Record<Severity, number> = { error: 0, warning: 1, info: 2 };
const GROUP_RANK = new Map(CHECK_GROUPS.map((g, i) => [g, i]));

export function check(snapshot: Snapshot, query: CheckQuery): CheckReport {
  if (query.namespaces !== 'all') {
    for (const ns of query.namespaces)
      if (!snapshot.namespaces.has(ns)) throw new UsageError(`namespace "${ns}" not found`);
  }
  const suppression: Suppression = suppressionOf(snapshot, query.ignore ?? []);
  const scoped = query.namespaces === 'all' ? undefined : new Set(query.namespaces);
  const inScope = (ns: string | undefined) => !scoped || ns === undefined || ns === '' || scoped.has(ns);
  const scan: Scan = {
    ctx: createContext(snapshot, 'full'),
    snapshot,
    namespaces: query.namespaces,
    inScope,
    pods: snapshot.pods.filter((p) => inScope(p.meta.namespace) && !isMeshComponent(p)),
  };
  const all: CheckFinding[] = CHECK_ANALYZERS.flatMap((a) => a.run(scan));
  // One finding per code and decisive object: an object is judged once, whichever analyzer saw it first.
  const seen = new Set<string>();
  const unique = all.filter((f) => {
    const key = `${f.code}\u0000${f.objects[0] ?? f.detail}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  const suppressed: CheckReport['suppressed'] = [];
  const kept: CheckFinding[] = [];
  for (const f of unique) {
    const by = suppression.by(f);
    if (by) suppressed.push({ code: f.code, object: f.objects[0] ?? '', by });
    else kept.push(f);
  }
  const findings = kept
    .map((f) => toReportFinding(f, snapshot))
    .sort(
      (a, b) =>
        SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] ||
        GROUP_RANK.get(a.group)! - GROUP_RANK.get(b.group)! ||
        compareText(a.code, b.code) ||
        compareText(a.objects[0] ?? '', b.objects[0] ?? '') ||
        compareText(a.detail, b.detail),
    );
  const count = (s: Severity) => findings.filter((f) => f.severity === s).length;
  return {
    scope: { namespaces: query.namespaces },
    istio: istioVersionOf(snapshot),
    summary: { errors: count('error'), warnings: count('warning'), info: count('info'), suppressed: suppressed.length },
    findings,
    suppressed,
  };
}

function toReportFinding(f: CheckFinding, snapshot: Snapshot): CheckReportFinding {
  // Where the named object came from, also for findings built from a reference without its file.
  const first = refsOf(f)[0];
  const file = first && f.objects[0] && !f.origins?.[f.objects[0]] ? snapshot.originOf(first) : undefined;
  const origins = file ? { ...f.origins, [f.objects[0]]: file } : f.origins;
  return {
    code: f.code,
    severity: f.severity,
    group: groupOf(f.code),
    title: f.title,
    detail: f.detail,
    objects: f.objects,
    ...(origins ? { origins } : {}),
    docs: f.docs,
    ...(f.explain ? { explain: f.explain } : {}),
  };
}

export type { CheckReport, CheckReportFinding, Finding };
