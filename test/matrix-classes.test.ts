// Scale by equivalence (issue 13): the matrix evaluates one pair per pair of pod classes and copies
// the answer; it must equal evaluating every cell. Compared on every scenario (all namespaces, the
// scenario's port and --service-ports) and on snapshots mutated at random from them (a seeded
// generator: labels, service accounts, readiness, nodes and annotations moved between pods,
// replicas added, moved to another namespace or given another app label), where classes collapse and
// split in ways no scenario was written for. Both kinds of class are compared: whole-pod classes and
// sources classed by what each destination's rules read (relativeSourceClasses).
import { describe, expect, it } from 'vitest';
import { buildSnapshot } from '../src/input/normalize.js';
import { matrix, type MatrixQuery } from '../src/diagnose/matrix/matrix.js';
import type { SourcedObject } from '../src/input/files.js';
import { loadScenarios, scenarioSnapshot } from './support/scenarios.js';
import { seededRandom } from './support/random.js';
import { generatedCluster } from './support/generated-cluster.js';
import { podClassKeys, relativeSourceClasses } from '../src/diagnose/matrix/pod-classes.js';
import { createContext } from '../src/diagnose/context.js';
import { matrixWorkloads } from '../src/diagnose/matrix/workloads.js';

const SEED = 7127;

/** Copies of pods (replicas that share or change one fact) so that classes form and break. */
function mutated(objects: SourcedObject[], next: () => number): SourcedObject[] {
  const out = objects.map((o) => ({ ...o, object: structuredClone(o.object) }));
  const pods = out.filter((o) => o.object.kind === 'Pod' && o.object.metadata?.labels?.app !== 'ztunnel');
  const pick = <T>(xs: T[]) => xs[Math.floor(next() * xs.length)];
  const apps = [...new Set(pods.map((o) => o.object.metadata?.labels?.app).filter(Boolean)), 'other'];
  const namespaces = [...new Set(pods.map((o) => o.object.metadata?.namespace).filter(Boolean))];
  for (let i = 0; i < 6 && pods.length > 0; i++) {
    const copy: any = structuredClone(pick(pods).object);
    copy.metadata.name = `${copy.metadata.name}-copy${i}`;
    if (copy.status?.podIP)
      copy.status = { ...copy.status, podIP: `10.99.${i}.${Math.floor(next() * 250) + 1}`, podIPs: undefined };
    const change = next();
    copy.metadata.labels = { ...(copy.metadata.labels ?? {}) };
    if (change < 0.15) copy.metadata.labels.version = pick(['v1', 'v2', 'v3']);
    else if (change < 0.25) copy.spec = { ...copy.spec, serviceAccountName: pick(['default', 'other']) };
    // Another workload's app label or another namespace: what selectors, peers and principals read.
    else if (change < 0.35) copy.metadata.labels.app = pick(apps);
    else if (change < 0.45) copy.metadata.namespace = pick(namespaces);
    else if (change < 0.55) copy.spec = { ...copy.spec, nodeName: pick(['node-a', 'node-b', 'node-z']) };
    else if (change < 0.7)
      copy.status = { ...copy.status, conditions: [{ type: 'Ready', status: pick(['True', 'False']) }] };
    else if (change < 0.8)
      copy.metadata.annotations = {
        ...(copy.metadata.annotations ?? {}),
        'ambient.istio.io/redirection': pick(['enabled', 'pending']),
      };
    else if (change < 0.9) copy.metadata.labels['istio.io/dataplane-mode'] = pick(['ambient', 'none']);
    // else: an exact replica under another name
    out.push({ object: copy, origin: 'mutated' });
  }
  return out;
}

function queries(port: string | undefined): MatrixQuery[] {
  const p = Number(port ?? 5000);
  return [
    { namespaces: 'all', port: Number.isFinite(p) ? p : 5000 },
    { namespaces: 'all', servicePorts: true },
  ];
}

describe('matrix by pod classes equals the matrix cell by cell', () => {
  const scenarios = loadScenarios().filter((s) => !s.expect.error && s.command === 'explain');

  it.each(scenarios.map((s) => [s.name, s] as const))('%s', (_name, s) => {
    const port = s.args[1]?.match(/:(\d+)/)?.[1];
    for (const q of queries(port)) {
      const snapshot = scenarioSnapshot(s);
      expect(matrix(snapshot, q)).toEqual(matrix(snapshot, { ...q, classes: false }));
    }
  });

  it('on 200 randomly mutated snapshots (seed ' + SEED + ')', () => {
    const next = seededRandom(SEED);
    let compared = 0;
    let shared = 0;
    let relative = 0;
    for (let i = 0; i < 200; i++) {
      const s = scenarios[i % scenarios.length];
      const snapshot = buildSnapshot(mutated(s.objects, next), s.input);
      const keyOf = podClassKeys(snapshot);
      const keys = matrixWorkloads(snapshot, 'all').map((w) => keyOf(w.pod));
      if (new Set(keys).size < keys.length) shared++;
      if (relativeSourceClasses(createContext(snapshot, 'verdict'), [])) relative++;
      const port = s.args[1]?.match(/:(\d+)/)?.[1];
      for (const q of queries(port)) {
        const byClass = matrix(snapshot, q);
        expect(byClass, `${s.name} #${i}`).toEqual(matrix(snapshot, { ...q, classes: false }));
        compared += byClass.cells.length;
      }
    }
    expect(compared).toBeGreaterThan(1000);
    // Classes must actually be shared in a good part of them, or the comparison tests nothing.
    expect(shared).toBeGreaterThan(50);
    expect(relative).toBeGreaterThan(50);
  });

  // Generated from nothing: namespaces of distinct workloads (each its own labels and service
  // account, so whole-pod classes never form) under random NetworkPolicy peers and
  // AuthorizationPolicy sources, the rules relative source classes read.
  it('on 150 generated clusters with random NetworkPolicies and AuthorizationPolicies', () => {
    const next = seededRandom(SEED + 1);
    const pick = <T>(xs: T[]) => xs[Math.floor(next() * xs.length)];
    let compared = 0;
    let merged = 0;
    for (let i = 0; i < 150; i++) {
      const objects = generatedCluster(next, pick);
      const snapshot = buildSnapshot(objects.map((object) => ({ object, origin: 'generated' })));
      const q: MatrixQuery = { namespaces: 'all', port: 8080 };
      const byClass = matrix(snapshot, q);
      expect(byClass, `cluster #${i}`).toEqual(matrix(snapshot, { ...q, classes: false }));
      compared += byClass.cells.length;
      const pods = matrixWorkloads(snapshot, 'all').map((w) => w.pod);
      const keys = relativeSourceClasses(createContext(snapshot, 'verdict'), pods)!(pods[0]);
      if (new Set(keys).size < pods.length) merged++;
    }
    expect(compared).toBeGreaterThan(10_000);
    expect(merged).toBeGreaterThan(100);
  });
});
