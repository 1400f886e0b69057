// npm run package: one self-contained executable per platform (bun build --compile of the
// same dist/ JavaScript the Node build runs), a release archive for each with its sha256, and
// the krew manifest rendered from package.json and those checksums. See docs/packaging.md.
//
//   node scripts/package.mjs [--only linux-amd64,...]
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const ROOT = join(import.meta.dirname, '..');
const DIST = join(ROOT, 'dist');
// Outside dist/ so that npm pack, which takes every LICENSE it finds, never sees it.
const STAGE = join(ROOT, '.stage');
const BIN = 'kubectl-ambient_doctor';
const PLUGIN = 'ambient-doctor';

// x64 builds use Bun's baseline runtime: the default one needs AVX2 and dies with SIGILL on
// older CPUs, and measured no faster here (--help 0.19-0.23 s either way).
const PLATFORMS = [
  { os: 'linux', arch: 'amd64', bunTarget: 'bun-linux-x64-baseline', format: 'tar.gz' },
  { os: 'linux', arch: 'arm64', bunTarget: 'bun-linux-arm64', format: 'tar.gz' },
  { os: 'darwin', arch: 'amd64', bunTarget: 'bun-darwin-x64-baseline', format: 'tar.gz' },
  { os: 'darwin', arch: 'arm64', bunTarget: 'bun-darwin-arm64', format: 'tar.gz' },
  { os: 'windows', arch: 'amd64', bunTarget: 'bun-windows-x64-baseline', format: 'zip' },
  // For Alpine-based debug containers (musl C library; `apk add libstdc++`). Not in the krew manifest:
  // krew selects by os and arch only, and every krew user's Linux has glibc.
  { os: 'linux', arch: 'amd64', libc: 'musl', bunTarget: 'bun-linux-x64-musl-baseline', format: 'tar.gz' },
  { os: 'linux', arch: 'arm64', libc: 'musl', bunTarget: 'bun-linux-arm64-musl', format: 'tar.gz' },
];

/** linux-amd64, linux-amd64-musl, …: the platform's name in archives, folders and --only. */
const platformId = (p) => [p.os, p.arch, p.libc].filter(Boolean).join('-');

function fail(message) {
  process.stderr.write(`package: ${message}\n`);
  process.exit(1);
}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', ...opts });
  if (r.error) fail(`${cmd}: ${r.error.message}`);
  if (r.status !== 0) fail(`${cmd} ${args.join(' ')} exited ${r.status}:\n${r.stderr || r.stdout}`);
  return r.stdout;
}

// The same as run(), without blocking, so two platforms build at once (compiling and gzip are
// single-threaded; this machine has two cores).
function runAsync(cmd, args, opts = {}) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], ...opts });
    let stderr = '';
    child.stderr.on('data', (b) => (stderr += b));
    child.on('error', (err) => fail(`${cmd}: ${err.message}`));
    child.on('close', (code) => (code === 0 ? resolve() : fail(`${cmd} ${args.join(' ')} exited ${code}:\n${stderr}`)));
  });
}

async function inPool(items, size, work) {
  const results = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(size, items.length) }, worker));
  return results;
}

const sha256 = (file) => createHash('sha256').update(readFileSync(file)).digest('hex');

// Archives are reproducible: fixed owner, order and timestamps (the commit's time, or
// SOURCE_DATE_EPOCH), so the same commit gives the same checksums.
function sourceDateEpoch() {
  if (process.env.SOURCE_DATE_EPOCH) return Number(process.env.SOURCE_DATE_EPOCH);
  // The commit's own time: the same in every clone of it.
  const r = spawnSync('git', ['log', '-1', '--format=%ct'], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  const t = Number(r.stdout?.trim());
  return r.status === 0 && t > 315532800 ? t : 315532800; // zip cannot store times before 1980
}

// Licences of everything the executable bundles: the production dependency tree and Bun.
function thirdPartyLicenses() {
  const dirs = run('npm', ['ls', '--omit=dev', '--all', '--parseable'], { cwd: ROOT })
    .split('\n')
    .filter((d) => d && d !== ROOT);
  dirs.push(join(ROOT, 'node_modules', 'bun'));
  const seen = new Map();
  for (const dir of dirs) {
    const p = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    const id = `${p.name}@${p.version}`;
    if (seen.has(id)) continue;
    const file = readdirSync(dir).find((f) => /^(licen[cs]e|copying)(\.(md|txt))?$/i.test(f));
    const text = file
      ? readFileSync(join(dir, file), 'utf8').trim()
      : `(no licence file in the package; package.json says: ${p.license ?? 'nothing'})`;
    seen.set(id, `${id} (${p.license ?? 'see text'})\n\n${text}\n`);
  }
  const header =
    'kubectl-ambient_doctor bundles the following packages. The executable also embeds the Bun\n' +
    'runtime (https://bun.sh/docs/project/licensing), which includes JavaScriptCore under LGPL-2.\n';
  // The template engine is Go code compiled to WebAssembly: its own list, written by its build.
  const printers = readFileSync(join(DIST, 'kubectl-printers', 'LICENSES'), 'utf8');
  return [header, ...[...seen.keys()].sort().map((k) => seen.get(k)), printers].join(`\n${'-'.repeat(78)}\n\n`);
}

// --bytecode: the JavaScript is precompiled, so start-up skips parsing ~1,200 modules
// (--help measured 256 ms without it, 51 ms with it). --format=esm because dist/ is ESM and
// Bun's bytecode defaults to CommonJS, where import.meta is a syntax error.
async function compile(platform, define) {
  const dir = join(STAGE, platformId(platform));
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const exe = platform.os === 'windows' ? `${BIN}.exe` : BIN;
  const bun = join(ROOT, 'node_modules', '.bin', 'bun');
  await runAsync(
    bun,
    [
      'build',
      '--compile',
      '--bytecode',
      '--format=esm',
      `--target=${platform.bunTarget}`,
      join(DIST, 'standalone.js'),
      // kubectl's template engine, embedded as files (Bun.embeddedFiles, under these very names).
      join(DIST, 'kubectl-printers', 'printers.wasm'),
      join(DIST, 'kubectl-printers', 'wasm_exec.txt'),
      '--asset-naming=[name].[ext]',
      '--loader',
      '.txt:file',
      // oclif require()s the TypeScript compiler only to transpile on the fly, which the binary turns off
      // (src/standalone.ts); bundled, it was 19 MB of the executable.
      '--external',
      'typescript',
      '--define',
      define,
      // Bun writes each bundled CommonJS module's __dirname as the build machine's absolute path, which made
      // the same commit built in another folder a different binary. Inside the binary no such path exists,
      // and oclif is given its root explicitly (src/standalone.ts), so one constant serves them all.
      '--define',
      '__dirname="/$bunfs/root"',
      '--outfile',
      join(dir, exe),
    ],
    // Bun writes the building shell's NODE_ENV into the bundle (a vitest run has NODE_ENV=test): without it,
    // the same commit gives the same binary whoever builds it.
    { cwd: ROOT, env: withoutNodeEnv() },
  );
  if (!existsSync(join(dir, exe))) fail(`bun wrote no ${exe} for ${platform.os}/${platform.arch}`);
  return { dir, exe };
}

function withoutNodeEnv() {
  const { NODE_ENV: _ignored, ...env } = process.env;
  return env;
}

async function archive(platform, dir, files, epoch) {
  const name = `${BIN}-${platformId(platform)}.${platform.format}`;
  const out = join(DIST, name);
  rmSync(out, { force: true });
  for (const f of files) utimesSync(join(dir, f), epoch, epoch);
  if (platform.format === 'zip') {
    await runAsync('zip', ['-X', '-q', out, ...files], { cwd: dir });
  } else {
    // GNU tar's own gzip call passes -n (no name or time in the header), keeping it reproducible.
    await runAsync('tar', [
      '--sort=name',
      `--mtime=@${epoch}`,
      '--owner=0',
      '--group=0',
      '--numeric-owner',
      '-C',
      dir,
      '-czf',
      out,
      ...files,
    ]);
  }
  return { name, path: out, sha256: sha256(out) };
}

function renderManifest(pkg, built) {
  const template = readFileSync(join(ROOT, 'krew-manifest.yaml'), 'utf8');
  const platforms = built
    .filter(({ platform }) => !platform.libc)
    .map(({ platform, exe, files, archive: a }) =>
      [
        `  - selector:`,
        `      matchLabels: {os: ${platform.os}, arch: ${platform.arch}}`,
        `    uri: ${pkg.homepage}/releases/download/v${pkg.version}/${a.name}`,
        `    sha256: "${a.sha256}"`,
        `    files:`,
        ...files.map((f) => `    - {from: ${f}, to: .}`),
        `    bin: ${exe}`,
      ].join('\n'),
    )
    .join('\n');
  const text = template
    .replace(/^#.*\n/gm, '')
    .replaceAll('{{version}}', `v${pkg.version}`)
    .replaceAll('{{homepage}}', pkg.homepage)
    .replace('{{platforms}}', platforms);
  const left = text.match(/\{\{\w+\}\}/);
  if (left) fail(`krew-manifest.yaml: nothing fills ${left[0]}`);
  return `# Rendered by \`npm run package\` from krew-manifest.yaml, package.json and the archives' sha256.\n${text}`;
}

async function main() {
  const { values } = parseArgs({ options: { only: { type: 'string' } } });
  const wanted = values.only ? new Set(values.only.split(',')) : undefined;
  const platforms = PLATFORMS.filter((p) => !wanted || wanted.has(platformId(p)));
  if (platforms.length === 0) fail(`--only matches no platform; known: ${PLATFORMS.map(platformId).join(', ')}`);
  if (!existsSync(join(DIST, 'standalone.js'))) fail('dist/standalone.js is missing: run `npm run build` first');
  if (!existsSync(join(DIST, 'kubectl-printers', 'printers.wasm')))
    fail('dist/kubectl-printers is missing: `npm run build` needs Go to build the template engine');
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  if (!pkg.homepage) fail('package.json has no homepage: the release URLs are made from it');

  // What oclif would read from package.json, baked into the executable.
  const define = `AMBIENT_DOCTOR_PACKAGE=${JSON.stringify({ name: pkg.name, version: pkg.version, homepage: pkg.homepage, description: pkg.description, oclif: pkg.oclif })}`;
  const licenses = thirdPartyLicenses();
  const epoch = sourceDateEpoch();
  const built = await inPool(platforms, 2, async (platform) => {
    const started = Date.now();
    const { dir, exe } = await compile(platform, define);
    copyFileSync(join(ROOT, 'LICENSE'), join(dir, 'LICENSE'));
    writeFileSync(join(dir, 'THIRD-PARTY-LICENSES'), licenses);
    const files = [exe, 'LICENSE', 'THIRD-PARTY-LICENSES'];
    const a = await archive(platform, dir, files, epoch);
    writeFileSync(`${a.path}.sha256`, `${a.sha256}  ${a.name}\n`);
    const mb = (readFileSync(a.path).length / 1e6).toFixed(1);
    process.stdout.write(
      `${a.name.padEnd(46)} ${mb.padStart(6)} MB  ${a.sha256}  ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
    );
    return { platform, exe, files, archive: a };
  });
  writeFileSync(join(DIST, 'SHA256SUMS'), built.map((b) => `${b.archive.sha256}  ${b.archive.name}\n`).join(''));
  if (built.length !== PLATFORMS.length) {
    process.stdout.write('not all platforms were built (--only): the krew manifest is left as it was\n');
    return;
  }
  const manifest = renderManifest(pkg, built);
  mkdirSync(join(DIST, 'krew'), { recursive: true });
  writeFileSync(join(DIST, 'krew', `${PLUGIN}.yaml`), manifest);
  process.stdout.write(`krew manifest: dist/krew/${PLUGIN}.yaml (v${pkg.version})\n`);
}

await main();
