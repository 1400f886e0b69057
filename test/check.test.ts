// check (issue 17): every analyzer has a check scenario in which it reports something; the SARIF
// and JSON shapes; --fail-on and suppression at the CLI.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadScenarios, scenarioSnapshot } from './support/scenarios.js';
import { checkNamespaces } from './support/run-scenario.js';
import { check, CHECK_ANALYZERS } from '../src/diagnose/check/index.js';
import { createContext } from '../src/diagnose/context.js';
import { isMeshComponent } from '../src/mesh/components.js';
import { renderCheckSarif } from '../src/render/check.js';
import { FINDINGS } from '../src/findings/catalogue.js';
import { buildSnapshot } from '../src/input/normalize.js';
import { parse as parseShell } from 'shell-quote';

const ROOT = join(import.meta.dirname, '..');
const checkScenarios = loadScenarios().filter((s) => s.command === 'check');
const cli = (args: string[]) =>
  spawnSync(process.execPath, [join(ROOT, 'bin', 'kubectl-ambient_doctor'), ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', COLUMNS: '100' },
  });

describe('check analyzers', () => {
  it.each(CHECK_ANALYZERS.map((a) => [a.name, a] as const))('%s reports in some check scenario', (_n, analyzer) => {
    const reported = checkScenarios.flatMap((s) => {
      const snapshot = scenarioSnapshot(s);
      const namespaces = checkNamespaces(s);
      const scoped = namespaces === 'all' ? undefined : new Set(namespaces);
      const inScope = (ns: string | undefined) => !scoped || !ns || scoped.has(ns);
      const pods = snapshot.pods.filter((p) => inScope(p.meta.namespace) && !isMeshComponent(p));
      const found = analyzer.run({ ctx: createContext(snapshot), snapshot, namespaces, inScope, pods });
      return found.map((f) => `${s.name}: ${f.code}`);
    });
    expect(reported.length, `no check scenario exercises ${analyzer.name}`).toBeGreaterThan(0);
    for (const line of reported) expect(analyzer.codes).toContain(line.split(': ')[1]);
  });
});

describe('check without clients', () => {
  it('an L7 ALLOW at ztunnel is reported even when no client in the input calls its pod (§4.3)', () => {
    const s = checkScenarios.find((x) => x.name === 'check-04-policies')!;
    const solo = s.objects.filter((o) => o.object.metadata?.namespace === 'solo' || o.object.metadata?.name === 'solo');
    expect(solo.length).toBe(3);
    const report = check(buildSnapshot(solo), { namespaces: 'all' });
    const f = report.findings.find((x) => x.code === 'AD403');
    expect(f?.objects[0]).toBe('AuthorizationPolicy solo/get-only');
    expect(f?.detail).toContain('admits no one');
    expect(f?.explain, 'no connection to explain').toBeUndefined();
  });
});

describe('check output', () => {
  const s = checkScenarios.find((x) => x.name === 'check-06-netpol-and-probes')!;
  const report = check(scenarioSnapshot(s), { namespaces: 'all' });

  it('orders errors first and names the culprit first', () => {
    const ranks = report.findings.map((f) => ({ error: 0, warning: 1, info: 2 })[f.severity]);
    expect(ranks).toEqual([...ranks].sort());
    for (const f of report.findings) expect(f.objects.length, f.code).toBeGreaterThan(0);
  });

  it('SARIF 2.1.0: one rule per code, one result per finding, levels mapped', () => {
    const sarif = renderCheckSarif(report) as any;
    expect(sarif.version).toBe('2.1.0');
    const run = sarif.runs[0];
    const ids = run.tool.driver.rules.map((r: any) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(run.results).toHaveLength(report.findings.length);
    for (const r of run.results) {
      expect(ids[r.ruleIndex]).toBe(r.ruleId);
      const want = { error: 'error', warning: 'warning', info: 'note' }[FINDINGS[r.ruleId as 'AD501'].severity];
      expect(r.level).toBe(want);
      expect(r.locations[0].logicalLocations[0].fullyQualifiedName).toMatch(/^\w+ /);
    }
  });
});

describe('check at the command line', () => {
  const file = join(ROOT, 'docs', 'seeds', 'lesson-authz.yaml');

  it('prints analyze-style lines and exits 3 on an error', () => {
    const r = cli(['check', '-f', file]);
    expect(r.status).toBe(3);
    expect(r.stdout).toMatch(/^Error \[AD403\] \(AuthorizationPolicy hello\/hello-world-authz\) /m);
    expect(r.stdout).toMatch(/^Warning \[AD802\] \(Namespace hello\) /m);
  });

  it('--fail-on none exits 0; --fail-on warning fails on warnings alone', () => {
    expect(cli(['check', '-f', file, '--fail-on', 'none']).status).toBe(0);
    const onlyWarnings = cli(['check', '-f', file, '--ignore', 'AD403', '--fail-on', 'warning']);
    expect(onlyWarnings.status).toBe(3);
    expect(cli(['check', '-f', file, '--ignore', 'AD403']).status).toBe(0);
  });

  it('--ignore counts what it hides, per namespace or everywhere', () => {
    const json = JSON.parse(cli(['check', '-f', file, '--ignore', 'AD403:hello', '-o', 'json']).stdout);
    expect(json.findings.map((f: any) => f.code)).not.toContain('AD403');
    expect(json.summary.suppressed).toBe(1);
    expect(json.suppressed[0]).toEqual({
      code: 'AD403',
      object: 'AuthorizationPolicy hello/hello-world-authz',
      by: '--ignore AD403:hello',
    });
    const other = JSON.parse(cli(['check', '-f', file, '--ignore', 'AD403:test', '-o', 'json']).stdout);
    expect(other.findings.map((f: any) => f.code)).toContain('AD403');
  });

  it('bad input gets one line and exit 1', () => {
    const code = cli(['check', '-f', file, '--ignore', 'AD999']);
    expect(code.status).toBe(1);
    expect(code.stderr.trim().split('\n')).toHaveLength(1);
    expect(code.stderr).toContain('AD999 is not a finding code');
    const ns = cli(['check', '-f', file, '-n', 'nope']);
    expect(ns.status).toBe(1);
    expect(ns.stderr).toContain('namespace "nope" not found');
  });

  it('-o sarif is JSON a code-scanning upload accepts', () => {
    const sarif = JSON.parse(cli(['check', '-f', file, '-o', 'sarif']).stdout);
    expect(sarif.$schema).toContain('sarif-2.1.0');
    expect(sarif.runs[0].results.some((r: any) => r.ruleId === 'AD403' && r.level === 'error')).toBe(true);
    // -f input: the result points at the file the object came from.
    const located = sarif.runs[0].results.find((r: any) => r.ruleId === 'AD403');
    expect(located.locations[0].physicalLocation.artifactLocation.uri).toContain('lesson-authz.yaml');
  });
});

// Issue 30: lines you can grep, and suggestions that ask the same input as the scan.
describe('check output an on-call engineer can grep and paste', () => {
  const seeds = [
    'docs/seeds/docs-networkpolicy.yaml',
    'docs/seeds/article-hardening.yaml',
    'docs/seeds/lesson-authz.yaml',
  ];

  it.each(seeds)('check -f %s: every default text line fits 80 columns, one finding per line', (file) => {
    const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'kubectl-ambient_doctor'), 'check', '-f', file], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1', COLUMNS: '80' },
    });
    const lines = r.stdout.trimEnd().split('\n');
    expect(
      lines.every((l) => l.length <= 80),
      r.stdout,
    ).toBe(true);
    const findings = JSON.parse(cli(['check', '-f', file, '-o', 'json']).stdout).findings;
    expect(lines.filter((l) => /^(Error|Warning|Info) \[AD\d+\]/.test(l))).toHaveLength(findings.length);
    expect(r.stdout).not.toContain('§');
  });

  it.each(checkScenarios.map((s) => [s.name, s] as const))(
    'check on %s: every default text line fits 80 columns, with no §',
    (_n, s) => {
      const inputs = [...new Set(s.objects.map((o) => o.origin))].flatMap((f) => ['-f', f]);
      const namespaces = checkNamespaces(s);
      const scope = namespaces === 'all' ? ['-A'] : namespaces.flatMap((n) => ['-n', n]);
      const r = spawnSync(
        process.execPath,
        [join(ROOT, 'bin', 'kubectl-ambient_doctor'), 'check', ...inputs, ...scope],
        {
          cwd: ROOT,
          encoding: 'utf8',
          env: { ...process.env, NO_COLOR: '1', COLUMNS: '80' },
        },
      );
      const long = r.stdout.split('\n').filter((l) => [...l].length > 80);
      expect(long, r.stdout).toEqual([]);
      expect(r.stdout).not.toContain('§');
    },
  );

  // The two seeds whose faults are connection faults (so check suggests an explain for them).
  it.each(seeds.slice(0, 2))('check -f %s: each suggested explain, pasted, reads the same files', (file) => {
    const findings = JSON.parse(cli(['check', '-f', file, '-o', 'json']).stdout).findings;
    const suggested = findings.filter((f: any) => f.explain).map((f: any) => f.explain as string);
    expect(suggested.length).toBeGreaterThan(0);
    for (const line of suggested) {
      const words = parseShell(line).filter((w): w is string => typeof w === 'string');
      expect(words.slice(0, 3)).toEqual(['kubectl', 'ambient-doctor', 'explain']);
      expect(words.slice(-2)).toEqual(['-f', file]);
      const asked = cli([...words.slice(2), '-o', 'json']);
      // 0 or 3: an answer about the connection (the scan found it broken, so 3), never an input error.
      expect([0, 3], asked.stderr).toContain(asked.status);
    }
  });
});

describe('SARIF locates each result on its object', () => {
  const files = [
    'docs/seeds/docs-networkpolicy.yaml',
    'docs/seeds/article-hardening.yaml',
    'docs/seeds/lesson-authz.yaml',
  ];
  it.each(files)('check -f %s -o sarif: every result has the file and the line its object starts on', (file) => {
    const sarif = JSON.parse(cli(['check', '-f', file, '-o', 'sarif']).stdout);
    const text = readFileSync(join(ROOT, file), 'utf8').split('\n');
    const results = sarif.runs[0].results;
    expect(results.length).toBeGreaterThan(0);
    for (const r of results) {
      const where = r.locations[0].physicalLocation;
      expect(where?.artifactLocation.uri, JSON.stringify(r)).toBe(file);
      const line: number = where.region.startLine;
      const [kind, name] = r.locations[0].logicalLocations[0].fullyQualifiedName.split(' ');
      const object = text.slice(line - 1, line + 3).join('\n');
      expect(object).toContain(`kind: ${kind}`);
      expect(object).toContain(name.split('/').at(-1));
    }
  });
});
