// Issue 32: a fix's proof builds the snapshot after the change from the objects it keeps, converting only the
// objects the change made (input/normalize.ts factOf). That snapshot must equal one built from scratch out of
// fresh copies of the same objects, on every scenario and on generated meshes with random changes.
import { describe, expect, it } from 'vitest';
import { buildSnapshot } from '../src/input/normalize.js';
import { applyChange, type ObjectChange } from '../src/input/apply.js';
import type { SourcedObject } from '../src/input/files.js';
import type { Snapshot } from '../src/snapshot/types.js';
import { loadScenarios } from './support/scenarios.js';
import { seededRandom } from './support/random.js';
import { generatedCluster } from './support/generated-cluster.js';

const SEED = 3299;

/** What a snapshot says, without its methods. */
function facts(s: Snapshot) {
  return Object.fromEntries(Object.entries(s).filter(([, v]) => typeof v !== 'function'));
}

/** The snapshot after a change, incremental and from scratch (fresh copies: nothing converted before). */
function bothWays(objects: SourcedObject[], change: ObjectChange, origin: Snapshot['origin'] = 'files') {
  const before = buildSnapshot(objects, origin);
  const incremental = before.withChange(change);
  const scratch = buildSnapshot(structuredClone(applyChange(objects, change)), origin);
  return { before, incremental, scratch };
}

describe('the snapshot after a change, converting only what changed', () => {
  it('equals a snapshot built from scratch, for a change to each scenario', () => {
    let compared = 0;
    for (const s of loadScenarios()) {
      const pod = s.objects.find((o) => o.object.kind === 'Pod')?.object;
      const policy = s.objects.find((o) => /Policy|PeerAuthentication/.test(String(o.object.kind)))?.object;
      const change: ObjectChange = {
        apply: [
          ...(pod
            ? [{ kind: 'Pod', apiVersion: 'v1', metadata: { ...pod.metadata, labels: { changed: 'yes' } } }]
            : []),
          {
            apiVersion: 'v1',
            kind: 'Namespace',
            metadata: { name: 'incremental', labels: { 'istio.io/dataplane-mode': 'ambient' } },
          },
        ],
        delete: policy
          ? [{ kind: String(policy.kind), namespace: policy.metadata?.namespace, name: String(policy.metadata?.name) }]
          : [],
      };
      for (const origin of ['files', 'cluster'] as const) {
        const { before, incremental, scratch } = bothWays(s.objects, change, origin);
        expect(facts(incremental), s.name).toEqual(facts(scratch));
        // The snapshot before is untouched by the one after.
        expect(facts(before), s.name).toEqual(facts(buildSnapshot(structuredClone(s.objects), origin)));
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(500);
  });

  it(`equals a snapshot built from scratch on 50 generated meshes and changes (seed ${SEED})`, () => {
    const next = seededRandom(SEED);
    const pick = <T>(xs: T[]) => xs[Math.floor(next() * xs.length)];
    for (let i = 0; i < 50; i++) {
      const objects = generatedCluster(next, pick).map((object) => ({ object, origin: 'generated' }));
      const other = generatedCluster(next, pick);
      const pods = objects.filter((o) => o.object.kind === 'Pod').map((o) => o.object);
      const victim = pick(pods);
      const change: ObjectChange = {
        apply: [
          ...other.filter((o) => o.kind !== 'Pod' && next() < 0.3),
          {
            ...pick(pods),
            metadata: { ...pick(pods).metadata, annotations: { 'ambient.istio.io/redirection': 'enabled' } },
          },
        ],
        delete: next() < 0.5 ? [{ kind: 'Pod', namespace: victim.metadata.namespace, name: victim.metadata.name }] : [],
      };
      const { incremental, scratch } = bothWays(objects, change);
      expect(facts(incremental), `mesh ${i}`).toEqual(facts(scratch));
      // A change of a change, as a proof applies istio-cni's reaction after the fix.
      const again: ObjectChange = {
        apply: [{ ...victim, metadata: { ...victim.metadata, labels: { again: '1' } } }],
        delete: [],
      };
      expect(facts(incremental.withChange(again)), `mesh ${i}, twice`).toEqual(
        facts(buildSnapshot(structuredClone(applyChange(applyChange(objects, change), again)))),
      );
    }
  });
});
