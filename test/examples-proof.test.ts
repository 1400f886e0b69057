// The bundled examples' fixes are proven like the scenarios': every alternative of the decisive
// finding makes the connection work and opens nothing else, or names the next cause on purpose
// (enrolling a namespace is followed by AD114 until its pods restart, §1.3).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseManifestText } from '../src/input/files.js';
import { buildSnapshot } from '../src/input/normalize.js';
import { explain } from '../src/diagnose/explain/explain.js';
import { probes } from '../src/diagnose/explain/probes.js';
import { exampleCommands } from '../scripts/examples.mjs';
import { decidingPolicy, FINDINGS, type FindingCode } from '../src/findings/catalogue.js';

/** The catalogue says which codes a proven fix may leave next on purpose. */
const nextOnPurpose = (next: string) => {
  const code = next.split(' ')[0];
  return code in FINDINGS && decidingPolicy(code as FindingCode)?.proofMayEndHere === true;
};

describe('fixes of the bundled examples', () => {
  const examples = exampleCommands() as { file: string; args: string[] }[];
  it.each(examples.map((e) => [e.file, e] as const))('%s', (_f, { file, args }) => {
    const path = join(import.meta.dirname, '..', 'examples', file);
    const snapshot = buildSnapshot(parseManifestText(readFileSync(path, 'utf8'), path));
    const report =
      args[0] === 'probes'
        ? probes(snapshot, args[1], 'default')
        : explain(snapshot, { source: args[1], destination: args[2], namespace: 'default' });
    const decisive = report.findings[0];
    if (!decisive || decisive.severity !== 'error') return;
    expect(decisive.fixes?.length, 'a decisive finding offers a fix').toBeGreaterThan(0);
    for (const alt of decisive.fixes ?? []) {
      const proof = alt.proof!;
      if (proof.outcome !== 'allowed') expect(nextOnPurpose(proof.next!), alt.title).toBe(true);
      expect(proof.opens, alt.title).toEqual([]);
    }
  });
});
