// Issue 30: check is complete and sound against explain on meshes nobody wrote. On clusters generated at random
// (support/generated-cluster.ts: NetworkPolicies and AuthorizationPolicies over ambient and plain namespaces),
// every pod is asked to reach every other on 8080 with explain, the per-connection entry point:
// - complete: a denial whose code the catalogue calls a fault of the mesh (inCheck `fault`, not a NetworkPolicy
//   code that needs intent) is reported by `check -A` with that code, or its mesh form, on the same object;
// - sound: every connection finding `check` reports is a denial explain gives for some pair, same code and object.
import { describe, expect, it } from 'vitest';
import { buildSnapshot } from '../src/input/normalize.js';
import { explain } from '../src/diagnose/explain/explain.js';
import { check } from '../src/diagnose/check/index.js';
import { decidingPolicy, type FindingCode } from '../src/findings/catalogue.js';
import { isMeshComponent } from '../src/mesh/components.js';
import { seededRandom } from './support/random.js';
import { generatedCluster } from './support/generated-cluster.js';

const SEED = 3011;
// These are faults only where the policies mean the connection (check/connections.ts meantToConnect).
const NEEDS_INTENT = new Set(['AD501', 'AD502']);

describe('check against explain on generated meshes', () => {
  it(`on 25 generated clusters (seed ${SEED})`, () => {
    const next = seededRandom(SEED);
    const pick = <T>(xs: T[]) => xs[Math.floor(next() * xs.length)];
    let faults = 0;
    let reported = 0;
    for (let i = 0; i < 25; i++) {
      const objects = generatedCluster(next, pick).map((object) => ({ object, origin: 'generated' }));
      const snapshot = buildSnapshot(objects);
      const pods = snapshot.pods.filter((p) => !isMeshComponent(p));
      const denials = new Set<string>();
      const mustReport = new Set<string>();
      for (const src of pods) {
        for (const dst of pods) {
          if (src === dst) continue;
          const r = explain(snapshot, {
            source: `${src.meta.namespace}/${src.meta.name}`,
            destination: `${dst.meta.namespace}/pod/${dst.meta.name}:8080`,
            namespace: 'default',
          });
          const f = r.findings[0];
          if (r.verdict.outcome !== 'denied' || !f) continue;
          const key = `${f.code} ${f.objects[0] ?? ''}`;
          denials.add(key);
          const inCheck = decidingPolicy(f.code as FindingCode)?.inCheck;
          if (inCheck === 'fault' && !NEEDS_INTENT.has(f.code)) mustReport.add(key);
          // Reported in its mesh form on the same object (AD305 is a risk only for some clients: not here).
          if (typeof inCheck === 'object' && inCheck.meshForm !== 'AD305')
            mustReport.add(`${inCheck.meshForm} ${f.objects[0] ?? ''}`);
        }
      }
      const report = check(snapshot, { namespaces: 'all' });
      const scanned = new Set(report.findings.map((f) => `${f.code} ${f.objects[0] ?? ''}`));
      for (const key of mustReport) expect(scanned, `cluster #${i}: check misses ${key}`).toContain(key);
      const connectionFindings = report.findings.filter((f) => f.detail.includes('Connections it breaks'));
      for (const f of connectionFindings) {
        const key = `${f.code} ${f.objects[0] ?? ''}`;
        expect(denials, `cluster #${i}: check reports ${key}, which explain never decides`).toContain(key);
      }
      faults += mustReport.size;
      reported += connectionFindings.length;
    }
    console.log(`generated meshes: ${faults} mesh faults explain decided, ${reported} connection findings of check`);
    expect(faults).toBeGreaterThan(10);
    expect(reported).toBeGreaterThan(10);
  });
});
