// Issue 28: a fix for a denial a proxy decided per request (waypoint, sidecar, gateway) opens the asked
// request and no other. For fix 1 of every such scenario: each method, path and header value the policies
// mention, and one none mentions, asked again through explain before and after the fix (as printed, applied
// as kubectl apply does): a request denied before stays denied after.
import { describe, expect, it } from 'vitest';
import { buildSnapshot } from '../src/input/normalize.js';
import { parseManifestText } from '../src/input/files.js';
import { otherRequests } from '../src/diagnose/fixes/opens.js';
import type { RequestAsked } from '../src/mesh/http.js';
import { lastCopies, loadScenarios } from './support/scenarios.js';
import { runScenarioOn } from './support/run-scenario.js';

const cases = loadScenarios().flatMap((given) => {
  const s = { ...given, objects: lastCopies(given.objects) };
  if (s.command !== 'explain') return [];
  const snapshot = buildSnapshot(s.objects);
  let report: any;
  try {
    report = runScenarioOn(s, snapshot);
  } catch {
    return [];
  }
  const enforced = report.verdict.enforcedBy;
  const fix = report.findings?.[0]?.fixes?.[0];
  // Requests exist where the deciding hop reads HTTP; on a TCP chain a request is a connection.
  const http = report.path.some((h: any) => h.result === 'fail' && h.protocol === 'HTTP');
  if (
    (enforced !== 'waypoint' && enforced !== 'sidecar') ||
    !http ||
    !fix?.manifests ||
    fix.proof?.outcome !== 'allowed'
  )
    return [];
  return [[s.name, s, snapshot, fix] as const];
});

describe('L7 fixes, request by request', () => {
  it('cover the scenarios', () => expect(cases.length).toBeGreaterThan(10));

  it.each(cases)('%s', (_name, s, snapshot, fix) => {
    const after = snapshot.withChange({
      apply: parseManifestText(fix.manifests, 'fix.yaml').map((o) => o.object),
      delete: [],
    });
    // The asked path is the flag's, else the URL's (http://svc/path).
    const url = /^https?:\/\//.test(s.args[1]) ? new URL(s.args[1]).pathname : undefined;
    const asked: RequestAsked = { method: s.flags.method, path: s.flags.path ?? url, headers: s.flags.header };
    const outcome = (snap: typeof snapshot, r: typeof asked) =>
      (runScenarioOn({ ...s, flags: { ...s.flags, method: r.method, path: r.path, header: r.headers } }, snap) as any)
        .verdict.outcome;
    expect(outcome(after, asked), 'the asked request works after the fix').toBe('allowed');
    const opened = otherRequests([snapshot, after], asked).filter(
      (r) => outcome(snapshot, r) === 'denied' && outcome(after, r) === 'allowed',
    );
    expect(opened).toEqual([]);
  });
});
