// Benchmark (not a test): what runtime evidence adds to a live `explain` (issue 16). A real
// kube-apiserver (test/cluster) with kwok as the kubelet (scripts/kwok-build.sh) serving each
// ztunnel's logs (2,000 lines in ztunnel's text layout, the default --log-lines cap, a handful about
// the pair asked) and a config dump of 1,000 workloads through a port-forward. Compares, in the same
// run: explain --no-evidence (the configuration only), explain (logs: the default), explain
// --ztunnel-admin (logs and config dumps), and the floor `kubectl logs` of the same two pods.
//
//   npm run bench:evidence [-- --runs 15]
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { openSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadAll } from 'js-yaml';
import { freePort, startTestenv } from './testenv.mjs';

const ROOT = join(import.meta.dirname, '..');
const { values } = parseArgs({ options: { runs: { type: 'string', default: '15' } } });
const RUNS = Number(values.runs);
const CLI = join(ROOT, 'bin', 'kubectl-ambient_doctor');
const LINES = 2000;

const { dir, kubeconfig } = await startTestenv('ambient-doctor-bench-evidence-');
const children = [];
process.on('exit', () => {
  for (const c of children) {
    try {
      process.kill(-c.pid, 'SIGTERM');
    } catch {}
  }
});

const kubectl = (args, input) => {
  const r = spawnSync('kubectl', ['--kubeconfig', kubeconfig, ...args], { input, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`kubectl ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
};
const apply = (obj) => kubectl(['apply', '-f', '-'], JSON.stringify(obj));

// Istio's own CRDs (scripts/istiod-build.sh), then the scenario bases: the ztunnels, helloworld,
// curl; statuses written as the tests do.
kubectl(['create', '-f', join(ROOT, '.testenv/crds/istio.yaml')]);
kubectl(['wait', '--for=condition=established', '--timeout=60s', 'crd/authorizationpolicies.security.istio.io']);
for (const f of readdirSync(join(ROOT, '.testenv/kwok/crds')))
  kubectl(['apply', '-f', join(ROOT, '.testenv/kwok/crds', f)]);
const objects = ['istio', 'hello-ambient', 'test-ambient'].flatMap((b) =>
  loadAll(readFileSync(join(ROOT, 'test/scenarios/_bases', `${b}.yaml`), 'utf8')).filter(Boolean),
);
for (const o of objects.filter((x) => x.kind === 'Namespace')) apply(o);
for (const o of objects.filter((x) => x.kind !== 'Namespace')) {
  const { status, ...rest } = o;
  if (rest.metadata.ownerReferences)
    rest.metadata.ownerReferences = rest.metadata.ownerReferences.map((r, i) => ({
      apiVersion: 'apps/v1',
      uid: `00000000-0000-0000-0000-00000000000${i}`,
      ...r,
    }));
  apply(rest);
  if (status && o.kind === 'Pod')
    kubectl([
      'patch',
      'pod',
      o.metadata.name,
      '-n',
      o.metadata.namespace,
      '--subresource=status',
      '--type=merge',
      '-p',
      JSON.stringify({ status }),
    ]);
}

// kwok, serving two nodes.
const kwokPort = await freePort();
const kwok = spawn(
  join(ROOT, '.testenv/bin/kwok'),
  [
    `--kubeconfig=${kubeconfig}`,
    `-c=${join(ROOT, '.testenv/kwok/stages.yaml')}`,
    '--manage-all-nodes=false',
    '--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake',
    '--node-ip=127.0.0.1',
    `--node-port=${kwokPort}`,
    `--server-address=127.0.0.1:${kwokPort}`,
    '--enable-crds=Logs,PortForward',
  ],
  { detached: true, stdio: ['ignore', openSync(join(dir, 'kwok.log'), 'w'), openSync(join(dir, 'kwok.err'), 'w')] },
);
children.push(kwok);
for (const node of ['node-a', 'node-b'])
  apply({ apiVersion: 'v1', kind: 'Node', metadata: { name: node, annotations: { 'kwok.x-k8s.io/node': 'fake' } } });
for (let i = 0; i < 100; i++) {
  const ready = kubectl(['get', 'nodes', '-o', 'jsonpath={.items[*].status.daemonEndpoints.kubeletEndpoint.Port}']);
  if (
    ready
      .trim()
      .split(/\s+/)
      .filter((p) => p !== '0' && p).length === 2
  )
    break;
  await new Promise((r) => setTimeout(r, 100));
}

// 2,000 lines per ztunnel in its text layout: other pairs, and every 200th about curl → helloworld.
function logLines(node) {
  const now = new Date().toISOString();
  const out = [];
  for (let i = 0; i < LINES; i++) {
    const ours = i % 200 === 0;
    const src = ours ? '10.244.1.10' : `10.244.${(i % 7) + 3}.${(i % 250) + 2}`;
    const fields =
      `src.addr=${src}:${40000 + i} src.workload="app-${i % 50}" src.namespace="ns-${i % 20}" ` +
      `src.identity="spiffe://cluster.local/ns/ns-${i % 20}/sa/default" dst.addr=10.244.2.20:15008 ` +
      `dst.hbone_addr=10.244.2.20:5000 dst.service="helloworld.hello.svc.cluster.local" ` +
      `dst.workload="helloworld-v1-7d9f8c6b5-abcde" dst.namespace="hello" ` +
      `dst.identity="spiffe://cluster.local/ns/hello/sa/default" direction="${node === 'node-a' ? 'outbound' : 'inbound'}" ` +
      `bytes_sent=${i} bytes_recv=${2 * i} duration="${i % 40}ms"`;
    out.push(
      `${now} stdout F 2026-11-30T20:${String(i % 60).padStart(2, '0')}:00.000000Z\tinfo\taccess\tconnection complete\t${fields}`,
    );
  }
  return `${out.join('\n')}\n`;
}
// A config dump of 1,000 workloads, in ztunnel's layout.
function configDump(node) {
  const workloads = [];
  for (let i = 0; i < 1000; i++)
    workloads.push({
      workloadIps: [`10.245.${Math.floor(i / 250)}.${(i % 250) + 2}`],
      protocol: 'HBONE',
      networkMode: 'Standard',
      uid: `Kubernetes//Pod/ns-${i % 20}/app-${i}`,
      name: `app-${i}`,
      namespace: `ns-${i % 20}`,
      serviceAccount: 'default',
      node: i % 2 ? 'node-a' : 'node-b',
      status: 'Healthy',
      clusterId: 'Kubernetes',
      capacity: 1,
    });
  for (const [name, ns, ip, n] of [
    ['curl', 'test', '10.244.1.10', 'node-a'],
    ['helloworld-v1-7d9f8c6b5-abcde', 'hello', '10.244.2.20', 'node-b'],
    ['helloworld-v2-5b8c7d9f4-fghij', 'hello', '10.244.1.21', 'node-a'],
  ])
    workloads.push({
      workloadIps: [ip],
      protocol: 'HBONE',
      uid: `Kubernetes//Pod/${ns}/${name}`,
      name,
      namespace: ns,
      serviceAccount: 'default',
      node: n,
      status: 'Healthy',
    });
  return JSON.stringify(
    { workloads, services: [], policies: [], certificates: [], config: { localNode: node } },
    null,
    2,
  );
}
const servers = [];
for (const [pod, node] of [
  ['ztunnel-aaaaa', 'node-a'],
  ['ztunnel-bbbbb', 'node-b'],
]) {
  const file = join(dir, `${pod}.log`);
  writeFileSync(file, logLines(node));
  apply({
    apiVersion: 'kwok.x-k8s.io/v1alpha1',
    kind: 'Logs',
    metadata: { name: pod, namespace: 'istio-system' },
    spec: { logs: [{ containers: ['istio-proxy'], logsFile: file }] },
  });
  const body = configDump(node);
  const s = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-length': Buffer.byteLength(body), 'content-type': 'application/json' });
    res.end(body);
  });
  s.listen(0, '127.0.0.1');
  await once(s, 'listening');
  servers.push(s);
  apply({
    apiVersion: 'kwok.x-k8s.io/v1alpha1',
    kind: 'PortForward',
    metadata: { name: pod, namespace: 'istio-system' },
    spec: { forwards: [{ ports: [15000], target: { port: s.address().port, address: '127.0.0.1' } }] },
  });
}

// The CLI runs as a child; the HTTP servers above live in this process, so runs are asynchronous.
function timed(cmd, args) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (err += c));
    child.on('exit', (code) =>
      code === 0 || code === 3
        ? resolve({ ms: performance.now() - started, out, err })
        : reject(new Error(`${cmd} ${args.join(' ')}: ${code} ${err}`)),
    );
  });
}
const EXPLAIN = [
  CLI,
  'explain',
  'test/curl',
  'hello/helloworld-v1-7d9f8c6b5-abcde:5000',
  '--kubeconfig',
  kubeconfig,
  '-o',
  'json',
];
const cases = [
  ['explain --no-evidence (configuration only)', 'node', [...EXPLAIN, '--no-evidence']],
  ['explain (default: ztunnel logs)', 'node', EXPLAIN],
  ['explain --ztunnel-admin (logs and config dumps)', 'node', [...EXPLAIN, '--ztunnel-admin']],
  [
    'floor: kubectl logs of the two ztunnels',
    'bash',
    [
      '-c',
      `for p in ztunnel-aaaaa ztunnel-bbbbb; do kubectl --kubeconfig ${kubeconfig} logs -n istio-system $p -c istio-proxy --since=5m --tail=${LINES} >/dev/null; done`,
    ],
  ],
];
// Check the three modes read what they should before timing them.
const check = async (args) => JSON.parse((await timed('node', args)).out).findings.map((f) => f.code);
console.log(
  `findings: no-evidence ${await check(cases[0][2])}; default ${await check(cases[1][2])}; admin ${await check(cases[2][2])}`,
);
const verbose = async (args) => {
  const err = (await timed('node', [...args, '--verbose'])).err;
  return `${err.match(/^(\d+) requests/m)?.[1]} for the configuration, ${err.match(/evidence: (\d+) more/)?.[1] ?? 0} for evidence`;
};
console.log(
  `API requests (--verbose): no-evidence ${await verbose(cases[0][2])}; default ${await verbose(cases[1][2])}`,
);

const pct = (xs, p) => xs.slice().sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];
console.log(`\n${cpus().length} × ${cpus()[0].model}, Node ${process.version}, ${RUNS} runs each (interleaved)`);
const times = cases.map(() => []);
for (let r = 0; r < RUNS; r++)
  for (const [i, [, cmd, args]] of cases.entries()) times[i].push((await timed(cmd, args)).ms);
console.log('| case | p50 | p95 |\n|---|---|---|');
for (const [i, [name]] of cases.entries())
  console.log(`| ${name} | ${pct(times[i], 50).toFixed(0)} ms | ${pct(times[i], 95).toFixed(0)} ms |`);
const base = pct(times[0], 50);
console.log(
  `\nadded by evidence (p50): logs ${(pct(times[1], 50) - base).toFixed(0)} ms, logs and config dumps ` +
    `${(pct(times[2], 50) - base).toFixed(0)} ms; floor (kubectl logs ×2) ${pct(times[3], 50).toFixed(0)} ms`,
);
for (const s of servers) s.close();
process.exit(0);
