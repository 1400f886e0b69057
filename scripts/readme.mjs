// README output blocks are real runs: each ``` block right after a line `<!-- run: ARGS -->` is
// the output of `kubectl ambient-doctor ARGS` in the repository root, as a pipe at 80 columns
// with NO_COLOR. `node scripts/readme.mjs` rewrites them; a test compares them (test/readme.test.ts).
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..');
const BLOCK = /(<!-- run: (.+?) -->\n+```[a-z]*\n)([\s\S]*?)(```)/g;

export function runForReadme(args) {
  const env = { ...process.env, NO_COLOR: '1', COLUMNS: '80' };
  const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'kubectl-ambient_doctor'), ...args.split(' ')], {
    cwd: ROOT,
    encoding: 'utf8',
    env,
  });
  // Errors are part of what a user sees (stderr; the README's error examples show it).
  return r.stdout + r.stderr;
}

/** Every marked block of the README: the command, what the README shows, and what it prints now. */
export function readmeBlocks(text = readFileSync(join(ROOT, 'README.md'), 'utf8')) {
  return [...text.matchAll(BLOCK)].map((m) => ({ args: m[2], shown: m[3], actual: runForReadme(m[2]) }));
}

if (process.argv[1] === import.meta.filename) {
  const file = join(ROOT, 'README.md');
  const text = readFileSync(file, 'utf8');
  writeFileSync(
    file,
    text.replace(BLOCK, (_all, head, args, _body, tail) => `${head}${runForReadme(args)}${tail}`),
  );
}
