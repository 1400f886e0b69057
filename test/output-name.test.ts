// -o name prints objects as kubectl does (`kind.group/name`). The oracle is kubectl: `kubectl label --local -f
// FILE -o name` names every object of a manifest offline, so each name the tool prints must be one kubectl
// printed for the same input, and the kind-to-group table must agree with kubectl on every object of the
// examples and of the istio.io-built meshes.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadAll } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { nameOfRef } from '../src/render/names.js';

const ROOT = join(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin', 'kubectl-ambient_doctor');
const EXAMPLES = join(ROOT, 'examples');

const run = (args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });

/** kubectl's -o name for each object of the files, in their order. */
function kubectlNames(files: string[]): string[] {
  const r = spawnSync(
    'kubectl',
    ['label', '--local', ...files.flatMap((f) => ['-f', f]), 'oracle=kubectl', '-o', 'name'],
    {
      encoding: 'utf8',
      env: { ...process.env, KUBECONFIG: '/dev/null' },
    },
  );
  if (r.status !== 0) throw new Error(r.stderr);
  return r.stdout.trim().split('\n');
}

const yamlIn = (dir: string) =>
  readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => join(dir, f));

describe('-o name: kubectl form', () => {
  it("the kind-to-group table gives kubectl's name for every object of the examples and the meshes", () => {
    const files = [...yamlIn(EXAMPLES), ...yamlIn(join(ROOT, 'test/healthy-meshes'))];
    let compared = 0;
    for (const file of files) {
      const objects = loadAll(readFileSync(file, 'utf8')).filter(Boolean) as {
        kind: string;
        metadata: { name: string; namespace?: string };
      }[];
      let names: string[];
      try {
        names = kubectlNames([file]);
      } catch {
        continue; // kubectl's strict decoder refuses some fixtures (a numeric uid); they have no kubectl names.
      }
      expect(names).toHaveLength(objects.length);
      objects.forEach((o, i) => {
        const ref = `${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`;
        expect(nameOfRef(ref), `${file}: ${ref}`).toBe(names[i]);
        compared++;
      });
    }
    expect(compared).toBeGreaterThan(100);
  });

  it('explain: the culprit, one line; nothing when the connection works', () => {
    const file = join(EXAMPLES, 'helloworld-strict.yaml');
    const denied = run(['explain', 'test/curl', 'helloworld.hello:5000', '-f', file, '-o', 'name']);
    expect(denied.status).toBe(3);
    const culprit = run(['explain', 'test/curl', 'helloworld.hello:5000', '-f', file, '-o', 'json']);
    const { findings } = JSON.parse(culprit.stdout);
    const decisive = findings.find((f: { severity: string }) => f.severity === 'error');
    expect(denied.stdout).toBe(`${nameOfRef(decisive.objects[0])}\n`);
    expect(kubectlNames([file])).toContain(denied.stdout.trim());
    const allowed = run([
      'explain',
      'test/curl',
      'helloworld.hello:5000',
      '-f',
      join(EXAMPLES, 'helloworld-ambient.yaml'),
      '-o',
      'name',
    ]);
    expect({ code: allowed.status, out: allowed.stdout }).toEqual({ code: 0, out: '' });
  });

  it('check: the object of each finding, once, each one kubectl names for the input', () => {
    const r = run(['check', '-f', EXAMPLES, '-o', 'name']);
    const names = r.stdout.trim().split('\n');
    expect(names.length).toBeGreaterThan(2);
    expect(new Set(names).size).toBe(names.length);
    const known = new Set(kubectlNames(yamlIn(EXAMPLES)));
    expect(names.filter((n) => !known.has(n))).toEqual([]);
    const report = JSON.parse(run(['check', '-f', EXAMPLES, '-o', 'json']).stdout);
    expect(names).toEqual([...new Set(report.findings.map((f: { objects: string[] }) => nameOfRef(f.objects[0])))]);
  });

  it('matrix has no objects to name: a usage error, with the formats it has', () => {
    const r = run(['matrix', '-f', join(EXAMPLES, 'helloworld-ambient.yaml'), '-o', 'name']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^error: unable to match a printer suitable for the output format "name"[^\n]*\n/);
    expect(r.stdout).toBe('');
  });
});
