// The bundled examples and the command each one is meant for, read from its
// "# $ kubectl ambient-doctor …" header line. `npm run demo` runs them; the packaging tests
// run them through the Node build and the compiled binary.
//
//   node scripts/examples.mjs            runs every example with the Node build
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..');
const HEADER = /^# \$ kubectl ambient-doctor (.+)$/m;

export function exampleCommands() {
  const dir = join(ROOT, 'examples');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((file) => {
      const m = readFileSync(join(dir, file), 'utf8').match(HEADER);
      if (!m) throw new Error(`examples/${file} has no "# $ kubectl ambient-doctor …" line`);
      return { file, args: m[1].trim().split(/\s+/) };
    });
}

if (process.argv[1] === import.meta.filename) {
  for (const { args } of exampleCommands()) {
    process.stdout.write(`\n$ kubectl ambient-doctor ${args.join(' ')}\n`);
    spawnSync(process.execPath, [join(ROOT, 'bin', 'kubectl-ambient_doctor'), ...args], {
      cwd: ROOT,
      stdio: 'inherit',
    });
  }
}
