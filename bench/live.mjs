// Benchmark (not a test): explain against a real kube-apiserver holding 50,000 pods in 1,000
// namespaces, 10,000 AuthorizationPolicies, 10,000 NetworkPolicies and 2,000 Services
// (BENCH_LIVE_NAMESPACES=200 gives the earlier 10,000-pod cluster).
// Reports p50/p95 wall time of 20 runs, API requests and bytes, peak RSS, and, as the floor,
// the wall time of `kubectl get` for the same objects.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { load, loadAll } from 'js-yaml';
import { generateCluster, QUERY } from './generate.mjs';
import { startTestenv } from './testenv.mjs';

const ROOT = join(import.meta.dirname, '..');
const RUNS = 20;
const COMPILED = join(ROOT, '.stage', 'linux-amd64', 'kubectl-ambient_doctor');
const TIME = '/usr/bin/time';

const { kubeconfig } = await startTestenv('ambient-doctor-bench-live-');

// Fixture writes go over one keep-alive agent with bounded concurrency.
const cfg = load(readFileSync(kubeconfig, 'utf8'));
const agent = new https.Agent({
  keepAlive: true,
  maxSockets: 16,
  ca: Buffer.from(cfg.clusters[0].cluster['certificate-authority-data'], 'base64'),
});
const base = cfg.clusters[0].cluster.server;
function request(method, path, body, type = 'application/json') {
  return new Promise((resolve, reject) => {
    const data = body ? JSON.stringify(body) : undefined;
    const req = https.request(
      `${base}${path}`,
      { method, agent, headers: { Authorization: 'Bearer admin-token', 'Content-Type': type } },
      (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () =>
          res.statusCode >= 300 && res.statusCode !== 409
            ? reject(new Error(`${method} ${path}: ${res.statusCode} ${text.slice(0, 200)}`))
            : resolve(text),
        );
      },
    );
    req.on('error', reject);
    if (data) req.write(data);
    req.end();
  });
}
const PLURAL = {
  Namespace: 'namespaces',
  Pod: 'pods',
  Service: 'services',
  NetworkPolicy: 'networkpolicies',
  AuthorizationPolicy: 'authorizationpolicies',
  PeerAuthentication: 'peerauthentications',
  CustomResourceDefinition: 'customresourcedefinitions',
};
const collection = (o) => {
  const [g, v] = o.apiVersion.includes('/') ? o.apiVersion.split('/') : ['', o.apiVersion];
  const prefix = g ? `/apis/${g}/${v}` : `/api/${v}`;
  return `${prefix}${o.metadata.namespace ? `/namespaces/${o.metadata.namespace}` : ''}/${PLURAL[o.kind]}`;
};
async function pool(items, fn, width = 32) {
  let i = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (i < items.length) await fn(items[i++]);
    }),
  );
}

const t0 = performance.now();
// The real Istio and Gateway API CRDs (scripts/istiod-build.sh), as the live tests use them.
const crdFiles = [
  ...readdirSync(join(ROOT, '.testenv/crds'))
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => join(ROOT, '.testenv/crds', f)),
  join(ROOT, 'test/live/crds/network-policy-api.yaml'),
];
for (const f of crdFiles) {
  for (const crd of loadAll(readFileSync(f, 'utf8'))) if (crd) await request('POST', collection(crd), crd);
}
for (
  let i = 0;
  i < 120 &&
  spawnSync('kubectl', ['--kubeconfig', kubeconfig, 'get', '--raw', '/apis/security.istio.io/v1']).status !== 0;
  i++
)
  await new Promise((r) => setTimeout(r, 500));
const objects = generateCluster(Number(process.env.BENCH_LIVE_NAMESPACES ?? 1000));
const namespaces = objects.filter((o) => o.kind === 'Namespace');
await pool(namespaces, (o) => request('POST', collection(o), o));
const rest = objects.filter((o) => o.kind !== 'Namespace');
await pool(rest, async (o) => {
  const { status, ...spec } = o;
  await request('POST', collection(o), spec);
  if (status)
    await request('PATCH', `${collection(o)}/${o.metadata.name}/status`, { status }, 'application/merge-patch+json');
});
const loadSeconds = ((performance.now() - t0) / 1000).toFixed(0);

function timed(cmd, args, env = {}) {
  const started = performance.now();
  const r = spawnSync(cmd, args, { encoding: 'utf8', env: { ...process.env, ...env }, maxBuffer: 256 * 2 ** 20 });
  return { ms: performance.now() - started, ...r };
}
const pct = (list, p) =>
  [...list].sort((a, b) => a - b)[Math.min(list.length - 1, Math.ceil((p / 100) * list.length) - 1)];

if (process.env.BENCH_LIVE_CHECK) {
  // check -A (issue 17) against the floor of kubectl listing, in parallel, every kind it reads
  // cluster-wide. BENCH_LIVE_NAMESPACES=200 gives the 10,000-pod cluster.
  const checkArgs = [join(ROOT, 'bench/rss-wrapper.mjs'), 'check', '-A', '--kubeconfig', kubeconfig, '-o', 'json'];
  const checkWalls = [];
  let summary;
  for (let i = 0; i < 3; i++) {
    const r = timed(process.execPath, checkArgs);
    if (r.status !== 0 && r.status !== 3) throw new Error(`check failed: ${r.stderr}`);
    checkWalls.push(r.ms);
    summary = JSON.parse(r.stdout).summary;
  }
  const kinds = [
    'pods',
    'services',
    'endpointslices',
    'networkpolicies',
    'namespaces',
    'deployments,statefulsets,daemonsets,replicasets,jobs',
    'authorizationpolicies.security.istio.io,peerauthentications.security.istio.io',
    'serviceentries.networking.istio.io',
    'gateways.gateway.networking.k8s.io,gatewayclasses.gateway.networking.k8s.io',
  ];
  const listRuns = [];
  for (let i = 0; i < 3; i++) {
    const started = performance.now();
    await Promise.all(
      kinds.map(
        (kind) =>
          new Promise((resolve) =>
            spawn('kubectl', ['--kubeconfig', kubeconfig, 'get', kind, '-A', '-o', 'json'], { stdio: 'ignore' }).on(
              'exit',
              resolve,
            ),
          ),
      ),
    );
    listRuns.push(performance.now() - started);
  }
  const checkP50 = pct(checkWalls, 50);
  const floor = pct(listRuns, 50);
  console.log(`cluster: ${objects.filter((o) => o.kind === 'Pod').length} pods (loaded in ${loadSeconds} s)`);
  console.log(`check -A: ${checkWalls.map((x) => x.toFixed(0)).join(', ')} ms; findings ${JSON.stringify(summary)}`);
  console.log(`floor, ${kinds.length} parallel kubectl get -A: ${listRuns.map((x) => x.toFixed(0)).join(', ')} ms`);
  const ratio = checkP50 / floor;
  console.log(`ratio ${ratio.toFixed(2)} (target < 3): ${ratio < 3 ? 'met' : 'NOT met'}`);
  process.exit(0);
}

const explainArgs = [
  join(ROOT, 'bench/rss-wrapper.mjs'),
  'explain',
  QUERY.source,
  QUERY.destination,
  '--kubeconfig',
  kubeconfig,
  '-o',
  'json',
];
const verbose = timed(process.execPath, [...explainArgs, '--verbose']);
const totals = verbose.stderr.match(/(\d+) requests, (\d+) bytes/);
if (process.env.BENCH_LIVE_VERBOSE) console.log(verbose.stderr);
const walls = [];
const rss = [];
for (let i = 0; i < RUNS; i++) {
  const r = timed(process.execPath, explainArgs);
  if (r.status !== 0 && r.status !== 3) throw new Error(`explain failed: ${r.stderr}`);
  walls.push(r.ms);
  rss.push(Number(r.stderr.match(/maxRSS (\d+)/)?.[1] ?? 0));
}
const verdict = JSON.parse(timed(process.execPath, explainArgs).stdout).verdict;
// The compiled binary users install (npm run package), the same question, its peak RSS through /usr/bin/time.
const compiledWalls = [];
const compiledRss = [];
if (existsSync(COMPILED)) {
  const binaryArgs = explainArgs.slice(1);
  for (let i = 0; i < RUNS; i++) {
    const r = existsSync(TIME)
      ? timed(TIME, ['-f', 'maxRSS %M', COMPILED, ...binaryArgs])
      : timed(COMPILED, binaryArgs);
    if (r.status !== 0 && r.status !== 3) throw new Error(`the compiled explain failed: ${r.stderr}`);
    compiledWalls.push(r.ms);
    compiledRss.push(Number(r.stderr.match(/maxRSS (\d+)/)?.[1] ?? NaN));
  }
}

// The floor: kubectl fetching the same objects the tool reads, one invocation per query.
const k = (...args) => ['--kubeconfig', kubeconfig, ...args, '-o', 'json'];
const floorQueries = [
  k('get', 'pods', '-A', '-l', 'app=ztunnel'),
  k('get', 'configmaps', '-n', 'istio-system', '--ignore-not-found'),
  k('get', 'namespaces', 'ns-0', 'ns-1', 'istio-system'),
  k('get', 'pod', 'app-1-1', '-n', 'ns-1'),
  k('get', 'service', 'app-1', '-n', 'ns-0'),
  k('get', 'pods', '-n', 'ns-0', '-l', 'app=app-1'),
  k('get', 'endpointslices', '-n', 'ns-0', '-l', 'kubernetes.io/service-name=app-1'),
  k('get', 'networkpolicies', '-n', 'ns-0'),
  k('get', 'networkpolicies', '-n', 'ns-1'),
  k('get', 'authorizationpolicies.security.istio.io,peerauthentications.security.istio.io', '-n', 'ns-0'),
  k('get', 'authorizationpolicies.security.istio.io,peerauthentications.security.istio.io', '-n', 'istio-system'),
  k('get', 'services', '-n', 'ns-0'),
  k('get', 'gateways.gateway.networking.k8s.io', '-n', 'ns-0'),
];
const floors = [];
for (let i = 0; i < 5; i++) {
  // Sequential invocations, as a user would run them; the tool issues its requests in parallel.
  floors.push(floorQueries.reduce((sum, args) => sum + timed('kubectl', args).ms, 0));
}
const floorSerial = pct(floors, 50);
const parallelRuns = [];
for (let i = 0; i < 5; i++) {
  // All queries at once, as the tool issues them (median of 5).
  const started = performance.now();
  await Promise.all(
    floorQueries.map(
      (args) => new Promise((resolve) => spawn('kubectl', args, { stdio: 'ignore' }).on('exit', resolve)),
    ),
  );
  parallelRuns.push(performance.now() - started);
}
const floorParallel = pct(parallelRuns, 50);

const p50 = pct(walls, 50);
console.log(
  `machine: ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}`,
);
console.log(
  `cluster: ${objects.filter((o) => o.kind === 'Pod').length} pods, ${namespaces.length} namespaces, ${objects.filter((o) => o.kind === 'AuthorizationPolicy').length} AuthorizationPolicies, ${objects.filter((o) => o.kind === 'NetworkPolicy').length} NetworkPolicies, ${objects.filter((o) => o.kind === 'Service').length} Services (loaded in ${loadSeconds} s)`,
);
console.log(`explain ${QUERY.source} ${QUERY.destination}: verdict ${verdict.outcome}`);
console.log(
  `wall time over ${RUNS} runs: p50 ${p50.toFixed(0)} ms, p95 ${pct(walls, 95).toFixed(0)} ms (includes Node start-up)`,
);
console.log(`API: ${totals?.[1]} requests, ${totals?.[2]} bytes read`);
console.log(`peak RSS: p50 ${(pct(rss, 50) / 1024).toFixed(0)} MB, max ${(Math.max(...rss) / 1024).toFixed(0)} MB`);
console.log(
  `floor, kubectl get of the same objects: ${floorQueries.length} invocations, ${floorSerial.toFixed(0)} ms one after another, ${floorParallel.toFixed(0)} ms in parallel`,
);
console.log(
  `targets: p50 <= 1.2 x parallel floor (${(1.2 * floorParallel).toFixed(0)} ms) ${p50 <= 1.2 * floorParallel ? 'met' : 'NOT met'}; ` +
    `p50 <= 1.5 x floor (${(1.5 * floorSerial).toFixed(0)} ms serial floor) ${p50 <= 1.5 * floorSerial ? 'met' : 'NOT met'}; p50 < 1000 ms ${p50 < 1000 ? 'met' : 'NOT met'}; RSS < 200 MB ${Math.max(...rss) / 1024 < 200 ? 'met' : 'NOT met'}`,
);
if (compiledWalls.length) {
  const c50 = pct(compiledWalls, 50);
  console.log(
    `compiled binary over ${RUNS} runs: p50 ${c50.toFixed(0)} ms, p95 ${pct(compiledWalls, 95).toFixed(0)} ms, ` +
      `${(c50 / floorParallel).toFixed(2)}x the parallel floor (target <= 1.2: ${c50 <= 1.2 * floorParallel ? 'met' : 'NOT met'}), ` +
      `peak RSS max ${(Math.max(...compiledRss) / 1024).toFixed(0)} MB`,
  );
} else console.log(`compiled binary: ${COMPILED} not built (npm run package), skipped`);
process.exit(0);
