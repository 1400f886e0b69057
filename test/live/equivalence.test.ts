// Every scenario under test/scenarios, offline and live against a real kube-apiserver, read as
// a user bound to exactly the ClusterRole of docs/rbac.md: the same verdict and findings.
// Then the dump of that read, explained offline again: the same verdict (round trip).
import { inject, describe, expect, it, beforeAll } from 'vitest';
import { buildSnapshot } from '../../src/input/normalize.js';
import { parseManifestText } from '../../src/input/files.js';
import { renderDump } from '../../src/input/dump.js';
import { lastCopies, loadScenarios } from '../support/scenarios.js';
import { runScenarioOn, outcomeOf } from '../support/run-scenario.js';
import { TestWriter } from './cluster.js';
import { ScenarioCluster } from './scenario-cluster.js';
import { liveRead } from './live-read.js';
import { bindClusterRole, documentedClusterRole } from './rbac.js';

const kubeconfig = inject('kubeconfig');
const skip = inject('liveSkip');

describe.skipIf(!!skip)(`live equivalence${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let cluster: ScenarioCluster;
  beforeAll(async () => {
    const writer = new TestWriter(kubeconfig);
    cluster = new ScenarioCluster(writer);
    await bindClusterRole(writer, documentedClusterRole(), 'reader');
  });

  it.each(loadScenarios().map((s) => [s.name, s] as const))('%s', async (_name, given) => {
    // A cluster holds one copy of each object, the last one applied; copies among a scenario's
    // files (AD904) exist only in files.
    const s = { ...given, objects: lastCopies(given.objects) };
    // Live, what is absent is absent (no ztunnel, no waypoint pod): compare with the same objects
    // read as a cluster would return them.
    const offlineSnapshot = buildSnapshot(s.objects, 'cluster');
    const offline = outcomeOf(() => runScenarioOn(s, offlineSnapshot));
    await cluster.load(s.objects);
    const { snapshot, read } = await liveRead(kubeconfig, s, 'reader');
    expect(read.gaps, 'the documented role is enough').toEqual([]);
    // Evidence objects a dump carried are files' (the live evidence has its own test, evidence.test.ts).
    const live = outcomeOf(() => runScenarioOn(s, { ...snapshot, evidence: offlineSnapshot.evidence }));
    expect(live).toEqual(offline);
    const dumped = parseManifestText(renderDump(read.objects, 'yaml'), 'dump.yaml');
    const carried = { evidence: offlineSnapshot.evidence };
    const roundTrip = outcomeOf(() => runScenarioOn(s, { ...buildSnapshot(dumped), ...carried }));
    // The dump is a file: it must say exactly what the live read returned, read as files.
    expect(roundTrip).toEqual(outcomeOf(() => runScenarioOn(s, { ...buildSnapshot(read.objects), ...carried })));
  });
});
