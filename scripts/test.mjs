// npm test, after the build and typecheck: the unit tests start at once; the live tests start as soon as the
// Go-built parts they need are ready (the test API server, istiod and Istio's CRDs, kwok). Cold, those builds
// take many minutes and the unit tests run meanwhile; warm, the two projects run side by side, the unit tests
// using the cores the live tests leave idle while they wait on the API server and istiod (issue 32).
// Each line is prefixed with its part; the exit code is the first failure's.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..');
const VITEST = join(ROOT, 'node_modules', 'vitest', 'vitest.mjs');

/** Runs a command with its output line by line under a prefix; resolves to its exit code. */
function run(prefix, command, args) {
  const child = spawn(command, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream }).on('line', (line) => process.stdout.write(`${prefix} │ ${line}\n`));
  }
  return new Promise((resolve) => {
    child.on('error', (error) => {
      process.stdout.write(`${prefix} │ cannot start ${command}: ${error.message}\n`);
      resolve(1);
    });
    child.on('close', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

const vitest = (project) => run(project.padEnd(4), process.execPath, [VITEST, 'run', '--project', project]);

const unit = vitest('unit');
// The same builds .ci/run may have started already: each script waits for a build in progress (flock), then
// finds its cache warm.
const goBuilds = Promise.all([
  run('go  ', 'bash', ['scripts/testenv-build.sh', '--if-go']),
  run('go  ', 'bash', ['scripts/istiod-build.sh']).then((code) =>
    code === 0 ? run('go  ', 'bash', ['scripts/kwok-build.sh']) : code,
  ),
]);
const built = await goBuilds;
const buildFailed = built.find((code) => code !== 0);
const live = buildFailed === undefined ? await vitest('live') : buildFailed;
if (buildFailed !== undefined) console.log('live │ not run: a Go build failed (its lines are above)');
const codes = [await unit, live];
const failed = codes.find((code) => code !== 0);
console.log(`npm test: unit ${codes[0] === 0 ? 'passed' : 'FAILED'}, live ${codes[1] === 0 ? 'passed' : 'FAILED'}`);
process.exit(failed ?? 0);
