// Issue 17: explain and check share every rule. For every scenario whose expected decisive finding
// is about the mesh rather than one connection (its catalogue entry does not call it intended), `check` over the same
// input must report that finding on the same object; for STRICT against a plaintext client (AD301,
// AD704) it must report the mesh-wide risk AD305 on the same PeerAuthentication.
import { describe, expect, it } from 'vitest';
import { loadScenarios, scenarioSnapshot } from './support/scenarios.js';
import { runScenarioOn } from './support/run-scenario.js';
import { check } from '../src/diagnose/check/index.js';
import { decidingPolicy, type FindingCode } from '../src/findings/catalogue.js';

/** The code a scan reports for a connection this code denies, as the catalogue decides; none for intended denials. */
function meshCodeOf(code: FindingCode): string | undefined {
  const inCheck = decidingPolicy(code)?.inCheck ?? 'fault';
  if (inCheck === 'intended') return undefined;
  return typeof inCheck === 'object' ? inCheck.meshForm : code;
}

const withDecisive = loadScenarios().filter((s) => s.expect.decisive && !s.expect.error);

describe('check reports what explain decides, on the same object', () => {
  it('covers enough scenarios to mean something', () => {
    const covered = withDecisive.filter((s) => meshCodeOf(s.expect.decisive!));
    expect(covered.length).toBeGreaterThanOrEqual(40);
  });

  it.each(withDecisive.map((s) => [s.name, s] as const))('%s', (_name, s) => {
    const code = s.expect.decisive!;
    const meshCode = meshCodeOf(code);
    if (!meshCode) return; // an intended denial of one connection: nothing for a scan to report
    const snapshot = scenarioSnapshot(s);
    const decisive = runScenarioOn(s, snapshot).findings[0];
    expect(decisive.code).toBe(code);
    const report = check(snapshot, { namespaces: 'all' });
    const object = decisive.objects[0];
    const hits = report.findings.filter((f) => f.code === meshCode);
    const summary = report.findings.map((f) => `${f.code} ${f.objects[0] ?? ''}`).join('; ');
    // Intent before fault (issue 30): a denial no configuration means is no fault for a scan to report.
    if (s.expect.scan === 'quiet') {
      expect(
        hits.filter((f) => !object || f.objects.includes(object)),
        summary,
      ).toEqual([]);
      return;
    }
    expect(hits.length, `check reports ${meshCode}; it reported: ${summary}`).toBeGreaterThan(0);
    if (object) {
      expect(
        hits.some((f) => f.objects.includes(object)),
        `${meshCode} on ${object}; check named: ${hits.map((f) => f.objects.join(', ')).join(' | ')}`,
      ).toBe(true);
    }
  });
});
