// Live faults that must not hang the tool or print a raw error. A real kube-apiserver cannot be
// made to misbehave this way (trickle a body, repeat a continue token, answer 500 or `null`), so
// these tests use a small local HTTP server that plays a broken API server: a fake, on purpose.
// Each must end within a bounded time with one line on stderr and exit 2 (1 for a bad name).
import { spawn } from 'node:child_process';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeKubeconfig } from './support/fake-kubeconfig.js';

const BIN = join(import.meta.dirname, '..', 'bin', 'kubectl-ambient_doctor');

type Handler = (req: IncomingMessage, res: ServerResponse) => void;
let server: Server;
let handler: Handler = (_req, res) => res.end('{}');
let kubeconfig: string;

const json = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
};

/** A well-behaved API server for everything but `broken`. */
function apiServer(broken: (req: IncomingMessage, res: ServerResponse) => boolean): Handler {
  return (req, res) => {
    if (broken(req, res)) return;
    const url = req.url ?? '';
    if (url.startsWith('/apis/security.istio.io') || url.startsWith('/apis/networking.istio.io'))
      return json(res, 200, { versions: [{ version: 'v1' }] });
    if (/^\/apis\/[^/]+$/.test(url.split('?')[0])) return json(res, 404, { reason: 'NotFound' });
    if (url.startsWith('/api/v1/namespaces/test/pods/curl'))
      return json(res, 200, { kind: 'Pod', metadata: { name: 'curl', namespace: 'test' }, spec: {}, status: {} });
    if (url.includes('/namespaces/') && !url.includes('/pods') && url.split('/').length === 5)
      return json(res, 200, { kind: 'Namespace', metadata: { name: url.split('/')[4].split('?')[0] } });
    return json(res, 200, { items: [], metadata: {} });
  };
}

function run(args: string[], timeoutMs = 20_000): Promise<{ code: number | null; stderr: string; ms: number }> {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(process.execPath, [BIN, ...args, '--kubeconfig', kubeconfig], {
      env: { ...process.env, NO_COLOR: '1' },
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const killer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(killer);
      resolve({ code, stderr, ms: Date.now() - started });
    });
  });
}

const oneLine = (stderr: string) => {
  expect(stderr.trim().split('\n')).toHaveLength(1);
  expect(stderr).toMatch(/^error: /);
  expect(stderr).not.toMatch(/TypeError|Cannot read properties|is not a function|\n\s+at /);
};

describe('a misbehaving API server (local fake)', () => {
  beforeAll(async () => {
    server = createServer((req, res) => handler(req, res));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    kubeconfig = fakeKubeconfig(port, {
      users: [
        '{name: stuck, user: {exec: {apiVersion: client.authentication.k8s.io/v1, command: sleep, args: ["600"]}}}',
      ],
      contexts: ['{name: stuck, context: {cluster: fake, user: stuck}}'],
    });
  });
  afterAll(() => server.close());

  const explain = ['explain', 'test/curl', 'helloworld.test:5000'];

  it('a body trickling one byte a second: --request-timeout bounds the whole request', async () => {
    handler = apiServer((req, res) => {
      if (!req.url?.startsWith('/api/v1/namespaces/test/pods/curl')) return false;
      res.writeHead(200, { 'Content-Type': 'application/json' });
      const timer = setInterval(() => res.write(' '), 1000);
      res.on('close', () => clearInterval(timer));
      return true;
    });
    const r = await run([...explain, '--request-timeout', '2s']);
    expect(r.code).toBe(2);
    expect(r.ms).toBeLessThan(10_000);
    oneLine(r.stderr);
    expect(r.stderr).toContain('took longer than --request-timeout 2 s');
  });

  it('--deadline bounds the whole read', async () => {
    handler = apiServer((req, res) => {
      if (!req.url?.includes('/pods')) return false;
      // Longer than the deadline on its own: the tool reads independent things in parallel.
      setTimeout(() => json(res, 200, { items: [], metadata: {} }), 3000);
      return true;
    });
    const r = await run([...explain, '--request-timeout', '0', '--deadline', '2s']);
    expect(r.code).toBe(2);
    expect(r.ms).toBeLessThan(10_000);
    oneLine(r.stderr);
    expect(r.stderr).toContain('--deadline');
  });

  it('a list that always returns the same continue token stops', async () => {
    handler = apiServer((req, res) => {
      if (!req.url?.includes('/pods?')) return false;
      json(res, 200, { items: [], metadata: { continue: 'again' } });
      return true;
    });
    const r = await run(explain);
    expect(r.code).toBe(2);
    oneLine(r.stderr);
    expect(r.stderr).toContain('repeated a continue token');
  });

  it('an exec credential plugin that never exits', async () => {
    handler = apiServer(() => false);
    const r = await run([...explain, '--context', 'stuck', '--request-timeout', '2s']);
    expect(r.code).toBe(2);
    expect(r.ms).toBeLessThan(10_000);
    oneLine(r.stderr);
    expect(r.stderr).toContain('exec plugin');
  });

  it.each([
    [
      'a 500 during discovery',
      (url: string) => url.startsWith('/apis/security.istio.io'),
      500,
      { reason: 'InternalError' },
    ],
    ['a null body', (url: string) => url.startsWith('/api/v1/namespaces/test/pods/curl'), 200, null],
    ['items that are not a list', (url: string) => url.includes('/pods?'), 200, { items: 5 }],
  ])('%s: exit 2, one line', async (_name, match, status, body) => {
    handler = apiServer((req, res) => {
      if (!match(req.url ?? '')) return false;
      json(res, status, body);
      return true;
    });
    const r = await run(explain);
    expect(r.code).toBe(2);
    oneLine(r.stderr);
  });

  it('`..` or a slash inside a name is refused before any request', async () => {
    let requests = 0;
    handler = apiServer(() => {
      requests++;
      return false;
    });
    for (const source of ['test/..', '../curl', 'test/cu%2Frl']) {
      const r = await run(['explain', source, 'helloworld.test:5000']);
      expect(r.code, source).toBe(1);
      oneLine(r.stderr);
      expect(r.stderr).toContain('not a valid Kubernetes');
    }
    expect(requests).toBe(0);
  });
});
