// Every scenario under test/scenarios, offline and live against a real kube-apiserver: the
// same verdict and the same findings.
import { inject, describe, expect, it, beforeAll } from 'vitest';
import { buildSnapshot } from '../../src/input/normalize.js';
import { loadScenarios } from '../support/scenarios.js';
import { liveRead } from './live-read.js';
import { runScenarioOn, outcomeOf } from '../support/run-scenario.js';
import { TestWriter } from './cluster.js';
import { ScenarioCluster } from './scenario-cluster.js';

const kubeconfig = inject('kubeconfig');
const skip = inject('liveSkip');

describe.skipIf(!!skip)(`live equivalence${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let cluster: ScenarioCluster;
  beforeAll(() => {
    cluster = new ScenarioCluster(new TestWriter(kubeconfig));
  });

  it.each(loadScenarios().map((s) => [s.name, s] as const))('%s', async (_name, s) => {
    const offline = outcomeOf(() => runScenarioOn(s, buildSnapshot(s.objects)));
    await cluster.load(s.objects);
    const { snapshot } = await liveRead(kubeconfig, s);
    const live = outcomeOf(() => runScenarioOn(s, snapshot));
    expect(live).toEqual(offline);
    if (!offline.error) expect(offline.outcome).not.toBe('unknown-read');
  });
});
