// Where `npm run package` leaves the release, and how the tests run both builds: the Node build
// (bin/kubectl-ambient_doctor) and the compiled binary as krew installed it, through kubectl.
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';

export const ROOT = join(import.meta.dirname, '..', '..');
export const DIST = join(ROOT, 'dist');
export const TOOLS = join(ROOT, '.tools', 'bin');
export const MANIFEST = join(DIST, 'krew', 'ambient-doctor.yaml');
export const NODE_BIN = join(ROOT, 'bin', 'kubectl-ambient_doctor');
export const PACKAGE = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));

export interface KrewPlatform {
  selector: { matchLabels: { os: string; arch: string } };
  uri: string;
  sha256: string;
  bin: string;
  files?: { from: string; to: string }[];
}

export function readManifest(file = MANIFEST): any {
  return load(readFileSync(file, 'utf8'));
}

export function archiveOf(p: KrewPlatform): string {
  return join(DIST, p.uri.slice(p.uri.lastIndexOf('/') + 1));
}

/** Why the packaging tests cannot run, or '' when everything they need is there. */
export function missingArtifacts(): string {
  const need = [MANIFEST, join(TOOLS, 'krew'), join(TOOLS, 'validate-krew-manifest'), join(DIST, 'main.js')];
  const gone = need.filter((f) => !existsSync(f));
  if (gone.length === 0) return '';
  return `missing ${gone.map((f) => f.slice(ROOT.length + 1)).join(', ')}: run \`bash scripts/krew-tools-build.sh && npm run package\` first`;
}

export function krewEnv(krewRoot: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    KREW_ROOT: krewRoot,
    KREW_NO_UPGRADE_CHECK: '1',
    PATH: `${join(krewRoot, 'bin')}:${TOOLS}:${process.env.PATH}`,
    NO_COLOR: '1',
    ...extra,
  };
}

export interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function exec(
  cmd: string,
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {},
): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      env: opts.env ?? { ...process.env, NO_COLOR: '1' },
      cwd: opts.cwd ?? ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 120_000);
    child.stdout.on('data', (b) => out.push(b));
    child.stderr.on('data', (b) => err.push(b));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
    });
  });
}

/** The Node build, as `npm i -g` or a source checkout runs it. */
export const runNode = (args: string[], env?: NodeJS.ProcessEnv) =>
  exec(process.execPath, [NODE_BIN, ...args], { env });

/** The compiled binary, as a krew user runs it: `kubectl ambient-doctor …`. */
export const runPlugin = (krewRoot: string, args: string[], env: Record<string, string> = {}) =>
  exec('kubectl', ['ambient-doctor', ...args], { env: krewEnv(krewRoot, env) });

/**
 * The Node build run in long-lived processes (node-harness.mjs): the same entry point the bin file calls,
 * without a Node start per run. For comparisons that run the Node build hundreds of times.
 */
export function nodeHarness(processes = 2): { run: (args: string[]) => Promise<Ran>; close: () => void } {
  const children: { child: ChildProcess; busy: number }[] = [];
  const waiting = new Map<number, (r: Ran) => void>();
  let next = 0;
  for (let i = 0; i < processes; i++) {
    const child = fork(join(import.meta.dirname, 'node-harness.mjs'), [], {
      cwd: ROOT,
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    child.on('message', (m: Ran & { id: number }) => {
      const done = waiting.get(m.id);
      waiting.delete(m.id);
      done?.({ code: m.code, stdout: m.stdout, stderr: m.stderr });
    });
    children.push({ child, busy: 0 });
  }
  return {
    run: (args) =>
      new Promise<Ran>((resolve) => {
        const slot = children.reduce((a, b) => (b.busy < a.busy ? b : a));
        const id = next++;
        slot.busy++;
        waiting.set(id, (r) => {
          slot.busy--;
          resolve(r);
        });
        slot.child.send({ id, args });
      }),
    close: () => children.forEach(({ child }) => child.kill()),
  };
}
