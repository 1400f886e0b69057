// Installs the linux/amd64 archive through krew v0.5.0 into a temporary KREW_ROOT, as a user
// would with `kubectl krew install`, and hands that KREW_ROOT to the packaging tests.
import type { TestProject } from 'vitest/node';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MANIFEST, archiveOf, exec, krewEnv, missingArtifacts, readManifest, type KrewPlatform } from './artifacts.js';

declare module 'vitest' {
  export interface ProvidedContext {
    krewRoot: string;
    krewInstallLog: string;
  }
}

let krewRoot = '';

export async function setup(project: TestProject): Promise<void> {
  const missing = missingArtifacts();
  if (missing) throw new Error(`packaging tests: ${missing}`);
  const host = (readManifest().spec.platforms as KrewPlatform[]).find(
    (p) => p.selector.matchLabels.os === 'linux' && p.selector.matchLabels.arch === 'amd64',
  );
  if (!host) throw new Error('packaging tests: the manifest has no linux/amd64 entry');
  krewRoot = mkdtempSync(join(tmpdir(), 'krew-root-'));
  const r = await exec('kubectl', ['krew', 'install', `--manifest=${MANIFEST}`, `--archive=${archiveOf(host)}`], {
    env: krewEnv(krewRoot),
  });
  if (r.code !== 0) throw new Error(`kubectl krew install failed (exit ${r.code}):\n${r.stderr}`);
  project.provide('krewRoot', krewRoot);
  project.provide('krewInstallLog', r.stderr + r.stdout);
}

export async function teardown(): Promise<void> {
  if (krewRoot) rmSync(krewRoot, { recursive: true, force: true });
}
