// Issue 30: `check` that on-call engineers never mute. Meshes built as the istio.io ambient guides build them
// (test/healthy-meshes/, each file says which guide), on the istio-system of the scenarios, give no warning
// and no error: what the scan reports must be something the owner of the named object would act on.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseManifestText } from '../src/input/files.js';
import { buildSnapshot } from '../src/input/normalize.js';
import { check } from '../src/diagnose/check/index.js';

const DIR = join(import.meta.dirname, 'healthy-meshes');
const ISTIO = join(import.meta.dirname, 'scenarios', '_bases', 'istio.yaml');
const meshes = readdirSync(DIR).filter((f) => f.endsWith('.yaml'));

describe('healthy meshes as the istio.io guides leave them', () => {
  it('covers the five kinds of mesh the issue names', () => expect(meshes.length).toBeGreaterThanOrEqual(5));

  it.each(meshes)('%s: no warning, no error', (file) => {
    const objects = [
      ...parseManifestText(readFileSync(ISTIO, 'utf8'), ISTIO),
      ...parseManifestText(readFileSync(join(DIR, file), 'utf8'), file),
    ];
    const report = check(buildSnapshot(objects), { namespaces: 'all' });
    const loud = report.findings.filter((f) => f.severity !== 'info');
    expect(loud.map((f) => `${f.code} ${f.objects[0] ?? ''}: ${f.detail}`)).toEqual([]);
  });
});
