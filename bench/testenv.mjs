// The test API server (test/cluster, built by scripts/testenv-build.sh) for the live benchmarks:
// started detached in a temporary directory, stopped when the benchmark exits.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, openSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const ROOT = join(import.meta.dirname, '..');

export async function freePort() {
  const s = createServer().listen(0, '127.0.0.1');
  await once(s, 'listening');
  const { port } = s.address();
  s.close();
  return port;
}

/** Starts the API server; resolves to its working directory, kubeconfig and process. */
export async function startTestenv(prefix) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const [port, etcdPort] = [await freePort(), await freePort()];
  const server = spawn(
    join(ROOT, '.testenv/bin/k8s-testenv'),
    ['--dir', dir, '--port', String(port), '--etcd-port', String(etcdPort)],
    { detached: true, stdio: ['ignore', 'pipe', openSync(join(dir, 'testenv.log'), 'w')] },
  );
  process.on('exit', () => {
    try {
      process.kill(-server.pid, 'SIGTERM');
    } catch {}
  });
  const kubeconfig = await new Promise((resolve, reject) => {
    server.once('exit', (c) => reject(new Error(`k8s-testenv exited ${c}`)));
    createInterface({ input: server.stdout }).on('line', (l) => l.startsWith('READY ') && resolve(l.slice(6).trim()));
  });
  return { dir, kubeconfig, server };
}
