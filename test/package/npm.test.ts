// The npm package: `npm pack`, then `npm i -g` into a temporary prefix, then kubectl finds the
// plugin through the `kubectl-ambient_doctor` bin and it answers, and completes through kubectl_complete-ambient_doctor.
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PACKAGE, ROOT, exec } from './artifacts.js';

describe('npm package', () => {
  const work = mkdtempSync(join(tmpdir(), 'npm-pack-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('packs the Node build without the release binaries', async () => {
    const r = await exec('npm', ['pack', '--json', '--pack-destination', work], { cwd: ROOT });
    expect(r.code, r.stderr).toBe(0);
    const [info] = JSON.parse(r.stdout.slice(r.stdout.indexOf('[')));
    const files: string[] = info.files.map((f: { path: string }) => f.path);
    expect(files).toContain('bin/kubectl-ambient_doctor');
    expect(files).toContain('dist/main.js');
    expect(files).toContain('LICENSE');
    expect(files.filter((f) => /\.(tar\.gz|zip)$|standalone|stage\//.test(f))).toEqual([]);
    // kubectl's template engine ships with it: 6.4 MB of WebAssembly, about 1.6 MB packed (issue 31).
    for (const f of ['printers.wasm', 'wasm_exec.txt', 'LICENSES'])
      expect(files).toContain(`dist/kubectl-printers/${f}`);
    expect(info.size, 'packed size in bytes').toBeLessThan(3_000_000);
  });

  it('npm i -g installs kubectl-ambient_doctor, and `kubectl ambient-doctor --version` answers', async () => {
    const tarball = readdirSync(work).find((f) => f.endsWith('.tgz'));
    expect(tarball).toBe(`${PACKAGE.name}-${PACKAGE.version}.tgz`);
    const prefix = join(work, 'prefix');
    const install = await exec(
      'npm',
      ['i', '-g', '--prefix', prefix, '--no-audit', '--no-fund', '--prefer-offline', join(work, tarball!)],
      { cwd: work, timeoutMs: 240_000 },
    );
    expect(install.code, install.stderr).toBe(0);
    expect(existsSync(join(prefix, 'bin', 'kubectl-ambient_doctor'))).toBe(true);
    const env = { ...process.env, PATH: `${join(prefix, 'bin')}:${process.env.PATH}` };
    const version = await exec('kubectl', ['ambient-doctor', '--version'], { env, cwd: work });
    expect(version.code, version.stderr).toBe(0);
    expect(version.stdout).toMatch(
      new RegExp(`^${PACKAGE.name}/${PACKAGE.version.replaceAll('.', '\\.')} linux-x64 node-v`),
    );
    const explainStrict = (output: string) =>
      exec(
        'kubectl',
        [
          'ambient-doctor',
          'explain',
          'test/curl',
          'helloworld.hello:5000',
          '-f',
          join(ROOT, 'examples', 'helloworld-strict.yaml'),
          '-o',
          output,
        ],
        { env, cwd: work },
      );
    const explain = await explainStrict('json');
    expect(explain.code).toBe(3);
    expect(JSON.parse(explain.stdout).verdict.outcome).toBe('denied');
    const template = await explainStrict('jsonpath={.kind} {.verdict.outcome}');
    expect({ code: template.code, out: template.stdout, err: template.stderr }).toEqual({
      code: 3,
      out: 'ExplainReport denied',
      err: '',
    });
    // kubectl's plugin completion finds the package's kubectl_complete-ambient_doctor (issue 31).
    expect(existsSync(join(prefix, 'bin', 'kubectl_complete-ambient_doctor'))).toBe(true);
    const completion = await exec('kubectl', ['__complete', 'ambient-doctor', 'ex'], { env, cwd: work });
    expect(completion.stdout.split('\n').slice(0, 2)).toEqual(['explain', ':4']);
  }, 300_000);
});
