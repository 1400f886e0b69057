// Benchmark (not a test): explain one connection on a generated input of 10,000 pods.
// Prints the wall time of each stage and of the whole CLI run. Target: under 2 s.
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir, cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { stringify } from 'yaml';
import { readManifestFiles } from '../dist/input/files.js';
import { buildSnapshot } from '../dist/input/normalize.js';
import { explain } from '../dist/diagnose/explain/explain.js';
import { generateCluster, NAMESPACES, QUERY } from './generate.mjs';

const objects = generateCluster();

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
  const report = explain(snapshot, { ...QUERY, namespace: 'default' });
  const t3 = performance.now();
  runs.push({ parse: t1 - t0, snapshot: t2 - t1, explain: t3 - t2, total: t3 - t0, outcome: report.verdict.outcome });
}
const median = (k) => runs.map((r) => r[k]).sort((a, b) => a - b)[Math.floor(runs.length / 2)];
const t0 = performance.now();
const cli = spawnSync(
  process.execPath,
  ['bin/kubectl-ambient_doctor', 'explain', QUERY.source, QUERY.destination, '-f', file, '-o', 'json'],
  { encoding: 'utf8' },
);
const cliMs = ms(t0);

console.log(
  `machine: ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}`,
);
console.log(`input: ${pods} pods, ${objects.length} objects, ${NAMESPACES} namespaces`);
console.log(
  `in-process median of ${runs.length}: parse ${median('parse').toFixed(0)} ms, snapshot ${median('snapshot').toFixed(0)} ms, explain ${median('explain').toFixed(1)} ms, total ${median('total').toFixed(0)} ms (verdict ${runs[0].outcome})`,
);
console.log(`CLI end to end (one run, includes Node start): ${cliMs} ms, exit ${cli.status}`);
console.log(`target: under 2000 ms -> ${Number(cliMs) < 2000 ? 'met' : 'NOT met'}`);

// The compiled binary (npm run package) on the same file, when it has been built: Bun's engine
// parses and evaluates, so its figure can differ from Node's.
const COMPILED = join('.stage', 'linux-amd64', 'kubectl-ambient_doctor');
if (existsSync(COMPILED)) {
  const t = performance.now();
  const r = spawnSync(COMPILED, ['explain', QUERY.source, QUERY.destination, '-f', file, '-o', 'json'], {
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  });
  const same = r.stdout === cli.stdout ? 'same output as the Node build' : 'OUTPUT DIFFERS from the Node build';
  console.log(`compiled binary end to end (one run): ${ms(t)} ms, exit ${r.status}, ${same}`);
} else {
  console.log(`compiled binary: not built (npm run package), skipped`);
}
