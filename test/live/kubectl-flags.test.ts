// Issue 31: kubectl's global connection flags and environment, each against the real API server (RBAC,
// impersonation, TLS) or, where what matters is what goes on the wire, a local server that records each
// request's headers and a local proxy that records each CONNECT: nothing here is a mock of the API server's
// decisions, only listeners that write down what the CLI sent.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { load } from 'js-yaml';
import { inject, describe, expect, it, beforeAll, afterAll } from 'vitest';
import { kubeconfigVariant } from './kubeconfig-variant.js';
import { VERSION } from '../../src/version.js';

const kubeconfig = inject('kubeconfig');
const skip = inject('liveSkip');
const BIN = join(import.meta.dirname, '..', '..', 'bin', 'kubectl-ambient_doctor');

/** The CLI, asynchronously: the recording servers of this file answer from the same event loop. */
function cli(args: string[], env: Record<string, string | undefined> = {}) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { ...process.env, NO_COLOR: '1', HTTPS_PROXY: '', HTTP_PROXY: '', NO_PROXY: '', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const listen = (server: net.Server) =>
  new Promise<number>((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port)),
  );

describe.skipIf(!!skip)(`kubectl's connection flags${skip ? ` (skipped: ${skip})` : ''}`, () => {
  const dir = mkdtempSync(join(tmpdir(), 'kubectl-flags-'));
  let cfg: any;
  let apiServer: string;
  let apiPort: string;
  let caFile: string;
  let adminToken: string;
  const recorded: http.IncomingHttpHeaders[] = [];
  const connects: string[] = [];
  let recorder: http.Server;
  let tlsRecorder: https.Server;
  let proxy: http.Server;
  let recorderUrl: string;
  let tlsRecorderUrl: string;
  let proxyUrl: string;
  const peerCerts: string[] = [];

  beforeAll(async () => {
    cfg = load(readFileSync(kubeconfig, 'utf8'));
    apiServer = cfg.clusters[0].cluster.server;
    apiPort = new URL(apiServer).port;
    caFile = join(dir, 'ca.crt');
    writeFileSync(caFile, Buffer.from(cfg.clusters[0].cluster['certificate-authority-data'], 'base64'));
    adminToken = cfg.users.find((u: any) => u.name === 'admin').user.token;
    // Records the headers of each request and refuses it as the API server refuses a user with no rights.
    const refuse = (req: http.IncomingMessage, res: http.ServerResponse) => {
      recorded.push(req.headers);
      res.writeHead(403, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'Forbidden', code: 403 }));
    };
    recorder = http.createServer(refuse);
    recorderUrl = `http://127.0.0.1:${await listen(recorder)}`;
    // A TLS listener that asks for a client certificate and writes down the one it gets.
    // A self-signed certificate and key for each end (openssl, as people make them).
    const selfSigned = (name: string, subject: string, extra: string[] = []) =>
      execFileSync(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'rsa:2048',
          '-nodes',
          '-days',
          '1',
          '-subj',
          subject,
          ...extra,
          '-keyout',
          join(dir, `${name}.key`),
          '-out',
          join(dir, `${name}.crt`),
        ],
        { stdio: 'ignore' },
      );
    selfSigned('client', '/CN=flag-client');
    selfSigned('server', '/CN=localhost', ['-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1']);
    tlsRecorder = https.createServer(
      {
        key: readFileSync(join(dir, 'server.key')),
        cert: readFileSync(join(dir, 'server.crt')),
        requestCert: true,
        rejectUnauthorized: false,
      },
      (req, res) => {
        const cert = (req.socket as import('node:tls').TLSSocket).getPeerCertificate();
        peerCerts.push(String(cert?.subject?.CN ?? ''));
        refuse(req, res);
      },
    );
    tlsRecorderUrl = `https://127.0.0.1:${await listen(tlsRecorder)}`;
    // A forward proxy: CONNECT host:port is written down and tunnelled to 127.0.0.1 on that port, so a name
    // that resolves nowhere (apiserver.invalid) reaches the API server only through the proxy.
    proxy = http.createServer((_req, res) => res.writeHead(405).end());
    proxy.on('connect', (req, socket: net.Socket, head) => {
      connects.push(req.url ?? '');
      const port = Number((req.url ?? '').split(':').pop());
      const upstream = net.connect(port, '127.0.0.1', () => {
        socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        upstream.write(head);
        upstream.pipe(socket);
        socket.pipe(upstream);
      });
      upstream.on('error', () => socket.destroy());
      socket.on('error', () => upstream.destroy());
    });
    proxyUrl = `http://127.0.0.1:${await listen(proxy)}`;
  });

  afterAll(() => {
    recorder?.close();
    tlsRecorder?.close();
    proxy?.close();
  });

  const variant = (change: (c: any) => void) => kubeconfigVariant(kubeconfig, change);
  // A scan reads every resource the tool reads; 0 or 3 (findings) means it read the cluster.
  const read = ['check', '-A', '-o', 'json'];
  const READ = [0, 3];

  it('sends --token, --as, --as-group (repeated), --as-uid and its User-Agent; a plain-http server is fine', async () => {
    recorded.length = 0;
    const r = await cli([
      ...read,
      '--kubeconfig',
      kubeconfig,
      '--server',
      recorderUrl,
      '--token',
      'flag-token',
      '--as',
      'alice',
      '--as-group',
      'team-a',
      '--as-group',
      'team-b',
      '--as-uid',
      'uid-7',
    ]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).not.toMatch(/HTTP protocol is not allowed|credentials/);
    const h = recorded[0];
    expect(h.authorization).toBe('Bearer flag-token');
    expect(h['impersonate-user']).toBe('alice');
    expect(String(h['impersonate-group'])).toBe('team-a, team-b');
    expect(h['impersonate-uid']).toBe('uid-7');
    expect(h['user-agent']).toBe(`kubectl-ambient-doctor/${VERSION}`);
  });

  it("keeps the kubeconfig user's as, as-groups and as-uid (and the flags replace them)", async () => {
    const file = variant((c) => {
      c.clusters[0].cluster.server = recorderUrl;
      const admin = c.users.find((u: any) => u.name === 'admin');
      Object.assign(admin.user, { as: 'bob', 'as-groups': ['ops', 'audit'], 'as-uid': 'uid-9' });
    });
    recorded.length = 0;
    await cli([...read, '--kubeconfig', file]);
    expect(recorded[0]['impersonate-user']).toBe('bob');
    expect(String(recorded[0]['impersonate-group'])).toBe('ops, audit');
    expect(recorded[0]['impersonate-uid']).toBe('uid-9');
    recorded.length = 0;
    await cli([...read, '--kubeconfig', file, '--as', 'carol']);
    expect(recorded[0]['impersonate-user']).toBe('carol');
    expect(recorded[0]['impersonate-group']).toBeUndefined();
  });

  it('impersonation is what the API server authorizes: --as alone is refused, with system:masters it reads', async () => {
    const alone = await cli([...read, '--kubeconfig', kubeconfig, '--as', 'nobody-at-all']);
    expect(alone.code).toBe(2);
    // The refusal names who asked (AD902 in the report, or one line on stderr).
    expect(alone.stdout + alone.stderr).toContain('nobody-at-all');
    const grouped = await cli([
      ...read,
      '--kubeconfig',
      kubeconfig,
      '--as',
      'nobody-at-all',
      '--as-group',
      'system:masters',
    ]);
    expect(READ, grouped.stderr).toContain(grouped.code);
  });

  it('--as-group without --as is a usage error, as in kubectl', async () => {
    const r = await cli([...read, '--kubeconfig', kubeconfig, '--as-group', 'x']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('--as');
  });

  it('--user and --cluster pick kubeconfig entries over the context', async () => {
    const asViewer = await cli([...read, '--kubeconfig', kubeconfig, '--user', 'viewer']);
    // viewer's rights depend on what other live files granted it; either way the refusals name viewer, which
    // a read as the context's user (admin) never shows.
    expect([2, 3]).toContain(asViewer.code);
    expect(asViewer.stdout + asViewer.stderr).toMatch(/user.{0,4}viewer/i);
    const file = variant((c) => {
      c.clusters.push({ name: 'broken', cluster: { server: 'https://127.0.0.1:1' } });
      c.contexts.find((x: any) => x.name === 'testenv').context.cluster = 'broken';
    });
    expect((await cli([...read, '--kubeconfig', file])).code).toBe(2);
    const fixed = await cli([...read, '--kubeconfig', file, '--cluster', 'testenv']);
    expect(READ, fixed.stderr).toContain(fixed.code);
    const unknown = await cli([...read, '--kubeconfig', file, '--user', 'nobody-listed']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('users: admin');
  });

  it('--server, --certificate-authority and --insecure-skip-tls-verify, as kubectl applies them', async () => {
    const noCa = variant((c) => {
      c.clusters[0].cluster.server = 'https://127.0.0.1:1';
      delete c.clusters[0].cluster['certificate-authority-data'];
    });
    const untrusted = await cli([...read, '--kubeconfig', noCa, '--server', apiServer]);
    expect(untrusted.code).toBe(2);
    expect(untrusted.stderr).toMatch(/TLS|certificate/);
    const trusted = await cli([
      ...read,
      '--kubeconfig',
      noCa,
      '--server',
      apiServer,
      '--certificate-authority',
      caFile,
    ]);
    expect(READ, trusted.stderr).toContain(trusted.code);
    const insecure = await cli([...read, '--kubeconfig', noCa, '--server', apiServer, '--insecure-skip-tls-verify']);
    expect(READ, insecure.stderr).toContain(insecure.code);
  });

  it('--client-certificate and --client-key are presented to the server', async () => {
    peerCerts.length = 0;
    await cli([
      ...read,
      '--kubeconfig',
      kubeconfig,
      '--server',
      tlsRecorderUrl,
      '--insecure-skip-tls-verify',
      '--client-certificate',
      join(dir, 'client.crt'),
      '--client-key',
      join(dir, 'client.key'),
    ]);
    expect(peerCerts[0]).toBe('flag-client');
  });

  it('HTTPS_PROXY tunnels through CONNECT, --tls-server-name verifies the name the certificate has, NO_PROXY skips it', async () => {
    const viaName = `https://apiserver.invalid:${apiPort}`;
    connects.length = 0;
    const proxied = await cli(
      [...read, '--kubeconfig', kubeconfig, '--server', viaName, '--tls-server-name', 'localhost'],
      {
        HTTPS_PROXY: proxyUrl,
      },
    );
    expect(READ, proxied.stderr).toContain(proxied.code);
    expect(connects).toContain(`apiserver.invalid:${apiPort}`);
    const wrongName = await cli([...read, '--kubeconfig', kubeconfig, '--server', viaName], { https_proxy: proxyUrl });
    expect(wrongName.code).toBe(2);
    expect(wrongName.stderr).toMatch(/TLS|certificate/);
    connects.length = 0;
    const skipped = await cli(
      [...read, '--kubeconfig', kubeconfig, '--server', viaName, '--tls-server-name', 'localhost'],
      {
        HTTPS_PROXY: proxyUrl,
        NO_PROXY: '.invalid',
      },
    );
    expect(skipped.code).toBe(2);
    expect(connects).toEqual([]);
    // A loopback server is never proxied (Go's ProxyFromEnvironment).
    const loopback = await cli([...read, '--kubeconfig', kubeconfig], { HTTPS_PROXY: proxyUrl });
    expect(READ, loopback.stderr).toContain(loopback.code);
    expect(connects).toEqual([]);
  });

  it("the kubeconfig's proxy-url is used as kubectl uses it", async () => {
    const file = variant((c) => {
      c.clusters[0].cluster.server = `https://apiserver.invalid:${apiPort}`;
      c.clusters[0].cluster['tls-server-name'] = 'localhost';
      c.clusters[0].cluster['proxy-url'] = proxyUrl;
    });
    connects.length = 0;
    const r = await cli([...read, '--kubeconfig', file]);
    expect(READ, r.stderr).toContain(r.code);
    expect(connects).toContain(`apiserver.invalid:${apiPort}`);
  });

  it('a kubectl duration (1m30s) is a valid --request-timeout', async () => {
    const r = await cli([...read, '--kubeconfig', kubeconfig, '--request-timeout', '1m30s', '--token', adminToken]);
    expect(READ, r.stderr).toContain(r.code);
  });

  it('completion names namespaces and contexts from the cluster, and nothing, quickly, when it does not answer', async () => {
    const complete = (words: string[]) =>
      new Promise<string[]>((resolve) => {
        const child = spawn(process.execPath, [join(BIN, '..', 'kubectl_complete-ambient_doctor'), ...words], {
          env: { ...process.env, KUBECONFIG: kubeconfig },
        });
        let out = '';
        child.stdout.on('data', (d) => (out += d));
        child.on('close', () => resolve(out.trim().split('\n')));
      });
    expect(await complete(['explain', ''])).toEqual(expect.arrayContaining(['default/', 'kube-system/']));
    expect(await complete(['explain', '--context', ''])).toEqual(expect.arrayContaining(['testenv', 'viewer']));
    // An unreachable cluster gives no names, quickly, and no error on the screen.
    const started = Date.now();
    const none = await complete([
      'explain',
      '--kubeconfig',
      variant((c) => (c.clusters[0].cluster.server = 'https://10.255.255.1:6443')),
      '',
    ]);
    expect(none).toEqual([':6']);
    expect(Date.now() - started).toBeLessThan(8000);
  });
});
