// Issue 30: a -f directory is read as istioctl analyze reads one: files that hold no Kubernetes object (a
// Helm values.yaml, a kustomization without kind) are skipped with a note; a file named on its own must hold
// objects, and a broken YAML file is still an error.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { readManifestFiles } from '../src/input/files.js';

const dir = mkdtempSync(join(tmpdir(), 'ambient-doctor-dir-'));
writeFileSync(join(dir, 'app.yaml'), 'apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n');
writeFileSync(join(dir, 'values.yaml'), 'replicaCount: 2\nimage: {tag: "1.0"}\n');
writeFileSync(join(dir, 'kustomization.yaml'), 'resources: [app.yaml]\n');

describe('-f with a directory', () => {
  it('skips the files that hold no Kubernetes object, with a note each', () => {
    const skipped: string[] = [];
    const objects = readManifestFiles([dir], () => '', skipped);
    expect(objects.map((o) => o.object.metadata?.name)).toEqual(['shop']);
    expect(skipped.map((s) => s.split(':')[0])).toEqual([join(dir, 'kustomization.yaml'), join(dir, 'values.yaml')]);
  });

  it('a file named on its own must hold objects', () => {
    expect(() => readManifestFiles([join(dir, 'values.yaml')], () => '')).toThrow(/kind/);
  });

  it('the CLI prints the note on stderr and answers', () => {
    const bin = join(import.meta.dirname, '..', 'bin', 'kubectl-ambient_doctor');
    const r = spawnSync(process.execPath, [bin, 'check', '-f', dir], {
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1' },
    });
    expect(r.stderr).toContain(`note: skipped ${join(dir, 'values.yaml')}`);
    expect(r.stdout).toContain('in all namespaces');
  });
});
