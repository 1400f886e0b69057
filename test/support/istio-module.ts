// The istio.io/istio module at the version test/istiod/go.mod pins (the one scripts/istiod-build.sh
// builds istiod from), found in Go's module cache, so that tests read Istio's own test data as
// released instead of a copy in this repository.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const MODULE_DIR = join(import.meta.dirname, '..', 'istiod');

export function pinnedIstioVersion(): string | undefined {
  return readFileSync(join(MODULE_DIR, 'go.mod'), 'utf8').match(/^\s*istio\.io\/istio (v\S+)/m)?.[1];
}

/** The module's directory, or why it cannot be had here. */
export function istioModule(): { dir?: string; version?: string; reason?: string } {
  const version = pinnedIstioVersion();
  if (!version) return { reason: 'test/istiod/go.mod pins no istio.io/istio version' };
  try {
    const out = execFileSync('go', ['mod', 'download', '-json', `istio.io/istio@${version}`], {
      cwd: MODULE_DIR,
      env: { ...process.env, GOFLAGS: '-mod=mod', GOTOOLCHAIN: 'local' },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 300_000,
    });
    const dir = JSON.parse(out).Dir as string | undefined;
    if (!dir || !existsSync(dir)) return { version, reason: `go mod download gave no directory for ${version}` };
    return { dir, version };
  } catch (e) {
    const why = e instanceof Error ? e.message.split('\n')[0] : String(e);
    return { version, reason: `cannot get istio.io/istio@${version} from the Go module cache: ${why}` };
  }
}
