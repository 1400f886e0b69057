// The release as krew sees it: the manifest passes krew's own validator, every archive matches
// its checksum and holds the right executable, and the linux/amd64 one, installed by krew,
// answers as `kubectl ambient-doctor`.
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  readdirSync,
  openSync,
  readSync,
  closeSync,
  rmSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { hostileHome } from '../support/hostile-home.js';
import { exampleCommands } from '../../scripts/examples.mjs';
import { afterSpinner, onTerminal } from '../support/pty.js';
import {
  DIST,
  MANIFEST,
  PACKAGE,
  ROOT,
  TOOLS,
  archiveOf,
  exec,
  krewEnv,
  readManifest,
  runNode,
  runPlugin,
  type KrewPlatform,
} from './artifacts.js';

const krewRoot = inject('krewRoot');
const manifest = readManifest();
const platforms: KrewPlatform[] = manifest.spec.platforms;
const key = (p: KrewPlatform) => `${p.selector.matchLabels.os}/${p.selector.matchLabels.arch}`;

// What each platform's executable must be, read from its first bytes.
const EXPECTED_FORMAT: Record<string, string> = {
  'linux/amd64': 'ELF x86-64',
  'linux/arm64': 'ELF aarch64',
  'darwin/amd64': 'Mach-O x86-64',
  'darwin/arm64': 'Mach-O arm64',
  'windows/amd64': 'PE x86-64',
};

function executableFormat(file: string): string {
  const fd = openSync(file, 'r');
  const head = Buffer.alloc(4096);
  readSync(fd, head, 0, head.length, 0);
  closeSync(fd);
  if (head.readUInt32BE(0) === 0x7f454c46)
    return `ELF ${({ 0x3e: 'x86-64', 0xb7: 'aarch64' } as Record<number, string>)[head.readUInt16LE(18)] ?? 'other'}`;
  if (head.readUInt32LE(0) === 0xfeedfacf)
    return `Mach-O ${({ 0x01000007: 'x86-64', 0x0100000c: 'arm64' } as Record<number, string>)[head.readUInt32LE(4)] ?? 'other'}`;
  if (head.toString('latin1', 0, 2) === 'MZ') {
    const pe = head.readUInt32LE(0x3c);
    if (head.toString('latin1', pe, pe + 4) === 'PE\0\0')
      return `PE ${head.readUInt16LE(pe + 4) === 0x8664 ? 'x86-64' : 'other'}`;
  }
  return 'unknown';
}

async function unpack(archive: string): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'archive-'));
  const r = archive.endsWith('.zip')
    ? await exec('unzip', ['-q', archive, '-d', dir])
    : await exec('tar', ['-xzf', archive, '-C', dir]);
  expect(r.code, r.stderr).toBe(0);
  return dir;
}

describe('krew manifest', () => {
  it("passes krew's validator (validate-krew-manifest v0.5.0)", async () => {
    const r = await exec(join(TOOLS, 'validate-krew-manifest'), ['-manifest', MANIFEST, '-skip-install']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('structural validation OK');
  });

  it('is the ambient-doctor plugin at the package version, with descriptions and the RBAC in its caveats', () => {
    expect(manifest).toMatchObject({
      apiVersion: 'krew.googlecontainertools.github.com/v1alpha2',
      kind: 'Plugin',
      metadata: { name: 'ambient-doctor' },
    });
    expect(manifest.spec.version).toBe(`v${PACKAGE.version}`);
    expect(manifest.spec.homepage).toBe(PACKAGE.homepage);
    expect(manifest.spec.shortDescription.length).toBeLessThanOrEqual(70);
    expect(manifest.spec.description).toMatch(/ambient/);
    for (const resource of [
      'pods',
      'namespaces',
      'services',
      'endpointslices',
      'networkpolicies',
      'authorizationpolicies',
      'peerauthentications',
      'gateways',
      'istio-cni-config',
      'Secrets',
    ]) {
      expect(manifest.spec.caveats).toContain(resource);
    }
    expect(manifest.spec.caveats).toContain('docs/rbac.md');
  });

  it('is krew-manifest.yaml, the committed template, filled in; the template holds no checksum to go stale', () => {
    const template = readFileSync(join(ROOT, 'krew-manifest.yaml'), 'utf8');
    expect(template).not.toMatch(/[0-9a-f]{64}/);
    const [before, after] = template
      .replace(/^#.*\n/gm, '')
      .replaceAll('{{version}}', `v${PACKAGE.version}`)
      .replaceAll('{{homepage}}', PACKAGE.homepage)
      .split('{{platforms}}');
    const rendered = readFileSync(MANIFEST, 'utf8').replace(/^#.*\n/gm, '');
    expect(rendered.startsWith(before)).toBe(true);
    expect(rendered.endsWith(after)).toBe(true);
    // Between them: the platforms, which the next test checks against the archives.
    const middle = rendered.slice(before.length, rendered.length - after.length);
    expect(middle.match(/sha256: "[0-9a-f]{64}"/g)).toHaveLength(platforms.length);
  });

  it('has the five platforms, each with a release URL, a bin and the sha256 of its archive', () => {
    expect(platforms.map(key).sort()).toEqual(Object.keys(EXPECTED_FORMAT).sort());
    for (const p of platforms) {
      const file = archiveOf(p);
      expect(p.uri).toBe(`${PACKAGE.homepage}/releases/download/v${PACKAGE.version}/${file.slice(DIST.length + 1)}`);
      expect(p.bin).toBe(
        p.selector.matchLabels.os === 'windows' ? 'kubectl-ambient_doctor.exe' : 'kubectl-ambient_doctor',
      );
      expect(createHash('sha256').update(readFileSync(file)).digest('hex'), key(p)).toBe(p.sha256);
      expect(readFileSync(`${file}.sha256`, 'utf8')).toBe(`${p.sha256}  ${file.slice(DIST.length + 1)}\n`);
    }
  });
});

// The musl builds are release archives beside the krew ones (krew selects by os and arch only).
const MUSL = [
  {
    archive: 'kubectl-ambient_doctor-linux-amd64-musl.tar.gz',
    format: 'ELF x86-64',
    loader: '/lib/ld-musl-x86_64.so.1',
  },
  {
    archive: 'kubectl-ambient_doctor-linux-arm64-musl.tar.gz',
    format: 'ELF aarch64',
    loader: '/lib/ld-musl-aarch64.so.1',
  },
];

/** The program interpreter an ELF executable names (PT_INTERP), which decides the C library it runs on. */
function elfInterpreter(file: string): string | undefined {
  const bytes = readFileSync(file);
  const phoff = Number(bytes.readBigUInt64LE(0x20));
  const [size, count] = [bytes.readUInt16LE(0x36), bytes.readUInt16LE(0x38)];
  for (let i = 0; i < count; i++) {
    const at = phoff + i * size;
    if (bytes.readUInt32LE(at) !== 3) continue;
    const offset = Number(bytes.readBigUInt64LE(at + 8));
    const length = Number(bytes.readBigUInt64LE(at + 32));
    return bytes.toString('latin1', offset, offset + length).replace(/\0+$/, '');
  }
  return undefined;
}

describe('archives', () => {
  it('the glibc builds ask for glibc, and the musl builds (not run here: Debian has no musl libstdc++) for musl', async () => {
    const glibc = platforms.find((p) => key(p) === 'linux/amd64')!;
    const dir = await unpack(archiveOf(glibc));
    try {
      expect(elfInterpreter(join(dir, glibc.bin))).toBe('/lib64/ld-linux-x86-64.so.2');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    for (const m of MUSL) {
      const file = join(DIST, m.archive);
      expect(readFileSync(`${file}.sha256`, 'utf8')).toBe(
        `${createHash('sha256').update(readFileSync(file)).digest('hex')}  ${m.archive}\n`,
      );
      const unpacked = await unpack(file);
      try {
        expect(readdirSync(unpacked).sort()).toEqual(['LICENSE', 'THIRD-PARTY-LICENSES', 'kubectl-ambient_doctor']);
        expect(executableFormat(join(unpacked, 'kubectl-ambient_doctor'))).toBe(m.format);
        expect(elfInterpreter(join(unpacked, 'kubectl-ambient_doctor'))).toBe(m.loader);
      } finally {
        rmSync(unpacked, { recursive: true, force: true });
      }
    }
    expect(platforms.some((p) => p.uri.includes('musl'))).toBe(false);
  });

  it.each(platforms.map((p) => [key(p), p] as const))(
    '%s holds its executable, LICENSE and the third-party licences',
    async (name, p) => {
      const dir = await unpack(archiveOf(p));
      try {
        expect(readdirSync(dir).sort()).toEqual(['LICENSE', 'THIRD-PARTY-LICENSES', p.bin].sort());
        expect(executableFormat(join(dir, p.bin))).toBe(EXPECTED_FORMAT[name]);
        const licences = readFileSync(join(dir, 'THIRD-PARTY-LICENSES'), 'utf8');
        expect(licences).toContain('@kubernetes/client-node@');
        // The template engine: Go, client-go and apimachinery, compiled to WebAssembly.
        expect(licences).toMatch(/^Go go1\.\d+/m);
        expect(licences).toMatch(/^k8s\.io\/client-go v0\.32\.\d+$/m);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );

  it.each(platforms.filter((p) => key(p) !== 'linux/amd64').map((p) => [key(p), p] as const))(
    'krew installs the %s entry (KREW_OS/KREW_ARCH)',
    async (_name, p) => {
      const root = mkdtempSync(join(tmpdir(), 'krew-other-'));
      try {
        const { os, arch } = p.selector.matchLabels;
        const r = await exec('kubectl', ['krew', 'install', `--manifest=${MANIFEST}`, `--archive=${archiveOf(p)}`], {
          env: krewEnv(root, { KREW_OS: os, KREW_ARCH: arch }),
        });
        expect(r.code, r.stderr).toBe(0);
        expect(readdirSync(join(root, 'bin'))).toEqual([p.bin]);
      } finally {
        rmSync(root, { recursive: true, force: true });
      }
    },
  );
});

describe('the krew-installed plugin', () => {
  it('is linked into KREW_ROOT/bin and listed by kubectl', async () => {
    expect(readlinkSync(join(krewRoot, 'bin', 'kubectl-ambient_doctor'))).toBe(
      join(krewRoot, 'store', 'ambient-doctor', `v${PACKAGE.version}`, 'kubectl-ambient_doctor'),
    );
    const r = await exec('kubectl', ['plugin', 'list'], { env: krewEnv(krewRoot) });
    expect(r.stdout).toContain(join(krewRoot, 'bin', 'kubectl-ambient_doctor'));
    // `kubectl krew list` needs krew's index, a git clone from GitHub that this machine cannot
    // make; the receipt it would read is checked instead.
    const receipt = readManifest(join(krewRoot, 'receipts', 'ambient-doctor.yaml'));
    expect(receipt).toMatchObject({
      kind: 'Plugin',
      metadata: { name: 'ambient-doctor' },
      spec: { version: `v${PACKAGE.version}` },
    });
  });

  it('loads no oclif user or link plugin from the home directory', async () => {
    const h = hostileHome();
    for (const env of [{ HOME: h.home }, { HOME: h.home, XDG_DATA_HOME: join(h.home, 'xdg') }] as Record<
      string,
      string
    >[]) {
      const r = await runPlugin(krewRoot, ['docs', 'AD101'], env);
      expect(r.code).toBe(0);
    }
    expect(h.ran()).toBe(false);
  });

  it('prints -o jsonpath and -o go-template through its embedded template engine, as the Node build', async () => {
    const file = join(ROOT, 'examples', 'helloworld-strict.yaml');
    for (const output of [
      'jsonpath={.kind} {.verdict.outcome} {range .path[*]}{.result},{end}',
      'go-template={{.apiVersion}} {{len .findings}} {{.verdict.symptom}}',
    ]) {
      const args = ['explain', 'test/curl', 'helloworld.hello:5000', '-f', file, '-o', output];
      const [bin, node] = await Promise.all([runPlugin(krewRoot, args), runNode(args)]);
      expect(bin.code, bin.stderr).toBe(3);
      expect(bin.stdout).toMatch(/^(ExplainReport denied|ambient-doctor\.io\/v1 \d+ reset)/);
      expect(bin.stdout).toBe(node.stdout);
    }
  });

  it('--version names the package and version', async () => {
    const r = await runPlugin(krewRoot, ['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      new RegExp(`^${PACKAGE.name}/${PACKAGE.version.replaceAll('.', '\\.')} linux-x64 bun-\\d+\\.\\d+\\.\\d+\\n$`),
    );
  });

  it.each([
    [['--help']],
    [['explain', '--help']],
    [['probes', '--help']],
    [['matrix', '--help']],
    [['dump', '--help']],
  ])('%j prints the same help as the Node build', async (args) => {
    const [bin, node] = await Promise.all([runPlugin(krewRoot, args), runNode(args)]);
    expect(bin.code).toBe(0);
    expect(bin.stdout).toContain('kubectl ambient-doctor');
    // The VERSION line names the runtime (bun-… vs node-…): compare the rest.
    const strip = (s: string) => s.replace(/^ {2}kubectl-ambient-doctor\/.*$/m, '');
    expect(strip(bin.stdout)).toBe(strip(node.stdout));
  });

  it('on a terminal: the same coloured report as the Node build, spinner on stderr', () => {
    const args = [
      'explain',
      'test/curl',
      'helloworld.hello:5000',
      '-f',
      join(ROOT, 'examples', 'helloworld-strict.yaml'),
    ];
    const env = krewEnv(krewRoot);
    delete env.NO_COLOR;
    const binary = onTerminal(['kubectl', 'ambient-doctor', ...args], { columns: 120, env });
    const node = onTerminal([process.execPath, join(ROOT, 'bin', 'kubectl-ambient_doctor'), ...args], {
      columns: 120,
      env,
    });
    expect(binary.code).toBe(3);
    expect(binary.output).toContain('reading manifests');
    expect(afterSpinner(binary.output)).toContain('\u001b[31mDENIED');
    expect(afterSpinner(binary.output)).toBe(afterSpinner(node.output));
  });

  it.each([
    [['explain'], 1],
    [['explain', 'a', 'b', '--bogus'], 1],
    [['explain', 'test/curl', 'helloworld.hello:5000', '-f', '/nonexistent.yaml'], 2],
    [['nosuchcommand'], 1],
  ])('bad input %j: one line, the documented exit code, as the Node build', async (args, code) => {
    const [bin, node] = await Promise.all([runPlugin(krewRoot, args), runNode(args)]);
    expect(bin.code).toBe(code);
    expect(bin.stdout).toBe('');
    // One line, usage errors included (they name the usage or the nearest command themselves).
    expect(bin.stderr).toMatch(/^error: [^\n]+\n$/);
    expect({ code: bin.code, stderr: bin.stderr }).toEqual({ code: node.code, stderr: node.stderr });
  });
});

// The arm64 build cannot run natively here; Debian's qemu-user-static and libc6:arm64 (which
// .ci/run installs) run it under emulation, so the cross-compiled bytecode is exercised too.
const QEMU = '/usr/bin/qemu-aarch64-static';
const qemuMissing = [QEMU, '/lib/ld-linux-aarch64.so.1'].filter((f) => !existsSync(f));
const qemuSkip = qemuMissing.length
  ? `needs ${qemuMissing.join(' and ')} (apt-get install qemu-user-static libc6:arm64)`
  : '';

describe.skipIf(!!qemuSkip)(`linux/arm64 binary under qemu-user${qemuSkip ? ` (skipped: ${qemuSkip})` : ''}`, () => {
  it.each(exampleCommands().map(({ file, args }) => [file, args] as const))(
    '%s: the same json as the Node build',
    async (_file, args) => {
      const arm = platforms.find((p) => key(p) === 'linux/arm64')!;
      const dir = await unpack(archiveOf(arm));
      try {
        const [emulated, node] = await Promise.all([
          exec(QEMU, [join(dir, arm.bin), ...args, '-o', 'json']),
          runNode([...args, '-o', 'json']),
        ]);
        expect(emulated.stdout.length).toBeGreaterThan(100);
        expect(emulated).toEqual(node);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});
