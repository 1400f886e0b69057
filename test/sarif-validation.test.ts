// Issue 30: every SARIF file `check` writes validates, by Microsoft's own SARIF validator (the SARIF SDK's
// Sarif.Multitool `validate`, npm @microsoft/sarif-multitool: the JSON schema and the specification's rules)
// and by the SARIF 2.1.0 JSON schema it ships, read with ajv. The files are what users get: the built CLI
// run with -f on each check scenario's manifests, so results carry file and line regions.
import { spawnSync } from 'node:child_process';
import { accessSync, chmodSync, constants, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { loadScenarios } from './support/scenarios.js';
import { checkNamespaces } from './support/run-scenario.js';

const ROOT = join(import.meta.dirname, '..');
const require = createRequire(import.meta.url);
const validator: string = require('@microsoft/sarif-multitool');
// The package's only install script makes the binary executable; npm 11 does not run install scripts
// it has not been told to trust, so the test does that one step itself.
try {
  accessSync(validator, constants.X_OK);
} catch {
  chmodSync(validator, 0o755);
}
const schema = JSON.parse(readFileSync(join(dirname(validator), 'sarif-2.1.0.json'), 'utf8'));
const checkScenarios = loadScenarios().filter((s) => s.command === 'check');
const dir = mkdtempSync(join(tmpdir(), 'sarif-'));

/** One SARIF file per check scenario, written by the CLI users run. */
const files = checkScenarios.map((s) => {
  const inputs = [...new Set(s.objects.map((o) => o.origin))];
  const namespaces = checkNamespaces(s);
  const scope = namespaces === 'all' ? ['-A'] : namespaces.flatMap((n) => ['-n', n]);
  const run = spawnSync(
    process.execPath,
    [
      join(ROOT, 'bin', 'kubectl-ambient_doctor'),
      'check',
      ...inputs.flatMap((f) => ['-f', f]),
      ...scope,
      '-o',
      'sarif',
    ],
    { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } },
  );
  const file = join(dir, `${s.name}.sarif`);
  writeFileSync(file, run.stdout);
  return { name: s.name, file, status: run.status, stderr: run.stderr };
});

describe('SARIF from check validates', () => {
  it('writes a SARIF file for every check scenario', () => {
    expect(files.length).toBeGreaterThanOrEqual(10);
    for (const f of files) expect([0, 3], `${f.name}: ${f.stderr}`).toContain(f.status);
  });

  it('against the SARIF 2.1.0 JSON schema', () => {
    const validate = new Ajv2020({ strict: false, allErrors: true }).compile(schema);
    for (const f of files) {
      const ok = validate(JSON.parse(readFileSync(f.file, 'utf8')));
      expect(validate.errors ?? [], f.name).toEqual([]);
      expect(ok).toBe(true);
    }
  });

  it("with Microsoft's SARIF validator: no error and no warning", () => {
    const log = join(dir, 'validation.sarif');
    const run = spawnSync(
      validator,
      [
        'validate',
        ...files.map((f) => f.file),
        '--output',
        log,
        '--log',
        'ForceOverwrite',
        '--level',
        'Error;Warning;Note',
      ],
      {
        encoding: 'utf8',
        timeout: 240_000,
      },
    );
    expect(run.status, run.stdout + run.stderr).toBe(0);
    const results = JSON.parse(readFileSync(log, 'utf8')).runs.flatMap((r: any) => r.results ?? []);
    const loud = results.filter((r: any) => r.level === 'error' || r.level === 'warning' || r.level === undefined);
    expect(loud.map((r: any) => `${r.ruleId}: ${r.message?.text ?? JSON.stringify(r.message)}`)).toEqual([]);
    console.log(`SARIF validator: ${files.length} files, ${results.length} notes, no error or warning.`);
  });

  it('fails a file that breaks the rules (the check above can fail)', () => {
    const broken = JSON.parse(readFileSync(files[0].file, 'utf8'));
    const rule = broken.runs[0].tool.driver.rules[0];
    rule.name = rule.id; // SARIF1001: a rule's name must differ from its opaque id
    delete broken.version; // required by the schema
    const file = join(dir, 'broken.sarif.json');
    writeFileSync(file, JSON.stringify(broken));
    const validate = new Ajv2020({ strict: false }).compile(schema);
    expect(validate(broken)).toBe(false);
    const log = join(dir, 'broken-validation.sarif');
    spawnSync(validator, ['validate', file, '--output', log, '--log', 'ForceOverwrite'], { timeout: 240_000 });
    const results = JSON.parse(readFileSync(log, 'utf8')).runs.flatMap((r: any) => r.results ?? []);
    expect(results.some((r: any) => r.level === 'error' || r.level === 'warning' || r.level === undefined)).toBe(true);
  });
});
