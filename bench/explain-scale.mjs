// Benchmark (not a test): explain on generated clusters of 10k to 150k pods (bench/generate.mjs: 10
// NetworkPolicies and 10 AuthorizationPolicies per 50 pods, written as one JSON kind: List), two questions:
// - allowed: ns-1/app-1-1 → app-1.ns-0:80;
// - denied: ns-2/app-1-1 → app-1.ns-0:80 (its NetworkPolicy and AuthorizationPolicy both deny; each printed
//   fix is applied and the question asked again, with which other connections it opens).
// The Node build and the compiled binary users install (.stage/linux-amd64, `npm run package`) run in the same
// rounds as the floor (Node starting and JSON.parse of the same file) and must print the same report.
// Medians of 3 runs; peak RSS of each run (the Node build's own, the binary's through /usr/bin/time).
// Targets (issue 32): the compiled binary ≤ 2× the floor, and under 1 GB of RSS at 150k pods.
//   node bench/explain-scale.mjs            10k, 50k, 100k, 150k
//   BENCH_SIZES=10000 node bench/explain-scale.mjs
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync, statSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { generateCluster, PODS_PER_NS, QUERY } from './generate.mjs';

const ROOT = join(import.meta.dirname, '..');
const COMPILED = join(ROOT, '.stage', 'linux-amd64', 'kubectl-ambient_doctor');
const TIME = '/usr/bin/time';
const sizes = (process.env.BENCH_SIZES ?? '10000,50000,100000,150000').split(',').map(Number);
const dir = mkdtempSync(join(tmpdir(), 'ambient-doctor-scale-'));
const QUESTIONS = {
  allowed: [QUERY.source, QUERY.destination],
  denied: ['ns-2/app-1-1', QUERY.destination],
};

/** Wall time, exit code, output and peak RSS (MB) of one run. */
function timed(executable, args) {
  const t0 = performance.now();
  const r = spawnSync(executable, args, { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 30 });
  const ms = performance.now() - t0;
  const rss = Number(r.stderr.match(/maxRSS (\d+)/)?.[1] ?? NaN) / 1024;
  return { ms, rss, status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (xs) => `${median(xs).toFixed(0)}`;

const compiled = existsSync(COMPILED);
const measuresRss = existsSync(TIME);
console.log(
  `machine: ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}`,
);
if (!compiled) console.log(`compiled binary: ${COMPILED} not built (npm run package): Node build only`);
for (const pods of sizes) {
  const objects = generateCluster(Math.ceil(pods / PODS_PER_NS));
  const file = join(dir, `cluster-${pods}.json`);
  writeFileSync(file, JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }));
  const mb = statSync(file).size / 1e6;
  console.log(`${pods} pods (${objects.length} objects, ${mb.toFixed(0)} MB JSON)`);
  for (const [question, [source, destination]] of Object.entries(QUESTIONS)) {
    const args = ['explain', source, destination, '-f', file, '-o', 'json'];
    const floor = [];
    const node = { ms: [], rss: [] };
    const binary = { ms: [], rss: [] };
    let report = '{}';
    for (let i = 0; i < 3; i++) {
      floor.push(timed(process.execPath, ['-e', `JSON.parse(require('fs').readFileSync(${JSON.stringify(file)}))`]).ms);
      const n = timed(process.execPath, ['bench/rss-wrapper.mjs', ...args]);
      if (n.status !== (question === 'allowed' ? 0 : 3))
        throw new Error(`explain (${question}) exit ${n.status}: ${n.stderr}`);
      node.ms.push(n.ms);
      node.rss.push(n.rss);
      report = n.stdout;
      if (!compiled) continue;
      const b = measuresRss ? timed(TIME, ['-f', 'maxRSS %M', COMPILED, ...args]) : timed(COMPILED, args);
      if (b.stdout !== n.stdout) throw new Error(`the compiled binary printed another report (${question}, ${pods})`);
      binary.ms.push(b.ms);
      binary.rss.push(b.rss);
    }
    const findings = JSON.parse(report).findings?.length;
    const line = (name, r, target) => {
      const ratio = median(r.ms) / median(floor);
      const rss = Number.isNaN(median(r.rss)) ? 'not measured' : `${fmt(r.rss)} MB`;
      const rssTarget = target && pods >= 150000 ? ` (target < 1024: ${median(r.rss) < 1024 ? 'met' : 'NOT met'})` : '';
      return (
        `  ${question.padEnd(7)} ${name.padEnd(8)} ${fmt(r.ms)} ms, ${ratio.toFixed(2)}× the floor` +
        `${target ? ` (target ≤ 2: ${ratio <= 2 ? 'met' : 'NOT met'})` : ''}, peak RSS ${rss}${rssTarget}`
      );
    };
    console.log(`  ${question.padEnd(7)} floor    ${fmt(floor)} ms (node + JSON.parse), ${findings ?? 0} findings`);
    console.log(line('node', node, false));
    if (compiled) console.log(line('compiled', binary, true));
  }
}
