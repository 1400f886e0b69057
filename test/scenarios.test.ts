// Every scenario under test/scenarios runs through the same pipeline the CLI uses.
// Expectations come from ../shared/docs/ambient-semantics.md (the section is in expected.yaml).
import { describe, expect, it } from 'vitest';
import { UserFacingError } from '../src/errors.js';
import {
  loadScenarios,
  scenarioSnapshot,
  ScenarioFile,
  type Scenario,
  type ScenarioExpectation,
} from './support/scenarios.js';
import type { Finding } from '../src/findings/finding.js';
import { runScenarioOn } from './support/run-scenario.js';

const runScenario = (s: Scenario) => runScenarioOn(s, scenarioSnapshot(s));

const scenarios = loadScenarios();

/**
 * Trust before features: every remedy was applied to the input and the question asked again. The
 * decisive finding's alternatives must make the connection work and open nothing else, unless the
 * scenario names the next cause (a fix that removes one of two causes) or says why it opens more.
 */
function checkProofs(findings: Finding[], e: ScenarioExpectation) {
  for (const f of findings) {
    for (const alt of f.fixes ?? []) expect(alt.proof, `${f.code} "${alt.title}" has a proof`).toBeDefined();
  }
  const decisive = findings[0];
  if (!decisive || decisive.severity !== 'error') {
    expect(e.fixes, 'fix expectations need a decisive finding').toBeUndefined();
    return;
  }
  (decisive.fixes ?? []).forEach((alt, i) => {
    const want = e.fixes?.[i] ?? {};
    const proof = alt.proof!;
    const label = `fix ${i + 1} "${alt.title}"`;
    if (proof.outcome === 'not-checked') return;
    if (want.next) expect(proof.next?.split(' ')[0], `${label}: next cause`).toBe(want.next);
    else expect(proof.outcome, `${label}: ${proof.next ?? ''}`).toBe('allowed');
    const opened = proof.opens.map(
      (o) => `${o.source} -> ${o.destination}:${o.port}${o.request ? ` ${o.request}` : ''}`,
    );
    if (!want.opens) expect(opened, `${label} opens only the asker's workload`).toEqual([]);
    else expect(opened.length, `${label}: the justification is stale`).toBeGreaterThan(0);
  });
  expect((e.fixes ?? []).length, 'more fix expectations than alternatives').toBeLessThanOrEqual(
    decisive.fixes?.length ?? 0,
  );
}

describe('scenarios', () => {
  it('expected.yaml rejects keys it does not know, so a misspelt expectation cannot pass', () => {
    const base = { description: 'x', section: '§8', args: ['a/b', 'c.d:1'], expect: { outcome: 'denied' } };
    expect(ScenarioFile.safeParse(base).success).toBe(true);
    expect(ScenarioFile.safeParse({ ...base, expect: { outcom: 'denied' } }).success).toBe(false);
    expect(ScenarioFile.safeParse({ ...base, expect: { decisive: 'AD999' } }).success).toBe(false);
    expect(ScenarioFile.safeParse({ ...base, expect: { path: [{ reslt: 'fail' }] } }).success).toBe(false);
    expect(ScenarioFile.safeParse({ ...base, section: 'somewhere' }).success).toBe(false);
  });

  it('has at least 30 scenarios', () => {
    expect(scenarios.length).toBeGreaterThanOrEqual(30);
  });

  it.each(scenarios.map((s) => [s.name, s] as const))('%s', (_name, s) => {
    const e = s.expect;
    if (e.error) {
      let thrown: unknown;
      try {
        runScenario(s);
      } catch (err) {
        thrown = err;
      }
      expect(thrown, 'expected a user-facing error').toBeInstanceOf(UserFacingError);
      expect((thrown as UserFacingError).exitCode).toBe(e.error.exitCode);
      expect((thrown as Error).message).toContain(e.error.message);
      return;
    }
    const report = runScenario(s);
    const codes = report.findings.map((f) => f.code);
    if (e.outcome) expect(report.verdict.outcome, report.verdict.summary).toBe(e.outcome);
    if (e.symptom) expect(report.verdict.symptom).toBe(e.symptom);
    if (e.enforcedBy) expect(report.verdict.enforcedBy).toBe(e.enforcedBy);
    if (e.decisive) {
      expect(report.findings[0]?.code, JSON.stringify(codes)).toBe(e.decisive);
      expect(report.findings[0].severity).toBe('error');
      expect(report.findings[0].objects.length, 'an error names its objects').toBeGreaterThan(0);
    }
    if (e.decisiveObject) expect(report.findings[0].objects[0]).toBe(e.decisiveObject);
    if (e.detailIncludes) expect(report.findings[0].detail).toContain(e.detailIncludes);
    if (e.fixIncludes) expect(report.findings[0].fix ?? '').toContain(e.fixIncludes);
    checkProofs(report.findings, e);
    for (const c of e.includes ?? []) expect(codes).toContain(c);
    for (const [c, text] of Object.entries(e.findingDetails ?? {}))
      expect(report.findings.find((f) => f.code === c)?.detail ?? `(no ${c})`).toContain(text);
    for (const c of e.excludes ?? []) expect(codes).not.toContain(c);
    for (const want of e.reports ?? []) {
      const hits = report.findings.filter((f) => f.code === want.code);
      const all = report.findings.map((f) => `${f.code} ${f.objects[0] ?? ''}`).join('; ');
      const on = want.object ? hits.filter((f) => f.objects[0] === want.object) : hits;
      expect(on.length, `${want.code}${want.object ? ` on ${want.object}` : ''}; reported: ${all}`).toBeGreaterThan(0);
      if (want.detailIncludes) expect(on.map((f) => f.detail).join('\n')).toContain(want.detailIncludes);
    }
    for (const quiet of e.notReports ?? []) {
      const loud = report.findings.filter((f) => f.code === quiet.code && f.objects[0] === quiet.object);
      expect(
        loud.map((f) => f.detail),
        `${quiet.code} on ${quiet.object}`,
      ).toEqual([]);
    }
    if (e.suppressed !== undefined) {
      expect('check' in report, 'suppressed applies to check scenarios').toBe(true);
      if ('check' in report) expect(report.check.summary.suppressed).toBe(e.suppressed);
    }
    if (report.verdict.outcome === 'allowed')
      expect(codes.filter((c) => report.findings.find((f) => f.code === c)?.severity === 'error')).toEqual([]);
    (e.path ?? []).forEach((want, i) => {
      const hop = report.path[i];
      expect(hop, `hop ${i + 1}`).toBeDefined();
      if (want.protocol) expect(hop.protocol, `hop ${i + 1} protocol`).toBe(want.protocol);
      if (want.port) expect(hop.port, `hop ${i + 1} port`).toBe(want.port);
      if (want.result) expect(hop.result, `hop ${i + 1} result`).toBe(want.result);
      if (want.identity) expect(hop.identity, `hop ${i + 1} identity`).toBe(want.identity);
      if (want.layer) expect(hop.layer, `hop ${i + 1} layer`).toBe(want.layer);
      if (want.evidenceIncludes)
        expect(hop.evidence.join('\n'), `hop ${i + 1} evidence`).toContain(want.evidenceIncludes);
    });
  });
});
