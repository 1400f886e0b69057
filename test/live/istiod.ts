// Real istiod (pilot-discovery, built by scripts/istiod-build.sh) run out of cluster against the
// test API server, and a reader for what it computed: its ztunnel view (/debug/ambientz on the
// monitoring port). See ../shared/docs/real-istio-and-kwok.md for the settings used here.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, openSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { PILOT_DISCOVERY_BIN, XDS_BIN } from './binary.js';
import { freePort, type TestWriter } from './cluster.js';

export interface AmbientzWorkload {
  uid: string;
  name: string;
  namespace: string;
  tunnelProtocol?: string;
  waypoint?: unknown;
  authorizationPolicies?: string[];
  services?: Record<string, unknown>;
}

export interface AmbientzPolicy {
  name: string;
  namespace: string;
  scope?: string;
  action?: string;
  groups?: unknown[];
}

export interface Ambientz {
  workloads: AmbientzWorkload[];
  services: { name: string; namespace: string; hostname: string; waypoint?: unknown }[];
  policies: AmbientzPolicy[];
}

export interface Istiod {
  dir: string;
  ambientz(): Promise<Ambientz>;
  /**
   * Waits until istiod's view of the given namespaces has not changed for a second: istiod has
   * handled every change there (the rest of the cluster, e.g. the default kubernetes Service, may move).
   */
  /** istiod's view of the namespaces once it has not changed for `quietMs`. */
  settled(namespaces: Set<string>, quietMs?: number): Promise<Ambientz>;
  /** What istiod pushes to one proxy, asked over its plaintext xDS port by test/istiod/xds (issue 26). */
  xds(proxy: XdsProxy): Promise<XdsPush>;
  stop(): Promise<void>;
}

export interface XdsProxy {
  type: 'ztunnel' | 'waypoint' | 'sidecar';
  ip: string;
  pod: string;
  namespace: string;
  serviceAccount?: string;
  gateway?: string;
}

/** Resources by type URL, each as protojson. */
export type XdsPush = Record<string, any[]>;

export function xdsSkipReason(): string {
  return existsSync(XDS_BIN) ? '' : `${XDS_BIN} is not built (run scripts/istiod-build.sh, which .ci/run always does)`;
}

export function istiodSkipReason(): string {
  return existsSync(PILOT_DISCOVERY_BIN)
    ? ''
    : `${PILOT_DISCOVERY_BIN} is not built (run scripts/istiod-build.sh, which .ci/run always does)`;
}

function get(port: number, path: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, timeout: 10_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${path}: timed out`)));
    req.on('error', reject);
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** JSON with object keys sorted and arrays sorted by their own canonical text. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).sort().join(',')}]`;
  if (value && typeof value === 'object')
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(value);
}

/** The mesh settings istiod starts from (ConfigMap istio-system/istio): ambient's defaults. */
export const MESH_CONFIG = 'rootNamespace: istio-system\ntrustDomain: cluster.local\n';

export async function startIstiod(kubeconfig: string, writer: TestWriter): Promise<Istiod> {
  // The only objects istiod needs before it starts (real-istio-and-kwok.md).
  await writer.createOrReplace({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'istio-system' } });
  await writer.createOrReplace({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'istio', namespace: 'istio-system' },
    data: { mesh: MESH_CONFIG },
  });
  // istiod writes ./var/run/secrets relative to its working directory.
  const dir = mkdtempSync(join(tmpdir(), 'ambient-doctor-istiod-'));
  const [httpPort, monitoringPort, grpcPort, secureGrpcPort, httpsPort] = await Promise.all(
    [0, 1, 2, 3, 4].map(() => freePort()),
  );
  const log = openSync(join(dir, 'istiod.log'), 'w');
  const child: ChildProcess = spawn(
    PILOT_DISCOVERY_BIN,
    [
      'discovery',
      '--kubeconfig',
      kubeconfig,
      `--httpAddr=127.0.0.1:${httpPort}`,
      `--monitoringAddr=127.0.0.1:${monitoringPort}`,
      `--grpcAddr=127.0.0.1:${grpcPort}`,
      `--secureGRPCAddr=127.0.0.1:${secureGrpcPort}`,
      `--httpsAddr=127.0.0.1:${httpsPort}`,
    ],
    {
      cwd: dir,
      detached: true,
      stdio: ['ignore', log, log],
      env: {
        ...process.env,
        POD_NAMESPACE: 'istio-system',
        POD_NAME: 'istiod-test',
        REVISION: 'default',
        CLUSTER_ID: 'Kubernetes',
        PILOT_ENABLE_AMBIENT: 'true',
        ISTIOD_CUSTOM_HOST: 'localhost',
        PILOT_CERT_PROVIDER: 'istiod',
      },
    },
  );
  let exited: number | null | undefined;
  child.once('exit', (code) => (exited = code));
  for (let i = 0; ; i++) {
    if (exited !== undefined) throw new Error(`istiod exited with ${exited}; see ${dir}/istiod.log`);
    if (i > 240) throw new Error(`istiod not ready after 120 s; see ${dir}/istiod.log`);
    const ready = await get(httpPort, '/ready').catch(() => ({ status: 0, text: '' }));
    if (ready.status === 200) break;
    await sleep(500);
  }
  const ambientz = async (): Promise<Ambientz> => {
    const r = await get(monitoringPort, '/debug/ambientz');
    if (r.status !== 200) throw new Error(`/debug/ambientz: ${r.status} ${r.text.slice(0, 200)}`);
    const body = JSON.parse(r.text);
    return { workloads: body.workloads ?? [], services: body.services ?? [], policies: body.policies ?? [] };
  };
  const run = promisify(execFile);
  return {
    dir,
    ambientz,
    async xds(proxy) {
      const args = ['-addr', `127.0.0.1:${grpcPort}`, '-type', proxy.type, '-ip', proxy.ip, '-pod', proxy.pod];
      args.push('-ns', proxy.namespace, '-sa', proxy.serviceAccount ?? 'default', '-gateway', proxy.gateway ?? '');
      const { stdout } = await run(XDS_BIN, args, { maxBuffer: 256 << 20, timeout: 90_000 });
      const byType = JSON.parse(stdout) as Record<string, any[]>;
      return byType;
    },
    async settled(namespaces, quietMs = 1000) {
      // istiod lists in map order: sorted (and keys sorted) so that only a change is a change.
      const view = (z: Ambientz) =>
        JSON.stringify(
          [z.workloads, z.services, z.policies].map((l) =>
            l
              .filter((x) => namespaces.has(x.namespace))
              .map(canonicalJson)
              .sort(),
          ),
        );
      // Unchanged for `quietMs`, read every 100 ms: it ends as soon as istiod is done (its debounce is 100 ms).
      let last = view(await ambientz());
      let since = Date.now();
      for (const deadline = Date.now() + 60_000; Date.now() < deadline;) {
        await sleep(100);
        const next = await ambientz();
        const text = view(next);
        if (text !== last) [last, since] = [text, Date.now()];
        else if (Date.now() - since >= quietMs) return next;
      }
      throw new Error('istiod did not settle within 60 s');
    },
    async stop() {
      try {
        process.kill(-child.pid!, 'SIGTERM');
      } catch {
        // already gone
      }
      if (exited === undefined) await Promise.race([once(child, 'exit'), sleep(5000)]);
    },
  };
}
