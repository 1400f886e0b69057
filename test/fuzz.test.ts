// Hostile input, generated: every scenario's manifests mutated by a seeded mutator (a value
// replaced by null, a number, text, a list or a map of the wrong kind, a key removed, an object
// wrapped in a List, a field set to a huge value), then read, diagnosed and rendered as the CLI
// does. Each run must end in a report that serialises to JSON, or in one of the tool's own
// errors (a UserFacingError with a clear message): never a raw JavaScript error, and within a
// bounded time. A few of the mutated inputs also go through the real binary, which must print
// valid JSON for exit codes 0, 2 and 3 and one line on stderr otherwise.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dump } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { parseManifestText } from '../src/input/files.js';
import { buildSnapshot } from '../src/input/normalize.js';
import { explain, explainRun } from '../src/diagnose/explain/explain.js';
import { annotateWithEvidence } from '../src/diagnose/evidence/index.js';
import { probes } from '../src/diagnose/explain/probes.js';
import { UserFacingError } from '../src/errors.js';
import { addLogText, emptyEvidence } from '../src/input/evidence.js';
import { parseZtunnelConfigDump } from '../src/input/ztunnel-config-dump.js';
import { loadScenarios, type Scenario } from './support/scenarios.js';
import { seededRandom } from './support/random.js';

const SEED = 20261130;
const INPUTS = 400;
const CLI_SAMPLE = 12;
const MAX_MS_PER_INPUT = 5_000;
const RAW_ERROR =
  /Cannot read propert|is not a function|is not iterable|Maximum call stack|Invalid string length|of undefined|of null|\bat .+:\d+:\d+/;

const REPLACEMENTS: unknown[] = [
  null,
  5,
  -1,
  0,
  1.5,
  'x',
  '',
  true,
  [],
  {},
  [null],
  [5],
  { a: 1 },
  [[]],
  'a'.repeat(10_000),
];

/** Every (container, key) in the tree, so a mutation can land anywhere. */
function slots(root: unknown): { parent: any; key: string | number }[] {
  const out: { parent: any; key: string | number }[] = [];
  const stack = [root];
  while (stack.length > 0) {
    const v = stack.pop();
    if (v === null || typeof v !== 'object') continue;
    const keys: (string | number)[] = Array.isArray(v) ? v.map((_, i) => i) : Object.keys(v);
    for (const k of keys) {
      out.push({ parent: v, key: k });
      stack.push((v as any)[k]);
    }
  }
  return out;
}

function mutate(objects: unknown[], next: () => number): unknown[] {
  const copy = structuredClone(objects);
  const pick = <T>(list: T[]): T => list[Math.floor(next() * list.length)];
  const mutations = 1 + Math.floor(next() * 3);
  for (let m = 0; m < mutations; m++) {
    const all = slots(copy);
    if (all.length === 0) break;
    const { parent, key } = pick(all);
    const action = next();
    if (action < 0.7) parent[key] = structuredClone(pick(REPLACEMENTS));
    else if (action < 0.85 && !Array.isArray(parent)) delete parent[key];
    else if (action < 0.95) parent[key] = { apiVersion: 'v1', kind: 'List', items: [parent[key]] };
    else copy.push(structuredClone(pick(copy as any[])));
  }
  return copy;
}

/** What the CLI does with -f and -o json, in-process. */
function diagnose(s: Scenario, text: string): string {
  const snapshot = buildSnapshot(parseManifestText(text, 'fuzz.yaml'));
  const ns = s.flags.namespace ?? 'default';
  const report =
    s.command === 'probes'
      ? probes(snapshot, s.args[0], ns)
      : explain(snapshot, { source: s.args[0], destination: s.args[1], namespace: ns, port: s.flags.port });
  return JSON.stringify(report);
}

function inputs(): { label: string; scenario: Scenario; text: string }[] {
  const next = seededRandom(SEED);
  const scenarios = loadScenarios().filter((s) => !s.expect.error && s.command !== 'check');
  const out = [];
  for (let i = 0; i < INPUTS; i++) {
    const scenario = scenarios[i % scenarios.length];
    const objects = mutate(
      scenario.objects.map((o) => o.object),
      next,
    );
    // YAML most of the time (the common input), JSON otherwise.
    const text =
      next() < 0.8
        ? objects.map((o) => dump(o, { noRefs: true })).join('---\n')
        : JSON.stringify({ kind: 'List', apiVersion: 'v1', items: objects });
    out.push({ label: `#${i} ${scenario.name}`, scenario, text });
  }
  return out;
}

describe(`fuzz: ${INPUTS} mutated inputs (seed ${SEED})`, () => {
  const cases = inputs();

  it('never a raw JavaScript error, always JSON or a clear error, in bounded time', () => {
    const failures: string[] = [];
    let clearErrors = 0;
    for (const c of cases) {
      const started = performance.now();
      try {
        JSON.parse(diagnose(c.scenario, c.text));
      } catch (err) {
        if (err instanceof UserFacingError && !RAW_ERROR.test(err.message)) clearErrors++;
        else
          failures.push(
            `${c.label}: ${err instanceof Error ? `${err.constructor.name}: ${err.message}` : String(err)}`,
          );
      }
      const ms = performance.now() - started;
      if (ms > MAX_MS_PER_INPUT) failures.push(`${c.label}: took ${ms.toFixed(0)} ms`);
    }
    console.log(`fuzz: ${cases.length - clearErrors} reports, ${clearErrors} clear errors`);
    expect(failures).toEqual([]);
    // The mutator must reach both outcomes, or it tests nothing.
    expect(clearErrors).toBeGreaterThan(INPUTS / 10);
    expect(clearErrors).toBeLessThan(INPUTS);
  });

  it(`through the binary (${CLI_SAMPLE} of them): JSON on stdout for exit 0, 2, 3; one line on stderr otherwise`, () => {
    const dir = mkdtempSync(join(tmpdir(), 'fuzz-'));
    const bin = join(import.meta.dirname, '..', 'bin', 'kubectl-ambient_doctor');
    const step = Math.floor(cases.length / CLI_SAMPLE);
    for (let i = 0; i < CLI_SAMPLE; i++) {
      const c = cases[i * step];
      const file = join(dir, `${i}.yaml`);
      writeFileSync(file, c.text);
      const s = c.scenario;
      const args =
        s.command === 'probes'
          ? ['probes', s.args[0]]
          : ['explain', s.args[0], s.args[1], ...(s.flags.port ? ['--port', s.flags.port] : [])];
      const r = spawnSync(
        process.execPath,
        [bin, ...args, '-f', file, '-o', 'json', ...(s.flags.namespace ? ['-n', s.flags.namespace] : [])],
        {
          encoding: 'utf8',
          timeout: 30_000,
        },
      );
      expect(r.error, c.label).toBeUndefined();
      if ([0, 2, 3].includes(r.status ?? -1) && r.stdout) expect(() => JSON.parse(r.stdout), c.label).not.toThrow();
      else {
        expect(r.stderr.trim().split('\n'), c.label).toHaveLength(1);
        expect(r.stderr, c.label).not.toMatch(RAW_ERROR);
      }
    }
  });
});

/** Log-line mutations as real pastes and broken files have them. */
const LINE_MUTATIONS: ((line: string, next: () => number) => string)[] = [
  (l, n) => l.slice(0, Math.floor(n() * l.length)),
  (l) => l.replaceAll('\t', '  '),
  (l, n) => `${l.slice(0, Math.floor(n() * l.length))}\u001b[2J\u0000\uffff${l.slice(Math.floor(n() * l.length))}`,
  (l) => l.replace(/=("?)[^ "]*\1/, '="' + 'x'.repeat(20_000) + '"'),
  (l) => l.replace(/\d+\.\d+\.\d+\.\d+(:\d+)?/g, '999.1.2.3:99999'),
  (l) => `[pod/ztunnel-abc/istio-proxy] ${l}`,
  (l) => l.replace(/"[a-z_.]+":/, '"":'),
  (l) => l.replace(/[{}]/, ''),
  () => '',
  (l) => `${l}\n`.repeat(50),
];

const EVIDENCE_INPUTS = 150;

describe(`fuzz: ${EVIDENCE_INPUTS} mutated logs and config dumps (seed ${SEED})`, () => {
  it('never a raw JavaScript error, always a report or a clear error, in bounded time', () => {
    const next = seededRandom(SEED + 1);
    const withEvidence = loadScenarios().filter((s) => s.flags.logs?.length || s.flags.configDump?.length);
    expect(withEvidence.length).toBeGreaterThan(20);
    const failures: string[] = [];
    let reports = 0;
    for (let i = 0; i < EVIDENCE_INPUTS; i++) {
      const s = withEvidence[i % withEvidence.length];
      const label = `#${i} ${s.name}`;
      const started = performance.now();
      try {
        const evidence = emptyEvidence();
        for (const file of s.flags.logs ?? []) {
          const lines = readFileSync(file, 'utf8').split('\n');
          const mutated = lines.map((l) =>
            next() < 0.4 ? LINE_MUTATIONS[Math.floor(next() * LINE_MUTATIONS.length)](l, next) : l,
          );
          addLogText(evidence, mutated.join(next() < 0.2 ? '\r\n' : '\n'), { origin: file });
        }
        for (const file of s.flags.configDump ?? []) {
          const text = readFileSync(file, 'utf8');
          const dumped =
            next() < 0.2
              ? text.slice(0, Math.floor(next() * text.length))
              : JSON.stringify(mutate([JSON.parse(text)], next)[0]);
          try {
            evidence.configDumps.push(parseZtunnelConfigDump(dumped, file));
          } catch (err) {
            if (!(err instanceof UserFacingError) || RAW_ERROR.test(err.message)) throw err;
          }
        }
        const snapshot = buildSnapshot(s.objects);
        const run = explainRun(snapshot, {
          source: s.args[0],
          destination: s.args[1],
          namespace: s.flags.namespace ?? 'default',
          port: s.flags.port,
        });
        const report = annotateWithEvidence(run, evidence, '2026-11-30T21:00:00Z');
        JSON.parse(JSON.stringify(report));
        reports++;
      } catch (err) {
        if (!(err instanceof UserFacingError) || RAW_ERROR.test(err.message))
          failures.push(`${label}: ${err instanceof Error ? `${err.constructor.name}: ${err.message}` : String(err)}`);
      }
      const ms = performance.now() - started;
      if (ms > MAX_MS_PER_INPUT) failures.push(`${label}: took ${ms.toFixed(0)} ms`);
    }
    console.log(`evidence fuzz: ${reports} reports of ${EVIDENCE_INPUTS}`);
    expect(failures).toEqual([]);
    expect(reports).toBeGreaterThan(EVIDENCE_INPUTS / 2);
  });
});
