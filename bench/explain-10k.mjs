// Benchmark (not a test): explain one connection on a generated input of 10,000 pods.
// Prints the wall time of each stage and of the whole CLI run. Target: under 2 s.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir, cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { stringify } from 'yaml';
import { readManifestFiles } from '../dist/input/files.js';
import { buildSnapshot } from '../dist/input/normalize.js';
import { explain } from '../dist/diagnose/explain.js';

const NAMESPACES = 200;
const PODS_PER_NS = 50;
const objects = [];
objects.push({ apiVersion: 'security.istio.io/v1', kind: 'PeerAuthentication', metadata: { name: 'default', namespace: 'istio-system' }, spec: { mtls: { mode: 'STRICT' } } });
for (let n = 0; n < NAMESPACES; n++) {
  const ns = `ns-${n}`;
  objects.push({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels: { 'istio.io/dataplane-mode': 'ambient', team: `t${n % 10}` } } });
  for (let p = 0; p < PODS_PER_NS; p++) {
    const app = `app-${p % 10}`;
    objects.push({
      apiVersion: 'v1', kind: 'Pod',
      metadata: { name: `${app}-${p}`, namespace: ns, labels: { app, tier: p % 2 ? 'web' : 'db' }, annotations: { 'ambient.istio.io/redirection': 'enabled' } },
      spec: { nodeName: `node-${p % 20}`, serviceAccountName: app, containers: [{ name: 'c', ports: [{ containerPort: 8080, name: 'http' }] }] },
      status: { phase: 'Running', podIP: `10.${Math.floor(n / 250)}.${n % 250}.${p + 1}`, conditions: [{ type: 'Ready', status: 'True' }] },
    });
  }
  for (let s = 0; s < 2; s++) objects.push({ apiVersion: 'v1', kind: 'Service', metadata: { name: `app-${s}`, namespace: ns }, spec: { clusterIP: `10.96.${n}.${s + 1}`, selector: { app: `app-${s}` }, ports: [{ port: 80, targetPort: 'http' }] } });
  for (let k = 0; k < 10; k++) {
    objects.push({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: `np-${k}`, namespace: ns }, spec: { podSelector: { matchLabels: { app: `app-${k}` } }, ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: `t${k}` } } }], ports: [{ port: 15008 }, { port: 8080 }] }] } });
    objects.push({ apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy', metadata: { name: `ap-${k}`, namespace: ns }, spec: { selector: { matchLabels: { app: `app-${k}` } }, action: 'ALLOW', rules: [{ from: [{ source: { namespaces: [`ns-${(n + 1) % NAMESPACES}`] } }], to: [{ operation: { ports: ['8080'] } }] }] } });
  }
}
for (let z = 0; z < 20; z++) objects.push({ apiVersion: 'v1', kind: 'Pod', metadata: { name: `ztunnel-${z}`, namespace: 'istio-system', labels: { app: 'ztunnel' } }, spec: { nodeName: `node-${z}`, containers: [{ name: 'istio-proxy' }] }, status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] } });

const dir = mkdtempSync(join(tmpdir(), 'ambient-doctor-bench-'));
const file = join(dir, 'cluster.yaml');
writeFileSync(file, objects.map((o) => stringify(o)).join('---\n'));
const pods = objects.filter((o) => o.kind === 'Pod').length;

const ms = (t0) => (performance.now() - t0).toFixed(0);
const runs = [];
for (let i = 0; i < 5; i++) {
  const t0 = performance.now();
  const raw = readManifestFiles([file], () => '');
  const t1 = performance.now();
  const snapshot = buildSnapshot(raw);
  const t2 = performance.now();
  const report = explain(snapshot, { source: 'ns-1/app-1-1', destination: 'app-1.ns-0:80', namespace: 'default' });
  const t3 = performance.now();
  runs.push({ parse: t1 - t0, snapshot: t2 - t1, explain: t3 - t2, total: t3 - t0, outcome: report.verdict.outcome });
}
const median = (k) => runs.map((r) => r[k]).sort((a, b) => a - b)[Math.floor(runs.length / 2)];
const t0 = performance.now();
const cli = spawnSync(process.execPath, ['bin/kubectl-ambient_doctor', 'explain', 'ns-1/app-1-1', 'app-1.ns-0:80', '-f', file, '-o', 'json'], { encoding: 'utf8' });
const cliMs = ms(t0);

console.log(`machine: ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}`);
console.log(`input: ${pods} pods, ${objects.length} objects, ${NAMESPACES} namespaces`);
console.log(`in-process median of ${runs.length}: parse ${median('parse').toFixed(0)} ms, snapshot ${median('snapshot').toFixed(0)} ms, explain ${median('explain').toFixed(1)} ms, total ${median('total').toFixed(0)} ms (verdict ${runs[0].outcome})`);
console.log(`CLI end to end (one run, includes Node start): ${cliMs} ms, exit ${cli.status}`);
console.log(`target: under 2000 ms -> ${Number(cliMs) < 2000 ? 'met' : 'NOT met'}`);
