// Issue 25: each hostile size ends within its bound. Every case is timed through the CLI (the Node
// build, or the compiled binary with BENCH_BIN=.stage/linux-x64/kubectl-ambient_doctor after
// `npm run package`) against a floor measured in the same run: Node reading the same input and
// nothing else. Medians of 3. Run: npm run bench:bounds
import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..');
const RUNS = 3;
const BIN = process.env.BENCH_BIN;
const cli = (args) => (BIN ? [BIN, args] : [process.execPath, [join(ROOT, 'bin', 'kubectl-ambient_doctor'), ...args]]);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const dir = mkdtempSync(join(tmpdir(), 'bench-bounds-'));
const SCENARIOS = join(ROOT, 'test', 'scenarios');

/** Peak RSS and time of one run, through /usr/bin/time when it is there. */
function timed([cmd, args], expectCodes = [0, 2, 3]) {
  const start = process.hrtime.bigint();
  const r = spawnSync('/usr/bin/time', ['-f', '%M', cmd, ...args], { encoding: 'utf8', maxBuffer: 1 << 30 });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (!expectCodes.includes(r.status)) throw new Error(`${cmd} ${args.join(' ')}: exit ${r.status}: ${r.stderr}`);
  const kb = Number(r.stderr.trim().split('\n').pop());
  return { ms, mb: kb / 1024, stdout: r.stdout, stderr: r.stderr };
}

function measure(label, run, floor) {
  const runs = [];
  const floors = [];
  for (let i = 0; i < RUNS; i++) {
    floors.push(timed(floor).ms);
    runs.push(timed(run[0], run[1]));
  }
  const ms = median(runs.map((r) => r.ms));
  const mb = Math.max(...runs.map((r) => r.mb));
  const f = median(floors);
  console.log(
    `| ${label} | ${ms.toFixed(0)} ms | ${mb.toFixed(0)} MB | ${f.toFixed(0)} ms | ${(ms / f).toFixed(1)}× | ` +
      `${
        runs[0].stderr
          .split('\n')
          .find((l) => l.startsWith('error:'))
          ?.slice(0, 60) ?? 'a report'
      } |`,
  );
}

const bases = (names) => names.map((n) => readFileSync(join(SCENARIOS, '_bases', `${n}.yaml`), 'utf8')).join('\n---\n');
const readFloor = (file) => [
  process.execPath,
  ['-e', `require('fs').readFileSync(${JSON.stringify(file)}, 'utf8').split('\\n').length`],
];

console.log(
  `machine: ${cpus().length} x ${cpus()[0]?.model}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`,
);
console.log(`build: ${BIN ?? 'Node (bin/kubectl-ambient_doctor)'}\n`);
console.log('| case | time | peak RSS | floor | × floor | ends in |');
console.log('|---|---|---|---|---|---|');

// 130,000 ztunnel log records (76 MB) beside the configuration's verdict.
const logsDir = join(SCENARIOS, 'logs-01-policy-rejection-confirms');
const manifests = join(dir, 'logs.yaml');
writeFileSync(
  manifests,
  `${bases(['istio', 'hello-ambient', 'test-ambient', 'legacy-sidecar'])}\n---\n${readFileSync(join(logsDir, 'manifests.yaml'), 'utf8')}`,
);
const line = readFileSync(join(logsDir, 'ztunnel-node-b.log'), 'utf8').split('\n')[0];
const bigLog = join(dir, 'ztunnel.log');
writeFileSync(bigLog, `${line}\n`.repeat(130_000));
measure(
  'explain --logs: 130,000 records',
  [
    cli([
      'explain',
      'legacy/sleep-7d9f8c6b5-x2m4n',
      'http://helloworld.hello:5000/hello',
      '-f',
      manifests,
      '--logs',
      bigLog,
      '-o',
      'json',
    ]),
    [0, 3],
  ],
  readFloor(bigLog),
);

// A 3,000-character annotation (the waypoint's service account) in -o wide.
const wide = join(dir, 'wide.yaml');
const wp20 = readFileSync(join(SCENARIOS, 'wp-20-custom-service-account', 'manifests.yaml'), 'utf8');
writeFileSync(
  wide,
  `${bases(['istio', 'hello-ambient', 'test-ambient', 'hello-waypoint'])}\n---\n${wp20.replaceAll('hello-waypoint-sa', 'a'.repeat(3000))}`,
);
const ordinary = join(dir, 'ordinary.yaml');
writeFileSync(ordinary, `${bases(['istio', 'hello-ambient', 'test-ambient', 'hello-waypoint'])}\n---\n${wp20}`);
measure(
  '-o wide, a 3,000-character annotation (floor: the same with a short one)',
  [cli(['explain', 'test/curl', 'http://helloworld.hello:5000/hello', '-f', wide, '-o', 'wide']), [0, 3]],
  cli(['explain', 'test/curl', 'http://helloworld.hello:5000/hello', '-f', ordinary, '-o', 'wide']),
);

// matrix on 130,000 bare pods (each its own workload).
const items = [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'bare' } }];
for (let i = 0; i < 130_000; i++)
  items.push({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `p-${i}`, namespace: 'bare' },
    spec: { nodeName: `node-${i % 20}`, containers: [{ name: 'c', image: 'x' }] },
    status: { phase: 'Running', podIP: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}` },
  });
const bare = join(dir, 'bare.json');
writeFileSync(bare, JSON.stringify({ apiVersion: 'v1', kind: 'List', items }));
const parseFloor = [
  process.execPath,
  ['-e', `JSON.parse(require('fs').readFileSync(${JSON.stringify(bare)}, 'utf8'))`],
];
for (const output of ['text', 'jsonl'])
  measure(
    `matrix -o ${output}: 130,000 bare pods`,
    [cli(['matrix', '-f', bare, '--port', '80', '-o', output]), [1]],
    parseFloor,
  );

// A 600 MiB list answer and a pods/log that never ends, from a local server (a fake API server).
const MiB = 1024 * 1024;
const server = createServer((req, res) => {
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
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const port = server.address().port;
const kubeconfig = join(dir, 'kubeconfig');
writeFileSync(
  kubeconfig,
  `apiVersion: v1\nkind: Config\nclusters: [{name: f, cluster: {server: "http://127.0.0.1:${port}", insecure-skip-tls-verify: true}}]\n` +
    'users: [{name: u, user: {token: t}}]\ncontexts: [{name: f, context: {cluster: f, user: u}}]\ncurrent-context: f\n',
);
// Run asynchronously: the server lives in this process.
async function asyncTimed([cmd, args]) {
  const start = process.hrtime.bigint();
  const stderr = await new Promise((resolve) => {
    const child = spawn('/usr/bin/time', ['-f', '%M', cmd, ...args]);
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    child.on('close', () => resolve(err));
  });
  return {
    ms: Number(process.hrtime.bigint() - start) / 1e6,
    mb: Number(stderr.trim().split('\n').pop()) / 1024,
    stderr,
  };
}
const floorScript = `require('http').get('http://127.0.0.1:${port}/', (r) => { let n = 0; r.on('data', (c) => { n += c.length; if (n > 128 * 1024 * 1024) process.exit(0); }); })`;
{
  const runs = [];
  const floors = [];
  for (let i = 0; i < RUNS; i++) {
    floors.push((await asyncTimed([process.execPath, ['-e', floorScript]])).ms);
    runs.push(await asyncTimed(cli(['explain', 'test/curl', 'helloworld.test:5000', '--kubeconfig', kubeconfig])));
  }
  const ms = median(runs.map((r) => r.ms));
  const f = median(floors);
  console.log(
    `| a 600 MiB list answer (floor: Node receiving 128 MiB of it) | ${ms.toFixed(0)} ms | ${Math.max(...runs.map((r) => r.mb)).toFixed(0)} MB | ` +
      `${f.toFixed(0)} ms | ${(ms / f).toFixed(1)}× | ${runs[0].stderr.split('\n')[0].slice(0, 60)} |`,
  );
}
server.close();
