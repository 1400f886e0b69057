// Benchmark (not a test): the matrix for one port over 1,000 workloads with 2,000
// NetworkPolicies and 1,000 AuthorizationPolicies. Target: under 10 s on these machines.
import { cpus, totalmem } from 'node:os';
import { buildSnapshot } from '../dist/input/normalize.js';
import { matrix } from '../dist/diagnose/matrix.js';

const NS = 50;
const PER_NS = 20;
const objects = [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'istio-system' } }];
for (let n = 0; n < NS; n++) {
  const ns = `ns-${n}`;
  objects.push({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels: { 'istio.io/dataplane-mode': 'ambient', team: `t${n % 5}` } } });
  for (let w = 0; w < PER_NS; w++) {
    objects.push({
      apiVersion: 'v1', kind: 'Pod',
      metadata: { name: `wl-${w}-abc12`, namespace: ns, labels: { app: `wl-${w}`, tier: w % 2 ? 'web' : 'db' }, annotations: { 'ambient.istio.io/redirection': 'enabled' }, ownerReferences: [{ kind: 'ReplicaSet', name: `wl-${w}-5d8f` }] },
      spec: { nodeName: `node-${w % 10}`, serviceAccountName: `wl-${w}`, containers: [{ name: 'c', ports: [{ containerPort: 8080 }] }] },
      status: { phase: 'Running', podIP: `10.${n}.0.${w + 1}`, conditions: [{ type: 'Ready', status: 'True' }] },
    });
  }
  for (let k = 0; k < 40; k++) {
    objects.push({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: `np-${k}`, namespace: ns }, spec: { podSelector: { matchLabels: { app: `wl-${k % PER_NS}` } }, ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: `t${k % 5}` } } }], ports: [{ port: 15008 }, { port: 8080 }] }] } });
  }
  for (let k = 0; k < 20; k++) {
    objects.push({ apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy', metadata: { name: `ap-${k}`, namespace: ns }, spec: { selector: { matchLabels: { app: `wl-${k}` } }, rules: [{ from: [{ source: { namespaces: [`ns-${(n + 1) % NS}`, ns] } }] }] } });
  }
}
const snapshot = buildSnapshot(objects.map((object) => ({ object, origin: 'bench' })));
const t0 = performance.now();
const report = matrix(snapshot, { namespaces: 'all', port: 8080 });
const ms = performance.now() - t0;
const allowed = report.cells.filter((c) => c.outcome === 'allowed').length;
console.log(`machine: ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}`);
console.log(`input: ${report.workloads.length} workloads, ${snapshot.networkPolicies.length} NetworkPolicies, ${snapshot.authorizationPolicies.length} AuthorizationPolicies`);
console.log(`matrix for port 8080: ${report.cells.length} cells (${allowed} allowed) in ${(ms / 1000).toFixed(2)} s, ${((ms * 1000) / report.cells.length).toFixed(1)} µs per cell`);
console.log(`target: under 10 s -> ${ms < 10_000 ? 'met' : 'NOT met'}`);
