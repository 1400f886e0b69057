// Start-up benchmark: wall time of `--help` and of an offline explain of the bundled example,
// for the Node build and for the compiled binary (and the binary behind `kubectl`, as krew
// users run it). Prints min / median / p95 per case and checks the 300 ms target for the
// compiled binary's --help.
//
//   npm run bench:startup [-- --runs 30]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, symlinkSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const ROOT = join(import.meta.dirname, '..');
const { values } = parseArgs({ options: { runs: { type: 'string', default: '20' } } });
const RUNS = Number(values.runs);
const NODE_BIN = join(ROOT, 'bin', 'kubectl-ambient_doctor');
const COMPILED = join(ROOT, '.stage', 'linux-amd64', 'kubectl-ambient_doctor');
const EXAMPLE = [
  'explain',
  'test/curl',
  'helloworld.hello:5000',
  '-f',
  join(ROOT, 'examples', 'helloworld-strict.yaml'),
  '-o',
  'json',
];
const HELP_TARGET_MS = 300;

if (!existsSync(COMPILED)) {
  console.error(`bench: ${COMPILED} is missing: run \`npm run package\` first`);
  process.exit(1);
}

// kubectl finds the compiled binary on PATH, as after `kubectl krew install`.
const pluginDir = mkdtempSync(join(tmpdir(), 'plugin-path-'));
symlinkSync(COMPILED, join(pluginDir, 'kubectl-ambient_doctor'));
const pluginEnv = { ...process.env, PATH: `${pluginDir}:${process.env.PATH}`, NO_COLOR: '1' };

function time(cmd, args, env) {
  const ms = [];
  spawnSync(cmd, args, { env, stdio: 'ignore' }); // warm the page cache
  for (let i = 0; i < RUNS; i++) {
    const t = process.hrtime.bigint();
    const r = spawnSync(cmd, args, { env, stdio: 'ignore' });
    ms.push(Number(process.hrtime.bigint() - t) / 1e6);
    if (r.status !== 0 && r.status !== 3) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}`);
  }
  ms.sort((a, b) => a - b);
  return {
    min: ms[0],
    median: ms[Math.floor(ms.length / 2)],
    p95: ms[Math.min(ms.length - 1, Math.ceil(ms.length * 0.95) - 1)],
  };
}

const env = { ...process.env, NO_COLOR: '1' };
const cases = [
  ['Node build', '--help', process.execPath, [NODE_BIN, '--help'], env],
  ['Node build', 'explain -f example', process.execPath, [NODE_BIN, ...EXAMPLE], env],
  ['compiled binary', '--help', COMPILED, ['--help'], env],
  ['compiled binary', 'explain -f example', COMPILED, EXAMPLE, env],
  ['kubectl → compiled binary', '--help', 'kubectl', ['ambient-doctor', '--help'], pluginEnv],
  ['kubectl → compiled binary', 'explain -f example', 'kubectl', ['ambient-doctor', ...EXAMPLE], pluginEnv],
];

console.log(`start-up, ${RUNS} runs each, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}`);
console.log(
  `${'build'.padEnd(28)}${'command'.padEnd(22)}${'min'.padStart(9)}${'median'.padStart(9)}${'p95'.padStart(9)}`,
);
const results = [];
for (const [build, what, cmd, args, e] of cases) {
  const r = time(cmd, args, e);
  results.push({ build, what, ...r });
  console.log(
    `${build.padEnd(28)}${what.padEnd(22)}${r.min.toFixed(0).padStart(7)}ms${r.median.toFixed(0).padStart(7)}ms${r.p95.toFixed(0).padStart(7)}ms`,
  );
}
const help = results.find((r) => r.build === 'compiled binary' && r.what === '--help');
const ok = help.median < HELP_TARGET_MS;
console.log(
  `target: compiled --help median < ${HELP_TARGET_MS} ms: ${help.median.toFixed(0)} ms, ${ok ? 'met' : 'NOT met'}`,
);
process.exitCode = ok ? 0 : 1;
