// The same commit gives the same archives whatever folder it is built in (README "Install"): a clone of
// HEAD in another, longer folder, built from scratch there (tsc, the Go template engine, bun), must give
// byte-identical archives to the ones `npm run package` left in dist/.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DIST, ROOT, exec } from './artifacts.js';

const dirty = spawnSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: ROOT, encoding: 'utf8' });
const skip =
  dirty.status !== 0
    ? 'not a git checkout'
    : dirty.stdout.trim()
      ? 'the checkout has uncommitted changes, so dist/ is not a build of HEAD'
      : '';

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

describe.skipIf(!!skip)(`a build of HEAD in another folder${skip ? ` (skipped: ${skip})` : ''}`, () => {
  it('gives the same linux and windows archives, byte for byte', { timeout: 600_000 }, async () => {
    const other = mkdtempSync(join(tmpdir(), 'ambient-doctor-elsewhere-with-a-longer-path-'));
    const clone = join(other, 'checkout');
    try {
      expect((await exec('git', ['clone', '--quiet', ROOT, clone])).code).toBe(0);
      // Hard links: the same installed packages without a second npm ci, under the clone's own path.
      expect((await exec('cp', ['-al', join(ROOT, 'node_modules'), join(clone, 'node_modules')])).code).toBe(0);
      const build = await exec('npm', ['run', 'build', '--silent'], { cwd: clone, timeoutMs: 300_000 });
      expect(build.code, build.stderr).toBe(0);
      const only = ['linux-amd64', 'windows-amd64'];
      const pack = await exec('node', ['scripts/package.mjs', '--only', only.join(',')], {
        cwd: clone,
        timeoutMs: 300_000,
      });
      expect(pack.code, pack.stderr).toBe(0);
      for (const archive of ['kubectl-ambient_doctor-linux-amd64.tar.gz', 'kubectl-ambient_doctor-windows-amd64.zip']) {
        expect(sha256(join(clone, 'dist', archive)), archive).toBe(sha256(join(DIST, archive)));
      }
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });
});
