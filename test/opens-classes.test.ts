// Issue 32: a fix's proof asks which other connections the change opens (fixes/opens.ts). It asks one source per
// group the destination's rules cannot tell apart, before and after the change (pod-classes.ts). On generated
// meshes and random policy changes, that grouped answer must equal asking every source.
import { describe, expect, it } from 'vitest';
import { buildSnapshot } from '../src/input/normalize.js';
import { opensAfter, type OpensQuery } from '../src/diagnose/fixes/opens.js';
import { resolveDestination } from '../src/diagnose/explain/resolve-destination.js';
import { isMeshComponent } from '../src/mesh/components.js';
import type { Snapshot } from '../src/snapshot/types.js';
import { seededRandom } from './support/random.js';
import { generatedCluster } from './support/generated-cluster.js';

const SEED = 3217;
const POLICY_KINDS = new Set(['NetworkPolicy', 'AuthorizationPolicy']);

describe('which connections a change opens, grouped by source class', () => {
  it(`equals asking every source, on 40 generated meshes and changes (seed ${SEED})`, () => {
    const next = seededRandom(SEED);
    const pick = <T>(xs: T[]) => xs[Math.floor(next() * xs.length)];
    let compared = 0;
    let opened = 0;
    for (let i = 0; i < 40; i++) {
      const base = generatedCluster(next, pick);
      const before = buildSnapshot(base.map((object) => ({ object, origin: 'generated' })));
      // The change: the policies of another generated mesh replace these, and one namespace may be enrolled.
      const policies = generatedCluster(next, pick).filter((o) => POLICY_KINDS.has(o.kind));
      const enrol =
        next() < 0.3
          ? [
              {
                apiVersion: 'v1',
                kind: 'Namespace',
                metadata: { name: pick(['a', 'b', 'c', 'd']), labels: { 'istio.io/dataplane-mode': 'ambient' } },
              },
            ]
          : [];
      const changed = [...policies, ...enrol];
      const gone = base
        .filter((o) => POLICY_KINDS.has(o.kind))
        .filter(
          (o) =>
            !policies.some(
              (p) =>
                p.kind === o.kind &&
                p.metadata.namespace === o.metadata.namespace &&
                p.metadata.name === o.metadata.name,
            ),
        )
        .map((o) => ({ kind: o.kind, namespace: o.metadata.namespace, name: o.metadata.name }));
      const after = before.withChange({ apply: changed, delete: gone });
      const pods = before.pods.filter((p) => !isMeshComponent(p));
      for (let k = 0; k < 6; k++) {
        const asker = pick(pods);
        const target = pick(pods.filter((p) => p !== asker));
        const input = `${target.meta.namespace}/pod/${target.meta.name}:8080`;
        const query: OpensQuery = {
          asker: [asker],
          changed,
          destination: (s: Snapshot) => resolveDestination(s, input, 'default', undefined),
        };
        const grouped = opensAfter(before, after, query);
        expect(grouped, `mesh ${i}, ${asker.meta.namespace}/${asker.meta.name} → ${input}`).toEqual(
          opensAfter(before, after, { ...query, classes: false }),
        );
        compared++;
        opened += grouped.length;
      }
    }
    expect(compared).toBe(240);
    // Not a vacuous comparison: the changes open connections.
    expect(opened).toBeGreaterThan(50);
  });
});
