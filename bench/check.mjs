// `check -A` on the generated 10,000-pod cluster (bench/generate.mjs), offline: the whole CLI
// (`check -A -f FILE -o json`) against the parse floor measured in the same run on the same file
// (`node -e JSON.parse(...)`: Node starting and parsing the JSON, nothing else). Medians of 3.
// Target (issue 17): under 3x the floor. Run: npm run bench:check. The compiled binary (npm run package)
// runs in the same rounds on the same file when it has been built, as users of krew run it (issue 32).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync, statSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { generateCluster } from './generate.mjs';

const ROOT = join(import.meta.dirname, '..');
const RUNS = 3;

const COMPILED = join(ROOT, '.stage', 'linux-amd64', 'kubectl-ambient_doctor');

function timed(args, executable = process.execPath) {
  const start = process.hrtime.bigint();
  const r = spawnSync(executable, args, { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 30 });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.status !== 0 && r.status !== 3) throw new Error(`${args.join(' ')}: exit ${r.status}: ${r.stderr}`);
  return { ms, stdout: r.stdout };
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const dir = mkdtempSync(join(tmpdir(), 'bench-check-'));
const file = join(dir, 'cluster.json');
const items = generateCluster();
writeFileSync(file, JSON.stringify({ apiVersion: 'v1', kind: 'List', items }));
const pods = items.filter((o) => o.kind === 'Pod').length;
console.log(
  `machine: ${cpus().length} x ${cpus()[0]?.model}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`,
);
console.log(`input: ${pods} pods, ${items.length} objects, ${(statSync(file).size / 1e6).toFixed(1)} MB`);
const floor = [];
const cli = [];
const compiled = [];
let summary;
const check = ['check', '-A', '-f', file, '-o', 'json'];
for (let i = 0; i < RUNS; i++) {
  floor.push(timed(['-e', `JSON.parse(require('fs').readFileSync(${JSON.stringify(file)}, 'utf8'))`]).ms);
  const run = timed([join(ROOT, 'bin', 'kubectl-ambient_doctor'), ...check]);
  cli.push(run.ms);
  summary = JSON.parse(run.stdout).summary;
  if (existsSync(COMPILED)) {
    const binary = timed(check, COMPILED);
    if (binary.stdout !== run.stdout) throw new Error('the compiled binary printed another report than the Node build');
    compiled.push(binary.ms);
  }
}
const ratio = median(cli) / median(floor);
console.log(`floor (parse): ${floor.map((x) => x.toFixed(0)).join(', ')} ms, median ${median(floor).toFixed(0)} ms`);
console.log(`check -A: ${cli.map((x) => x.toFixed(0)).join(', ')} ms, median ${median(cli).toFixed(0)} ms`);
console.log(`findings: ${JSON.stringify(summary)}`);
console.log(`ratio ${ratio.toFixed(2)} (target < 3): ${ratio < 3 ? 'met' : 'NOT met'}`);
if (compiled.length) {
  const binaryRatio = median(compiled) / median(floor);
  console.log(
    `compiled binary: ${compiled.map((x) => x.toFixed(0)).join(', ')} ms, median ${median(compiled).toFixed(0)} ms`,
  );
  console.log(`compiled ratio ${binaryRatio.toFixed(2)} (target < 3): ${binaryRatio < 3 ? 'met' : 'NOT met'}`);
} else console.log('compiled binary: not built (npm run package), skipped');
