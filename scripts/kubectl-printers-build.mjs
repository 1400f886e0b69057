// Part of `npm run build`: kubectl's output templates (kubectl-printers/, Go) compiled to WebAssembly,
// with the Go runtime's JavaScript half (wasm_exec.js, from the Go toolchain that compiled it) and the
// licences of what the module contains, into dist/kubectl-printers/. Skipped when nothing changed.
// Reproducible: -trimpath and an empty build ID keep the build folder and host out of the bytes.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..');
const SRC = join(ROOT, 'kubectl-printers');
const OUT = join(ROOT, 'dist', 'kubectl-printers');
const env = { ...process.env, GOOS: 'js', GOARCH: 'wasm', GOTOOLCHAIN: 'local', GOFLAGS: '-mod=mod', CGO_ENABLED: '0' };

function go(args) {
  const r = spawnSync('go', args, { cwd: SRC, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.error) return { ok: false, out: r.error.message };
  return { ok: r.status === 0, out: r.status === 0 ? r.stdout : r.stderr || r.stdout };
}

const version = go(['env', 'GOVERSION', 'GOROOT']);
if (!version.ok) {
  process.stderr.write(
    'kubectl-printers: no Go toolchain (go env failed): -o jsonpath and -o go-template will say so when used\n',
  );
  process.exit(0);
}
const [goVersion, goroot] = version.out.trim().split('\n');
const stamp = createHash('sha256')
  .update(goVersion)
  .update(['go.mod', 'go.sum', 'main.go'].map((f) => readFileSync(join(SRC, f), 'utf8')).join('\0'))
  .digest('hex');
const stampFile = join(OUT, 'stamp');
if (existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp && existsSync(join(OUT, 'printers.wasm'))) {
  process.exit(0);
}

mkdirSync(OUT, { recursive: true });
const built = go([
  'build',
  '-trimpath',
  '-buildvcs=false',
  '-ldflags=-s -w -buildid=',
  '-o',
  join(OUT, 'printers.wasm.tmp'),
  '.',
]);
if (!built.ok) {
  process.stderr.write(`kubectl-printers: go build failed:\n${built.out}`);
  process.exit(1);
}
renameSync(join(OUT, 'printers.wasm.tmp'), join(OUT, 'printers.wasm'));
// .txt: it is read as text and run as a script (src/render/templates.ts), never imported or bundled.
copyFileSync(join(goroot, 'lib', 'wasm', 'wasm_exec.js'), join(OUT, 'wasm_exec.txt'));

// The module contains Go's standard library and runtime, and the Go modules it requires.
const listed = go(['list', '-deps', '-f', '{{with .Module}}{{.Path}} {{.Version}} {{.Dir}}{{end}}', '.']);
if (!listed.ok) {
  process.stderr.write(`kubectl-printers: go list failed:\n${listed.out}`);
  process.exit(1);
}
const modules = [...new Set(listed.out.split('\n').filter((l) => l && !l.startsWith('example.invalid/')))].sort();
const licenceOf = (dir) => {
  const name = ['LICENSE', 'LICENSE.txt', 'COPYING'].find((f) => existsSync(join(dir, f)));
  return name ? readFileSync(join(dir, name), 'utf8').trim() : '(no licence file found)';
};
const sections = [
  `Go ${goVersion} (the standard library and runtime, and wasm_exec.txt, Go's lib/wasm/wasm_exec.js)\n\n${licenceOf(goroot)}`,
  ...modules.map((line) => {
    const [path, moduleVersion, dir] = line.split(' ');
    return `${path} ${moduleVersion}\n\n${licenceOf(dir)}`;
  }),
];
writeFileSync(
  join(OUT, 'LICENSES'),
  `dist/kubectl-printers (printers.wasm, wasm_exec.txt) is built from the following.\n\n${sections.join(`\n\n${'-'.repeat(78)}\n\n`)}\n`,
);
writeFileSync(stampFile, stamp);
process.stdout.write(`kubectl-printers: built dist/kubectl-printers/printers.wasm with ${goVersion}\n`);
