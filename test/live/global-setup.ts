// Starts the real kube-apiserver (test/cluster, built by scripts/testenv-build.sh) once per
// run, installs Istio's and Gateway API's real CRDs (scripts/istiod-build.sh extracts them from the
// pinned modules), and hands the kubeconfig to the live tests.
import type { TestProject } from 'vitest/node';
import { startTestCluster, applyManifestFile, type TestCluster } from './cluster.js';
import { existsSync } from 'node:fs';
import { TESTENV_BIN, crdFiles, liveSkipReason } from './binary.js';

declare module 'vitest' {
  export interface ProvidedContext {
    kubeconfig: string;
    liveSkip: string;
  }
}

let cluster: TestCluster | undefined;

export async function setup(project: TestProject): Promise<void> {
  const skip = liveSkipReason();
  if (skip) {
    if (process.env.CI) throw new Error(`live tests cannot run in CI: ${skip}`);
    console.warn(`\nskipping the live-cluster tests: ${skip}\n`);
    project.provide('kubeconfig', '');
    project.provide('liveSkip', skip);
    return;
  }
  const started = Date.now();
  cluster = await startTestCluster(TESTENV_BIN);
  for (const f of crdFiles()) await applyManifestFile(cluster.kubeconfig, f);
  await cluster.waitForCrds();
  console.log(`live tests: kube-apiserver ready in ${((Date.now() - started) / 1000).toFixed(1)} s (${cluster.dir})`);
  project.provide('kubeconfig', cluster.kubeconfig);
  project.provide('liveSkip', '');
  if (!existsSync(cluster.kubeconfig)) throw new Error('kubeconfig missing');
}

export async function teardown(): Promise<void> {
  await cluster?.stop();
}
