// Issue 30: meshes broken as users break them. Each file of test/broken-meshes/ takes a healthy mesh of
// test/healthy-meshes/ (built as an istio.io guide leaves it), applies a change with kubectl apply semantics
// (the same apply the fixes are proven with), and lists the faults the change makes, each with the object
// its owner would act on and why (from the specification and Istio's source, not from the tool's output).
// `check -A` must report every fault on its object, and nothing else at warning level or above.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { parseManifestText } from '../src/input/files.js';
import { buildSnapshot } from '../src/input/normalize.js';
import { check } from '../src/diagnose/check/index.js';

const DIR = join(import.meta.dirname, 'broken-meshes');
const HEALTHY = join(import.meta.dirname, 'healthy-meshes');
const ISTIO = join(import.meta.dirname, 'scenarios', '_bases', 'istio.yaml');

const BrokenMesh = z
  .object({
    description: z.string().min(20),
    base: z.string().regex(/\.yaml$/),
    /** `cluster`: the objects are what a live read returned, so what is absent is absent (§2.3, §6.4). */
    input: z.enum(['files', 'cluster']).default('files'),
    faults: z
      .array(z.object({ code: z.string().regex(/^AD\d{3}$/), object: z.string(), why: z.string().min(10) }).strict())
      .min(1),
    apply: z.array(z.record(z.string(), z.unknown())).default([]),
    delete: z.array(z.object({ kind: z.string(), namespace: z.string().optional(), name: z.string() })).default([]),
  })
  .strict();

const meshes = readdirSync(DIR).filter((f) => f.endsWith('.yaml'));

function loud(file: string) {
  const mesh = BrokenMesh.parse(parse(readFileSync(join(DIR, file), 'utf8')));
  const base = join(HEALTHY, mesh.base);
  const objects = [
    ...parseManifestText(readFileSync(ISTIO, 'utf8'), ISTIO),
    ...parseManifestText(readFileSync(base, 'utf8'), base),
  ];
  const snapshot = buildSnapshot(objects, mesh.input).withChange({ apply: mesh.apply, delete: mesh.delete });
  const report = check(snapshot, { namespaces: 'all' });
  return { mesh, findings: report.findings.filter((f) => f.severity !== 'info') };
}

describe('broken meshes: every fault on its object, nothing else', () => {
  it('holds at least ten broken meshes', () => expect(meshes.length).toBeGreaterThanOrEqual(10));

  it.each(meshes)('%s', (file) => {
    const { mesh, findings } = loud(file);
    const reported = findings.map((f) => `${f.code} ${f.objects[0] ?? ''}`);
    for (const fault of mesh.faults) {
      expect(reported, `${fault.code} on ${fault.object} (${fault.why})`).toContain(`${fault.code} ${fault.object}`);
    }
    // Findings speak for themselves: no § that points into a document the user does not have.
    expect(findings.filter((f) => f.detail.includes('§')).map((f) => f.detail)).toEqual([]);
    const expected = new Set(mesh.faults.map((f) => `${f.code} ${f.object}`));
    const extra = findings.filter((f) => !expected.has(`${f.code} ${f.objects[0] ?? ''}`));
    expect(extra.map((f) => `${f.code} ${f.objects[0] ?? ''}: ${f.detail}`)).toEqual([]);
  });
});
