// The first screen (issue 12): on an 80×24 terminal no line is wider than the terminal, and the
// verdict, what the client sees, the culprit object and the whole first fix (column 0) are on the
// first 24 lines. Run through a real pseudo-terminal for the bundled examples and the seed
// scenarios (article-*, lesson-*); in-process for every scenario, where long fixes (two policies, an
// AdminNetworkPolicy) must start on the first screen.
import { join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import stripAnsi from 'strip-ansi';
import stringWidth from 'string-width';
import { exampleCommands } from '../scripts/examples.mjs';
import { loadScenarios, scenarioSnapshot, type Scenario } from './support/scenarios.js';
import { runScenarioOn } from './support/run-scenario.js';
import { afterSpinner, onTerminal } from './support/pty.js';
import { commandText, renderExplainText, renderProbesText } from '../src/render/text.js';
import { compactYaml } from '../src/render/layout.js';
import { makeStyle } from '../src/render/style.js';
import { SYMPTOM_WORDS, type ExplainReport, type ProbesReport } from '../src/diagnose/report.js';

const ROOT = join(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin', 'kubectl-ambient_doctor');
const WIDTH = 80;
const HEIGHT = 24;

/** What a terminal shows: colour and hyperlink sequences removed, each line as last redrawn. */
function screenLines(output: string): string[] {
  const text = output
    .replace(/\u001b\]8;;[^\u001b]*\u001b\\/g, '')
    .replace(/\r\n/g, '\n')
    .split('\n')
    .map((l) => stripAnsi(l.slice(l.lastIndexOf('\r') + 1)));
  while (text.length && text[0].trim() === '') text.shift();
  return text;
}

/** The verdict, symptom, culprit and first fix, all within the first screen. */
function checkFirstScreen(lines: string[], report: ExplainReport | ProbesReport, label: string, whole: boolean): void {
  const wide = lines.filter((l) => stringWidth(l) > WIDTH);
  expect(wide, `${label}: lines wider than ${WIDTH}`).toEqual([]);
  // Section numbers of a document users do not have stay in the docs pages.
  expect(
    lines.filter((l) => l.includes('§')),
    `${label}: § in terminal output`,
  ).toEqual([]);
  const screen = lines.slice(0, HEIGHT);
  const first = screen.join('\n');
  const flat = screen.map((l) => l.trim()).join(' ');
  const v = report.verdict;
  expect(screen[0], label).toContain(v.outcome.toUpperCase());
  if (v.outcome === 'allowed') return;
  // Wrapped text is compared with its line breaks undone.
  expect(flat.replace(/\s+/g, ' '), `${label}: symptom`).toContain(SYMPTOM_WORDS[v.symptom].replace(/\s+/g, ' '));
  const decisive = report.findings.find((f) => f.severity === 'error');
  if (!decisive) return;
  expect(first, `${label}: cause`).toContain(decisive.code);
  if (decisive.objects[0]) expect(flat, `${label}: culprit`).toContain(decisive.objects[0]);
  const fix = decisive.fixes?.[0];
  if (!fix) return;
  const fixLines = [
    ...(fix.manifests ? compactYaml(fix.manifests, WIDTH).split('\n') : []),
    ...fix.commands.flatMap((c) => commandText(c, WIDTH).split('\n')),
    ...(fix.checks.length ? ['# check (read only):'] : []),
    ...fix.checks.flatMap((c) => commandText(c, WIDTH).split('\n')),
  ];
  const start = screen.indexOf(fixLines[0]);
  expect(start, `${label}: the first fix starts in column 0 on the first screen`).toBeGreaterThanOrEqual(0);
  // Every fix starts on the first screen; for the examples and the seeds the whole of it is there.
  const shown = whole ? screen : lines;
  expect(shown.slice(start, start + fixLines.length), `${label}: the first fix, all of it, in column 0`).toEqual(
    fixLines,
  );
}

function jsonReport(args: string[]): ExplainReport | ProbesReport {
  const r = spawnSync(process.execPath, [BIN, ...args, '-o', 'json'], { cwd: ROOT, encoding: 'utf8' });
  return JSON.parse(r.stdout);
}

/** The scenario as a user would run it: every manifest file with -f, the flags as given. */
function cliArgs(s: Scenario): string[] {
  const files = [...new Set(s.objects.map((o) => relative(ROOT, o.origin)))].flatMap((f) => ['-f', f]);
  const flags = Object.entries(s.flags).flatMap(([k, v]) =>
    Array.isArray(v) ? v.flatMap((x) => [`--${k}`, x]) : [`--${k}`, v === 'http-503' ? '503' : String(v)],
  );
  return [s.command, ...s.args, ...files, ...flags];
}

const termEnv = () => {
  const env: NodeJS.ProcessEnv = { ...process.env, TERM: 'xterm-256color' };
  delete env.NO_COLOR;
  delete env.COLUMNS;
  // A user's terminal, not a CI runner's: with CI set, ora prints a static "- reading manifests" line.
  for (const k of Object.keys(env))
    if (k === 'CI' || k === 'CONTINUOUS_INTEGRATION' || k.startsWith('CI_')) delete env[k];
  return env;
};

describe('the first screen on an 80×24 pseudo-terminal', () => {
  const examples = exampleCommands().map((e) => [`example ${e.file}`, e.args] as const);
  const seeds = loadScenarios()
    .filter((s) => /^(article|lesson)-/.test(s.name) && s.input === 'files' && !s.expect.error)
    .map((s) => [`seed ${s.name}`, cliArgs(s)] as const);

  it('covers the examples and the seed scenarios', () => {
    expect(examples.length).toBeGreaterThanOrEqual(4);
    expect(seeds.length).toBeGreaterThanOrEqual(10);
  });

  it.each([...examples, ...seeds])('%s', (label, args) => {
    const r = onTerminal([process.execPath, BIN, ...args], { columns: WIDTH, rows: HEIGHT, env: termEnv(), cwd: ROOT });
    expect(r.timedOut).toBe(false);
    const lines = screenLines(afterSpinner(r.output));
    checkFirstScreen(lines, jsonReport(args), label, true);
  });
});

describe('the first screen at 80 columns, every scenario (in-process)', () => {
  // check has no verdict screen; its text is tested in check.test.ts.
  const scenarios = loadScenarios().filter((s) => !s.expect.error && s.command !== 'check');
  it.each(scenarios.map((s) => [s.name, s] as const))('%s', (_name, s) => {
    const report = runScenarioOn(s, scenarioSnapshot(s)) as ExplainReport | ProbesReport;
    const options = { style: makeStyle(false), width: WIDTH, wide: false };
    const text =
      s.command === 'probes'
        ? renderProbesText(report as ProbesReport, options)
        : renderExplainText(report as ExplainReport, options);
    checkFirstScreen(screenLines(text), report, s.name, false);
  });
});
