// kwok (sigs.k8s.io/kwok, built by scripts/kwok-build.sh) as the kubelet the test API server lacks:
// through it the API server serves pods/log (from CRI-format files named by kwok's Logs objects) and
// pods/portforward (to local addresses named by its PortForward objects). Facts from
// ../shared/docs/real-istio-and-kwok.md: run out of cluster, manage only annotated nodes, no pod
// stages (they would rewrite the status the scenarios set).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, readdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyManifestFile, freePort, type TestWriter } from './cluster.js';

const ROOT = join(import.meta.dirname, '..', '..', '.testenv');
export const KWOK_BIN = join(ROOT, 'bin', 'kwok');
const KWOK_DIR = join(ROOT, 'kwok');
export const KWOK_NODE_ANNOTATION = 'kwok.x-k8s.io/node';

export function kwokSkipReason(): string {
  if (!existsSync(KWOK_BIN) || !existsSync(join(KWOK_DIR, 'stages.yaml')))
    return `${KWOK_BIN} is not built (needs Go; run scripts/kwok-build.sh, which .ci/run always does)`;
  return '';
}

export class Kwok {
  private servers: http.Server[] = [];
  readonly dir = mkdtempSync(join(tmpdir(), 'ambient-doctor-kwok-'));

  private constructor(
    private readonly child: ChildProcess,
    private readonly writer: TestWriter,
  ) {}

  static async start(kubeconfig: string, writer: TestWriter): Promise<Kwok> {
    for (const f of readdirSync(join(KWOK_DIR, 'crds'))) await applyManifestFile(kubeconfig, join(KWOK_DIR, 'crds', f));
    for (let i = 0; i < 100; i++) {
      const r = await writer.request('GET', '/apis/kwok.x-k8s.io/v1alpha1/logs');
      if (r.status === 200) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'ambient-doctor-kwok-run-'));
    const log = openSync(join(dir, 'kwok.log'), 'w');
    const child = spawn(
      KWOK_BIN,
      [
        `--kubeconfig=${kubeconfig}`,
        `-c=${join(KWOK_DIR, 'stages.yaml')}`,
        '--manage-all-nodes=false',
        `--manage-nodes-with-annotation-selector=${KWOK_NODE_ANNOTATION}=fake`,
        '--node-ip=127.0.0.1',
        `--node-port=${port}`,
        `--server-address=127.0.0.1:${port}`,
        '--enable-crds=Logs,PortForward',
      ],
      { detached: true, stdio: ['ignore', log, log] },
    );
    return new Kwok(child, writer);
  }

  /** Nodes kwok serves: the API server reaches their kubelet endpoint at kwok's address. */
  async ensureNodes(names: string[]): Promise<void> {
    for (const name of names) {
      const r = await this.writer.request('GET', `/api/v1/nodes/${name}`);
      if (r.status === 404)
        await this.writer.createOrReplace({
          apiVersion: 'v1',
          kind: 'Node',
          metadata: { name, annotations: { [KWOK_NODE_ANNOTATION]: 'fake' } },
        });
    }
    for (const name of names) {
      for (let i = 0; i < 200; i++) {
        const r = await this.writer.request('GET', `/api/v1/nodes/${name}`);
        if (r.body?.status?.daemonEndpoints?.kubeletEndpoint?.Port) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  }

  /** A pod's container logs, written as a CRI log file (`<time> stdout F <line>`) stamped now. */
  async serveLogs(namespace: string, pod: string, container: string, text: string): Promise<void> {
    const file = join(this.dir, `${namespace}_${pod}_${container}.log`);
    const now = new Date().toISOString();
    const lines = text.split('\n').filter((l) => l.length > 0);
    writeFileSync(file, lines.map((l) => `${now} stdout F ${l}\n`).join(''));
    await this.writer.createOrReplace({
      apiVersion: 'kwok.x-k8s.io/v1alpha1',
      kind: 'Logs',
      metadata: { name: pod, namespace },
      spec: { logs: [{ containers: [container], logsFile: file }] },
    });
  }

  /** Port 15000 of a pod answers GET /config_dump with this text (a local server kwok forwards to). */
  async serveConfigDump(namespace: string, pod: string, body: string): Promise<void> {
    const server = http.createServer((req, res) => {
      if (req.url !== '/config_dump') return void res.writeHead(404).end();
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    this.servers.push(server);
    await this.writer.createOrReplace({
      apiVersion: 'kwok.x-k8s.io/v1alpha1',
      kind: 'PortForward',
      metadata: { name: pod, namespace },
      spec: {
        forwards: [
          { ports: [15000], target: { port: (server.address() as { port: number }).port, address: '127.0.0.1' } },
        ],
      },
    });
  }

  /** Drops the servers of the previous scenario (kwok's objects go with the namespaces' reset). */
  closeServers(): void {
    for (const s of this.servers) s.close();
    this.servers = [];
  }

  stop(): void {
    this.closeServers();
    try {
      process.kill(-this.child.pid!, 'SIGTERM');
    } catch {
      // Already gone.
    }
  }
}
