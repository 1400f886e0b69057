// One terminal boundary (issue 25): control bytes planted in the input never reach text output raw.
// A marker of escapes (a hyperlink, a screen clear, CR, a C1 CSI, a bidi override) is planted in every
// scenario three ways: in every name a user may choose (so the same findings come out carrying it), in
// every annotation, status and policy value, and in every string of every object; log files and config
// dumps get it in every name too. Each report is rendered as text and wide, with and without colour,
// through the CLI's own emit; after the tool's own colour and link sequences are removed, no control
// character may be left. Error lines go through the same check.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { emit, errorLine } from '../src/cli/common.js';
import { renderExplainText, renderProbesText, type TextOptions } from '../src/render/text.js';
import { renderCheckText } from '../src/render/check.js';
import { renderMatrixText } from '../src/render/matrix.js';
import { makeStyle } from '../src/render/style.js';
import { buildSnapshot } from '../src/input/normalize.js';
import { matrix } from '../src/diagnose/matrix/matrix.js';
import type { CheckReport, ExplainReport, ProbesReport } from '../src/diagnose/report.js';
import { loadScenarios, type Scenario } from './support/scenarios.js';
import { runScenarioOn } from './support/run-scenario.js';
import { taintScenario } from './support/taint.js';

const MARKER = '\u001b]8;;x\u0007LINK\u001b]8;;\u0007\u001b[2J\r\u009b31m\u202e\u0085\u007f';
/** What the tool itself writes: SGR colours and OSC 8 links ended by ST. */
const OWN_SEQUENCES = /\u001b\[[0-9;]*m|\u001b\]8;;[^\u001b\u0007]*\u001b\\/g;
const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

const FREE_TEXT = new Set(['annotations', 'status', 'principals', 'notPrincipals', 'serviceAccounts', 'message']);

/** Every string under an annotation, status or policy source value, with the marker appended. */
function taintFreeText(value: unknown, inside = false): unknown {
  if (typeof value === 'string') return inside ? `${value}${MARKER}` : value;
  if (Array.isArray(value)) return value.map((v) => taintFreeText(v, inside));
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, taintFreeText(v, inside || FREE_TEXT.has(k))]));
}

/** Every string of the object, keys too, with the marker appended. */
function taintEverything(value: unknown): unknown {
  if (typeof value === 'string') return `${value}${MARKER}`;
  if (Array.isArray(value)) return value.map(taintEverything);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [
      k === 'kind' || k === 'apiVersion' ? k : `${k}${MARKER}`,
      k === 'kind' || k === 'apiVersion' ? v : taintEverything(v),
    ]),
  );
}

const EVIDENCE_DIR = mkdtempSync(join(tmpdir(), 'taint-evidence-'));

/** The scenario's log and dump files with the same names tainted, written beside each other. */
function taintedEvidence(s: Scenario, rename: (text: string) => string): Scenario['flags'] {
  const copy = (files: string[] | undefined) =>
    files?.map((f) => {
      const out = join(EVIDENCE_DIR, `${s.name}-${basename(f)}`);
      writeFileSync(out, rename(readFileSync(f, 'utf8')));
      return out;
    });
  return { ...s.flags, logs: copy(s.flags.logs), configDump: copy(s.flags.configDump) };
}

const leftover = (text: string) => text.replace(OWN_SEQUENCES, '').match(RAW_CONTROL)?.[0];

let written = '';
afterEach(() => vi.restoreAllMocks());

/** What the CLI writes for -o text/wide, through its own emit. */
function printed(report: object, render: (safe: any, o: TextOptions) => string, o: TextOptions): string {
  written = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: any) => {
    written += String(chunk);
    return true;
  });
  // Text output is written before emit's first await, so the spy sees it synchronously.
  void emit({ output: 'text', 'allow-missing-template-keys': true }, 'ExplainReport', report, (safe) =>
    render(safe, o),
  );
  vi.restoreAllMocks();
  return written;
}

function renderAll(s: Scenario, label: string, failures: string[]): number {
  let reports = 0;
  let report: ReturnType<typeof runScenarioOn>;
  try {
    report = runScenarioOn(s, buildSnapshot(s.objects, s.input));
  } catch (err) {
    const raw = leftover(errorLine(err));
    if (raw) failures.push(`${label}: error line carries ${JSON.stringify(raw)}`);
    return 0;
  }
  for (const wide of [false, true]) {
    for (const colour of [false, true]) {
      const o: TextOptions = { style: makeStyle(colour), width: 80, wide };
      const text =
        s.command === 'check'
          ? printed((report as { check: CheckReport }).check, renderCheckText, o)
          : s.command === 'probes'
            ? printed(report as ProbesReport, renderProbesText, o)
            : printed(report as ExplainReport, renderExplainText, o);
      const raw = leftover(text);
      if (raw) failures.push(`${label} (wide ${wide}, colour ${colour}): ${JSON.stringify(raw)} reached the terminal`);
      reports++;
    }
  }
  return reports;
}

describe('control characters from the input never reach the terminal raw', () => {
  const scenarios = loadScenarios().filter((s) => !s.expect.error);

  it('in every name, every free-text value and every string of every scenario (and its logs and dumps)', () => {
    const failures: string[] = [];
    let reports = 0;
    let carried = 0;
    for (const s of scenarios) {
      const named = taintScenario(s, (name) => `${name}${MARKER}`, true);
      // The logs and dumps name the same pods: they get the same marker.
      const renameInText = (text: string) => {
        let out = text;
        for (const o of s.objects) {
          const name = o.object?.metadata?.name;
          if (typeof name === 'string' && name.length > 3 && !s.args.some((a) => a.includes(name)))
            out = out.split(name).join(`${name}${MARKER}`);
        }
        return out;
      };
      named.flags = taintedEvidence(s, renameInText);
      reports += renderAll(named, `${s.name} (names)`, failures);
      const freeText = { ...s, objects: s.objects.map((o) => ({ ...o, object: taintFreeText(o.object) as any })) };
      reports += renderAll(freeText, `${s.name} (free text)`, failures);
      const everything = { ...s, objects: s.objects.map((o) => ({ ...o, object: taintEverything(o.object) as any })) };
      reports += renderAll(everything, `${s.name} (every string)`, failures);
      // The marker must really reach the reports, or this tests nothing: count the escaped form.
      try {
        const r = runScenarioOn(named, buildSnapshot(named.objects, named.input));
        if (JSON.stringify(r).includes('\\u001b]8;;x')) carried++;
      } catch {
        // An input the tool refuses in one line: checked above.
      }
    }
    console.log(`${reports} renderings; the marker reached ${carried} of ${scenarios.length} reports`);
    expect(failures.slice(0, 20)).toEqual([]);
    expect(carried).toBeGreaterThan(scenarios.length / 2);
  });

  it('matrix text carries no raw control character', () => {
    const s = scenarios.find((x) => x.name === 'lesson-01-plaintext-client-strict')!;
    const everything = s.objects.map((o) => ({
      ...o,
      object: taintFreeText(
        taintScenario(s, (n) => `${n}${MARKER}`).objects.find(
          (t) => t.origin === o.origin && t.object.kind === o.object.kind,
        )?.object ?? o.object,
      ) as any,
    }));
    const report = matrix(buildSnapshot(everything), { namespaces: 'all', port: 5000 });
    for (const colour of [false, true]) {
      const text = printed(report, renderMatrixText, { style: makeStyle(colour), width: 80, wide: true });
      expect(leftover(text)).toBeUndefined();
    }
  });

  it('through the binary: -o wide --color always, and an error line', () => {
    const s = scenarios.find((x) => x.name === 'wp-20-custom-service-account')!;
    const named = taintFreeText(taintScenario(s, (name) => `${name}${MARKER}`, true).objects.map((o) => o.object));
    const file = join(EVIDENCE_DIR, 'wp-20.json');
    writeFileSync(file, JSON.stringify({ apiVersion: 'v1', kind: 'List', items: named }));
    const bin = join(import.meta.dirname, '..', 'bin', 'kubectl-ambient_doctor');
    const r = spawnSync(process.execPath, [bin, 'explain', ...s.args, '-f', file, '-o', 'wide', '--color', 'always'], {
      encoding: 'utf8',
    });
    expect(r.stdout).toContain('\\x1b]8;;x');
    expect(leftover(r.stdout)).toBeUndefined();
    // JSON and YAML carry the same values, escaped (C1 and bidi too), and parse back to them.
    for (const output of ['json', 'yaml']) {
      const structured = spawnSync(process.execPath, [bin, 'explain', ...s.args, '-f', file, '-o', output], {
        encoding: 'utf8',
      });
      expect(structured.stdout.match(RAW_CONTROL)?.[0], output).toBeUndefined();
      expect(structured.stdout.includes('\\u202e') || structured.stdout.includes('\\u009b'), output).toBe(true);
    }
    const bad = spawnSync(process.execPath, [bin, 'explain', `test/curl${MARKER}`, 'x:1', '-f', file], {
      encoding: 'utf8',
    });
    expect(bad.status).toBe(1);
    expect(leftover(bad.stderr)).toBeUndefined();
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
  });
});
