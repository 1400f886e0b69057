// Bounded reads from a misbehaving cluster (issue 25): a list answer larger than --max-response-size,
// a pods/log that never ends, a config dump sent in small frames, an admin port that never answers.
// A real API server cannot be made to do these; a local HTTP (and WebSocket) server plays it: a fake,
// on purpose. Each ends within its documented bound with a result or one clear line.
import { spawn } from 'node:child_process';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { addLogText, emptyEvidence } from '../src/input/evidence.js';
import { buildSnapshot } from '../src/input/normalize.js';
import { explainRun } from '../src/diagnose/explain/explain.js';
import { annotateWithEvidence } from '../src/diagnose/evidence/index.js';
import { loadScenarios } from './support/scenarios.js';
import { fakeKubeconfig } from './support/fake-kubeconfig.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocketServer } from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../src/input/api.js';
import { loadKubeConfig } from '../src/input/kubeconfig.js';
import { HttpAnswerReader, readLiveEvidence } from '../src/input/live-evidence.js';
import type { PodFact } from '../src/snapshot/types.js';
import { fittedTable, TABLE_CELL_MAX } from '../src/render/layout.js';
import { makeStyle } from '../src/render/style.js';

const ROOT = join(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin', 'kubectl-ambient_doctor');
const MiB = 1024 * 1024;

type Handler = (req: IncomingMessage, res: ServerResponse) => void;
let server: Server;
let handler: Handler = (_req, res) => res.end('{}');
let kubeconfig: string;
let wss: WebSocketServer;

const ztunnel = {
  meta: { name: 'ztunnel-abc', namespace: 'istio-system', labels: { app: 'ztunnel' } },
  nodeName: 'node-a',
  containers: [{ name: 'istio-proxy', image: 'istio/ztunnel:1.29.1' }],
} as unknown as PodFact;

const LOG_LINE =
  '2026-11-30T20:41:07.118203Z\terror\taccess\tconnection complete\tsrc.addr=10.244.1.60:43210 ' +
  'dst.addr=10.244.2.20:15008 direction="inbound" error="connection closed due to policy rejection"\n';

function api(deadlineMs?: number) {
  return new ApiClient(loadKubeConfig({ kubeconfig }), {
    timeoutMs: 60_000,
    deadline: deadlineMs === undefined ? undefined : Date.now() + deadlineMs,
  });
}

beforeAll(async () => {
  server = createServer((req, res) => handler(req, res));
  wss = new WebSocketServer({ noServer: true });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  kubeconfig = fakeKubeconfig(port);
});
afterAll(() => {
  wss.close();
  server.close();
});

describe('bounded reads (local fake API server)', () => {
  it('a 600 MiB list answer stops at --max-response-size (default 128Mi) with one line, exit 2', async () => {
    let agent = '';
    handler = (req, res) => {
      agent = req.headers['user-agent'] ?? '';
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.write('{"items":[');
      const chunk = Buffer.from('{},'.repeat(MiB / 3));
      let sent = 0;
      const more = () => {
        while (sent < 600 * MiB) {
          sent += chunk.length;
          if (!res.write(chunk)) return res.once('drain', more);
        }
        res.end('{}]}');
      };
      res.on('close', () => (sent = Infinity));
      more();
    };
    const started = Date.now();
    const r = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [
        BIN,
        'explain',
        'test/curl',
        'helloworld.test:5000',
        '--kubeconfig',
        kubeconfig,
      ]);
      let stderr = '';
      child.stderr.on('data', (d) => (stderr += d));
      child.on('close', (code) => resolve({ code, stderr }));
    });
    const ms = Date.now() - started;
    console.log(`600 MiB answer: stopped in ${ms} ms`);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/larger than 128 MiB: stopped reading it \(--max-response-size raises the limit\)/);
    expect(ms).toBeLessThan(30_000);
    expect(agent).toMatch(/^kubectl-ambient-doctor\/\d/);
  });

  it('a pods/log that never ends is cut at --log-lines × 4 KiB, with a gap, and the read goes on', async () => {
    let streamed = 0;
    handler = (req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      const line = Buffer.from(LOG_LINE.repeat(64));
      const more = () => {
        while (!res.destroyed) {
          streamed += line.length;
          if (!res.write(line)) return res.once('drain', more);
        }
      };
      more();
    };
    const started = Date.now();
    const evidence = await readLiveEvidence(api(), [{ pod: ztunnel, role: 'ztunnel' }], {
      sinceSeconds: 300,
      lineCap: 2000,
      ztunnelAdmin: false,
    });
    const ms = Date.now() - started;
    console.log(`endless log: cut after ${(streamed / MiB).toFixed(1)} MiB sent, ${ms} ms`);
    expect(evidence.gaps.join('\n')).toContain('cut at 7.8 MiB (--log-lines)');
    expect(evidence.ztunnelLogs.length).toBeGreaterThan(1000);
    expect(streamed).toBeLessThan(64 * MiB);
    expect(ms).toBeLessThan(20_000);
  });

  it('an HTTP answer of 20 MB in 16 KiB frames is read in linear time', () => {
    const body = Buffer.alloc(20 * 1000 * 1000, 'x');
    const whole = Buffer.concat([Buffer.from(`HTTP/1.0 200 OK\r\nContent-Length: ${body.length}\r\n\r\n`), body]);
    const reader = new HttpAnswerReader(64 * MiB);
    const started = performance.now();
    let done = false;
    for (let at = 0; at < whole.length; at += 16 * 1024) done = reader.push(whole.subarray(at, at + 16 * 1024));
    expect(done).toBe(true);
    expect(reader.body().length).toBe(body.length);
    const ms = performance.now() - started;
    console.log(`20 MB in 16 KiB frames: ${ms.toFixed(0)} ms`);
    expect(ms).toBeLessThan(2_000);
    const tooBig = new HttpAnswerReader(MiB);
    expect(() => {
      for (let at = 0; at < whole.length; at += 16 * 1024) tooBig.push(whole.subarray(at, at + 16 * 1024));
    }).toThrow(/larger than 1 MiB/);
  });

  it('an admin port that never answers: the config dump gives up at the deadline, and nothing stays open', async () => {
    handler = (_req, res) => res.end(LOG_LINE);
    const sockets: { close(): void }[] = [];
    server.removeAllListeners('upgrade');
    server.on('upgrade', (req, socket, head) => {
      // Accepts the port-forward and never sends a byte.
      wss.handleUpgrade(req, socket, head, (ws) => sockets.push(ws));
    });
    const started = Date.now();
    const evidence = await readLiveEvidence(api(2_000), [{ pod: ztunnel, role: 'ztunnel' }], {
      sinceSeconds: 300,
      lineCap: 100,
      ztunnelAdmin: true,
    });
    const ms = Date.now() - started;
    expect(evidence.gaps.join('\n')).toMatch(/config dump of ztunnel istio-system\/ztunnel-abc: .*timed out/);
    expect(ms).toBeLessThan(4_000);
    // The tool closed its side of every port-forward it opened.
    await new Promise((r) => setTimeout(r, 500));
    expect([...wss.clients].filter((c) => c.readyState === c.OPEN)).toEqual([]);
    expect(sockets.length).toBeGreaterThan(0);
  });
});

describe('matrix size', () => {
  /** `n` pods without owner or labels: each is a workload of its own. */
  function barePods(n: number): string {
    const items: unknown[] = [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'bare' } }];
    for (let i = 0; i < n; i++)
      items.push({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: `p-${i}`, namespace: 'bare' },
        spec: { nodeName: `node-${i % 20}`, containers: [{ name: 'c', image: 'x' }] },
        status: { phase: 'Running', podIP: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}` },
      });
    const file = join(mkdtempSync(join(tmpdir(), 'bare-')), 'pods.json');
    writeFileSync(file, JSON.stringify({ apiVersion: 'v1', kind: 'List', items }));
    return file;
  }

  it('130,000 bare pods: refused in one line before any cell is decided, in text and streamed output', async () => {
    const file = barePods(130_000);
    for (const [output, limit] of [
      ['text', '250,000'],
      ['jsonl', '25,000,000'],
    ]) {
      const started = Date.now();
      const r = await new Promise<{ code: number | null; stderr: string; stdout: string }>((resolve) => {
        const child = spawn(process.execPath, [BIN, 'matrix', '-f', file, '--port', '80', '-o', output]);
        let stderr = '';
        let stdout = '';
        child.stdout.on('data', (d) => (stdout += d));
        child.stderr.on('data', (d) => (stderr += d));
        child.on('close', (code) => resolve({ code, stderr, stdout }));
      });
      console.log(`matrix of 130,000 bare pods, -o ${output}: refused in ${Date.now() - started} ms`);
      expect(r.code).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toContain(`130,000 workloads has 16,900,000,000 pairs, more than --max-cells ${limit}`);
    }
  });
});

describe('wide output of long values', () => {
  it('a table cell of 100,000 characters is cut at TABLE_CELL_MAX (cli-table3 is quadratic per drawn line)', () => {
    const table = fittedTable(['a', 'b'], [['x', 'a'.repeat(100_000)]], 80, makeStyle(false));
    expect(table.replace(/[^a]/g, '').length).toBeLessThanOrEqual(TABLE_CELL_MAX);
    expect(table).toContain('…');
  });
});

describe('evidence of any size', () => {
  it('130,000 ztunnel log records: read and grouped, the verdict kept (no spread over input-sized arrays)', () => {
    const s = loadScenarios().find((x) => x.name === 'logs-01-policy-rejection-confirms')!;
    const line = readFileSync(
      s.flags.logs!.find((f) => f.endsWith('node-b.log'))!,
      'utf8',
    ).split('\n')[0];
    const evidence = emptyEvidence();
    expect(addLogText(evidence, `${line}\n`.repeat(130_000), { origin: 'big.log' })).toBe(130_000);
    const run = explainRun(buildSnapshot(s.objects), {
      source: s.args[0],
      destination: s.args[1],
      namespace: 'default',
    });
    const report = annotateWithEvidence(run, evidence, '2026-11-30T21:00:00Z');
    expect(report.verdict.outcome).toBe('denied');
    expect(report.findings.find((f) => f.code === 'AD905')?.detail).toMatch(/130,?000/);
  });
});
