// Issue 29: where the dataplane's records disagree with the prediction, or name the policy that decided,
// the first screen (80×24) shows the logged line, what it means and (unless its fix says it) what to do; an
// answer longer than a terminal ends with a one-line recap of verdict, culprit and fix.
import { describe, expect, it } from 'vitest';
import { renderExplainText } from '../src/render/text.js';
import { makeStyle } from '../src/render/style.js';
import type { ExplainReport } from '../src/diagnose/report.js';
import { loadScenarios, scenarioSnapshot } from './support/scenarios.js';
import { runScenarioOn } from './support/run-scenario.js';

const WIDTH = 80;
const HEIGHT = 24;

const reports = loadScenarios()
  .filter((s) => s.command === 'explain' && !s.expect.error)
  .map((s) => ({ s, report: runScenarioOn(s, scenarioSnapshot(s)) as ExplainReport }))
  .filter(({ report }) => report.findings.some((f) => f.code === 'AD906' || f.code === 'AD910'));

describe('the logged line leads the first screen', () => {
  it('covers the scenarios whose evidence disagrees or names the culprit', () => {
    expect(reports.length).toBeGreaterThanOrEqual(20);
  });

  it.each(reports.map(({ s, report }) => [s.name, report] as const))('%s', (_name, report) => {
    const text = renderExplainText(report, { style: makeStyle(false), width: WIDTH, wide: false });
    const screen = text.split('\n').slice(0, HEIGHT);
    const decided = report.findings.find((f) => f.code === 'AD910');
    const logged = (decided ?? report.findings.find((f) => f.code === 'AD906'))!.logged!;
    expect(logged, 'the finding carries the line it rests on').toBeDefined();
    const row = screen.find((l) => l.startsWith('  logged  '));
    expect(row, screen.join('\n')).toBeDefined();
    // The quote, cut to the width with an ellipsis at most.
    expect(logged.quote.startsWith(row!.replace(/^ {2}logged +/, '').replace(/…$/, ''))).toBe(true);
    expect(screen.some((l) => l.startsWith('  means '))).toBe(true);
    expect(screen.every((l) => l.length <= WIDTH)).toBe(true);
    // When the logs name the policy that decided, it is the culprit.
    if (decided) expect(screen.find((l) => l.startsWith('  culprit'))).toContain(decided.objects[0]);
  });
});

describe('a long answer on a terminal ends with a recap', () => {
  const long = loadScenarios()
    .filter((s) => s.command === 'explain' && !s.expect.error && s.expect.outcome === 'denied')
    .slice(0, 20)
    .map((s) => runScenarioOn(s, scenarioSnapshot(s)) as ExplainReport);

  it.each(long.map((r) => [`${r.source.input} → ${r.destination.input}`, r] as const))('%s', (_name, report) => {
    const options = { style: makeStyle(false), width: WIDTH, wide: false };
    const plain = renderExplainText(report, options).trimEnd().split('\n');
    const onTerminal = renderExplainText(report, { ...options, height: HEIGHT })
      .trimEnd()
      .split('\n');
    if (plain.length <= HEIGHT) return expect(onTerminal).toEqual(plain);
    const recap = onTerminal.at(-1)!;
    expect(recap.startsWith('DENIED · ')).toBe(true);
    expect(recap.length).toBeLessThanOrEqual(WIDTH);
    const decisive = report.findings.find((f) => f.severity === 'error')!;
    expect(recap).toContain(decisive.code);
  });
});
