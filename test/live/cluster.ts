// The test API server process and a small writer for fixtures. Only tests write to the
// cluster; the tool itself never does.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, openSync, readFileSync } from 'node:fs';
import https from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { KubeConfig } from '@kubernetes/client-node';
import { parseManifestText } from '../../src/input/files.js';

export interface TestCluster {
  dir: string;
  kubeconfig: string;
  waitForCrds(): Promise<void>;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as { port: number }).port;
  server.close();
  return port;
}

export async function startTestCluster(bin: string): Promise<TestCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'ambient-doctor-live-'));
  const log = openSync(join(dir, 'testenv.log'), 'w');
  const port = await freePort();
  let etcdPort = await freePort();
  while (etcdPort + 1 === port) etcdPort = await freePort();
  const child: ChildProcess = spawn(bin, ['--dir', dir, '--port', String(port), '--etcd-port', String(etcdPort)], {
    detached: true,
    stdio: ['ignore', 'pipe', log],
  });
  const kubeconfig = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`kube-apiserver not ready after 180 s; see ${dir}/testenv.log`)),
      180_000,
    );
    child.once('exit', (code) => reject(new Error(`k8s-testenv exited with ${code}; see ${dir}/testenv.log`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (line.startsWith('READY ')) {
        clearTimeout(timer);
        resolve(line.slice('READY '.length).trim());
      }
    });
  });
  const writer = new TestWriter(kubeconfig);
  return {
    dir,
    kubeconfig,
    async waitForCrds() {
      for (let i = 0; i < 120; i++) {
        const ok = await Promise.all(
          [
            'security.istio.io/v1',
            'networking.istio.io/v1',
            'gateway.networking.k8s.io/v1',
            'policy.networking.k8s.io/v1alpha1',
          ].map((gv) => writer.request('GET', `/apis/${gv}`).then((r) => r.status === 200)),
        );
        if (ok.every(Boolean)) return;
        await new Promise((r) => setTimeout(r, 500));
      }
      throw new Error('CRDs not served after 60 s');
    },
    async stop() {
      if (child.pid && child.exitCode === null) {
        process.kill(-child.pid, 'SIGTERM');
        await Promise.race([once(child, 'exit'), new Promise((r) => setTimeout(r, 10_000))]);
        if (child.exitCode === null) process.kill(-child.pid, 'SIGKILL');
      }
    },
  };
}

interface Resource {
  base: string;
  plural: string;
  namespaced: boolean;
}

const RESOURCES: Record<string, Resource> = {
  Namespace: { base: '/api/v1', plural: 'namespaces', namespaced: false },
  Pod: { base: '/api/v1', plural: 'pods', namespaced: true },
  Service: { base: '/api/v1', plural: 'services', namespaced: true },
  ConfigMap: { base: '/api/v1', plural: 'configmaps', namespaced: true },
  EndpointSlice: { base: '/apis/discovery.k8s.io/v1', plural: 'endpointslices', namespaced: true },
  NetworkPolicy: { base: '/apis/networking.k8s.io/v1', plural: 'networkpolicies', namespaced: true },
  Deployment: { base: '/apis/apps/v1', plural: 'deployments', namespaced: true },
  StatefulSet: { base: '/apis/apps/v1', plural: 'statefulsets', namespaced: true },
  DaemonSet: { base: '/apis/apps/v1', plural: 'daemonsets', namespaced: true },
  ReplicaSet: { base: '/apis/apps/v1', plural: 'replicasets', namespaced: true },
  Job: { base: '/apis/batch/v1', plural: 'jobs', namespaced: true },
  AuthorizationPolicy: { base: '/apis/security.istio.io/v1', plural: 'authorizationpolicies', namespaced: true },
  PeerAuthentication: { base: '/apis/security.istio.io/v1', plural: 'peerauthentications', namespaced: true },
  ServiceEntry: { base: '/apis/networking.istio.io/v1', plural: 'serviceentries', namespaced: true },
  Sidecar: { base: '/apis/networking.istio.io/v1', plural: 'sidecars', namespaced: true },
  Gateway: { base: '/apis/gateway.networking.k8s.io/v1', plural: 'gateways', namespaced: true },
  AdminNetworkPolicy: {
    base: '/apis/policy.networking.k8s.io/v1alpha1',
    plural: 'adminnetworkpolicies',
    namespaced: false,
  },
  BaselineAdminNetworkPolicy: {
    base: '/apis/policy.networking.k8s.io/v1alpha1',
    plural: 'baselineadminnetworkpolicies',
    namespaced: false,
  },
  CustomResourceDefinition: {
    base: '/apis/apiextensions.k8s.io/v1',
    plural: 'customresourcedefinitions',
    namespaced: false,
  },
  ClusterRole: { base: '/apis/rbac.authorization.k8s.io/v1', plural: 'clusterroles', namespaced: false },
  ClusterRoleBinding: { base: '/apis/rbac.authorization.k8s.io/v1', plural: 'clusterrolebindings', namespaced: false },
  Role: { base: '/apis/rbac.authorization.k8s.io/v1', plural: 'roles', namespaced: true },
  RoleBinding: { base: '/apis/rbac.authorization.k8s.io/v1', plural: 'rolebindings', namespaced: true },
  // kwok's (test/live/kwok.ts): the nodes it serves and where it finds logs and port-forward targets.
  Node: { base: '/api/v1', plural: 'nodes', namespaced: false },
  Logs: { base: '/apis/kwok.x-k8s.io/v1alpha1', plural: 'logs', namespaced: true },
  PortForward: { base: '/apis/kwok.x-k8s.io/v1alpha1', plural: 'portforwards', namespaced: true },
};

export const FIXTURE_KINDS = Object.keys(RESOURCES).filter(
  (k) =>
    ![
      'Namespace',
      'CustomResourceDefinition',
      'ClusterRole',
      'ClusterRoleBinding',
      'Role',
      'RoleBinding',
      'Node',
    ].includes(k),
);

export function resourceOf(kind: string): Resource {
  const r = RESOURCES[kind];
  if (!r) throw new Error(`the live fixtures do not know kind ${kind}`);
  return r;
}

export function collectionPath(kind: string, namespace?: string, apiVersion?: string): string {
  const r = resourceOf(kind);
  // Custom resources are posted to the version they are written in (v1beta1 or v1).
  const base = apiVersion && apiVersion.includes('/') && !r.base.startsWith('/api/v1') ? `/apis/${apiVersion}` : r.base;
  return `${base}${r.namespaced ? `/namespaces/${namespace ?? 'default'}` : ''}/${r.plural}`;
}

/** Raw HTTPS as the admin user (or another context of the test kubeconfig). */
export class TestWriter {
  private readonly server: string;
  private readonly options: Promise<https.RequestOptions>;

  constructor(kubeconfig: string, context = 'testenv') {
    const kc = new KubeConfig();
    kc.loadFromFile(kubeconfig);
    kc.setCurrentContext(context);
    this.server = kc.getCurrentCluster()!.server;
    const opts: https.RequestOptions = {};
    this.options = kc.applyToHTTPSOptions(opts).then(() => opts);
  }

  async request(
    method: string,
    path: string,
    body?: unknown,
    contentType = 'application/json',
  ): Promise<{ status: number; body: any }> {
    const base = await this.options;
    const url = new URL(`${this.server}${path}`);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = https.request(
        url,
        {
          ...base,
          method,
          headers: {
            ...(base.headers ?? {}),
            Accept: 'application/json',
            ...(payload ? { 'Content-Type': contentType } : {}),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: any = text;
            try {
              parsed = JSON.parse(text);
            } catch {
              // keep text
            }
            resolve({ status: res.statusCode ?? 0, body: parsed });
          });
        },
      );
      req.on('error', reject);
      if (payload) req.write(payload);
      req.end();
    });
  }

  async must(method: string, path: string, body?: unknown, contentType?: string): Promise<any> {
    const r = await this.request(method, path, body, contentType);
    if (r.status >= 300)
      throw new Error(`${method} ${path}: ${r.status} ${typeof r.body === 'string' ? r.body : r.body?.message}`);
    return r.body;
  }

  async createOrReplace(obj: any): Promise<void> {
    const path = collectionPath(obj.kind, obj.metadata?.namespace, obj.apiVersion);
    let r = await this.request('POST', path, obj);
    // A ClusterIP freed by a deleted Service is released asynchronously (1.34 IP allocator).
    for (let i = 0; i < 50 && r.status === 422 && /already allocated/.test(r.body?.message ?? ''); i++) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      r = await this.request('POST', path, obj);
    }
    if (r.status === 409) {
      const current = await this.must('GET', `${path}/${obj.metadata.name}`);
      await this.must('PUT', `${path}/${obj.metadata.name}`, {
        ...obj,
        metadata: { ...obj.metadata, resourceVersion: current.metadata.resourceVersion },
      });
    } else if (r.status >= 300) {
      throw new Error(
        `create ${obj.kind} ${obj.metadata?.namespace ?? ''}/${obj.metadata?.name}: ${r.status} ${r.body?.message ?? r.body}`,
      );
    }
  }

  async patchStatus(obj: any): Promise<void> {
    const path = `${collectionPath(obj.kind, obj.metadata?.namespace, obj.apiVersion)}/${obj.metadata.name}/status`;
    await this.must('PATCH', path, { status: obj.status }, 'application/merge-patch+json');
  }

  /**
   * Deletes every object of a kind outside the given namespaces: one list across the cluster, so a reset costs a
   * request per kind, not per kind and namespace. Returns the namespaces that held one.
   */
  async deleteEverywhereBut(kind: string, keep: Set<string>): Promise<Set<string>> {
    const r = resourceOf(kind);
    const list = await this.request('GET', `${r.base}/${r.plural}`);
    const held = new Set<string>();
    if (list.status !== 200) return held;
    const items = (list.body.items ?? []).filter((item: any) => !keep.has(item.metadata.namespace ?? ''));
    await Promise.all(
      items.map((item: any) => {
        held.add(item.metadata.namespace ?? '');
        return this.request(
          'DELETE',
          `${collectionPath(kind, item.metadata.namespace)}/${item.metadata.name}?gracePeriodSeconds=0`,
          { apiVersion: 'v1', kind: 'DeleteOptions', gracePeriodSeconds: 0, propagationPolicy: 'Background' },
        );
      }),
    );
    return held;
  }

  async deleteAll(kind: string, namespace: string): Promise<void> {
    const list = await this.request('GET', collectionPath(kind, namespace));
    if (list.status !== 200) return;
    await Promise.all(
      (list.body.items ?? []).map((item: any) =>
        this.request('DELETE', `${collectionPath(kind, namespace)}/${item.metadata.name}?gracePeriodSeconds=0`, {
          apiVersion: 'v1',
          kind: 'DeleteOptions',
          gracePeriodSeconds: 0,
          propagationPolicy: 'Background',
        }),
      ),
    );
  }
}

export async function applyManifestFile(kubeconfig: string, file: string): Promise<void> {
  const writer = new TestWriter(kubeconfig);
  for (const { object } of parseManifestText(readFileSync(file, 'utf8'), file)) await writer.createOrReplace(object);
}
