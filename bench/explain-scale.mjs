// Benchmark (not a test): explain one connection on generated clusters of 10k, 50k and 100k pods
// (bench/generate.mjs, written as one JSON kind: List), the whole CLI against a floor measured in
// the same run: Node starting and JSON.parse of the same file. Reports the median of 3 runs each,
// the ratio to the floor, and the CLI's peak RSS. Targets (issue 13): ≤ 3× the floor, and under
// 1 GB of RSS at 100k pods.
//   node bench/explain-scale.mjs            10k, 50k, 100k
//   BENCH_SIZES=10000 node bench/explain-scale.mjs
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, statSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { generateCluster, PODS_PER_NS, QUERY } from './generate.mjs';

const ROOT = join(import.meta.dirname, '..');
const sizes = (process.env.BENCH_SIZES ?? '10000,50000,100000').split(',').map(Number);
const dir = mkdtempSync(join(tmpdir(), 'ambient-doctor-scale-'));

function timed(args) {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 30 });
  const ms = performance.now() - t0;
  const rss = Number(r.stderr.match(/maxRSS (\d+)/)?.[1] ?? 0) / 1024;
  return { ms, rss, status: r.status, stderr: r.stderr };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

console.log(
  `machine: ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}`,
);
for (const pods of sizes) {
  const objects = generateCluster(Math.ceil(pods / PODS_PER_NS));
  const file = join(dir, `cluster-${pods}.json`);
  writeFileSync(file, JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }));
  const mb = statSync(file).size / 1e6;
  const floor = [];
  const cli = [];
  const rss = [];
  for (let i = 0; i < 3; i++) {
    floor.push(timed(['-e', `JSON.parse(require('fs').readFileSync(${JSON.stringify(file)}, 'utf8'))`]).ms);
    const r = timed(['bench/rss-wrapper.mjs', 'explain', QUERY.source, QUERY.destination, '-f', file, '-o', 'json']);
    if (r.status !== 3 && r.status !== 0) throw new Error(`explain failed (${r.status}): ${r.stderr}`);
    cli.push(r.ms);
    rss.push(r.rss);
  }
  const ratio = median(cli) / median(floor);
  console.log(
    `${pods} pods (${objects.length} objects, ${mb.toFixed(0)} MB JSON): CLI ${median(cli).toFixed(0)} ms, ` +
      `floor ${median(floor).toFixed(0)} ms (node + JSON.parse), ratio ${ratio.toFixed(2)} ` +
      `(target ≤ 3: ${ratio <= 3 ? 'met' : 'NOT met'}), peak RSS ${median(rss).toFixed(0)} MB` +
      `${pods >= 100000 ? ` (target < 1024: ${median(rss) < 1024 ? 'met' : 'NOT met'})` : ''}`,
  );
}
