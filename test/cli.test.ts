// The CLI as users run it: the built bin/kubectl-ambient_doctor in a child process.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { afterSpinner, onTerminal } from './support/pty.js';
import { hostileHome } from './support/hostile-home.js';

const ROOT = join(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin', 'kubectl-ambient_doctor');
const STRICT = join(ROOT, 'examples', 'helloworld-strict.yaml');
const AMBIENT = join(ROOT, 'examples', 'helloworld-ambient.yaml');

function run(args: string[], opts: { input?: string; env?: Record<string, string> } = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    input: opts.input,
    env: { ...process.env, NO_COLOR: '', ...opts.env },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function tmpFile(name: string, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'ambient-doctor-'));
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

const noStack = (s: string) => expect(s).not.toMatch(/\n\s+at .+\(.+:\d+:\d+\)/);

describe('explain exit codes and output', () => {
  it('predicted failure: exit 3, text verdict, no colour when piped', () => {
    const r = run(['explain', 'test/curl', 'helloworld.hello:5000', '-f', STRICT]);
    expect(r.code).toBe(3);
    expect(r.stdout).toContain('DENIED');
    expect(r.stdout).toContain('AD301');
    expect(r.stdout).not.toContain('\u001b[');
  });

  it('kubectl habits: TYPE/NAME in the -n namespace, and -h for help', () => {
    const typed = run(['explain', 'pod/curl', '-n', 'test', 'helloworld.hello:5000', '-f', STRICT, '-o', 'json']);
    const plain = run(['explain', 'test/curl', 'helloworld.hello:5000', '-f', STRICT, '-o', 'json']);
    expect(typed.code).toBe(3);
    expect(JSON.parse(typed.stdout).verdict).toEqual(JSON.parse(plain.stdout).verdict);
    const service = run(['explain', 'test/curl', 'svc/helloworld:5000', '-n', 'hello', '-f', STRICT, '-o', 'json']);
    expect(JSON.parse(service.stdout).destination.object).toBe('Service hello/helloworld');
    for (const cmd of ['explain', 'probes', 'matrix', 'dump']) {
      const help = run([cmd, '-h']);
      expect(help.code, cmd).toBe(0);
      expect(help.stdout, cmd).toContain('USAGE');
    }
  });

  it('predicted to work: exit 0', () => {
    const r = run(['explain', 'test/curl', 'helloworld.hello:5000', '-f', AMBIENT]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('ALLOWED');
  });

  it('json follows the contract; yaml has the same content', () => {
    const j = run(['explain', 'test/curl', 'helloworld.hello:5000', '-f', STRICT, '-o', 'json']);
    const y = run(['explain', 'test/curl', 'helloworld.hello:5000', '-f', STRICT, '-o', 'yaml']);
    const report = JSON.parse(j.stdout);
    expect(Object.keys(report)).toEqual([
      'apiVersion',
      'kind',
      'source',
      'destination',
      'verdict',
      'path',
      'findings',
      'istio',
    ]);
    expect([report.apiVersion, report.kind]).toEqual(['ambient-doctor.io/v1', 'ExplainReport']);
    expect(report.verdict).toMatchObject({ outcome: 'denied', symptom: 'reset', enforcedBy: 'ztunnel' });
    expect(typeof report.verdict.summary).toBe('string');
    for (const hop of report.path)
      expect(hop).toMatchObject({
        from: expect.any(String),
        to: expect.any(String),
        port: expect.any(Number),
        protocol: expect.stringMatching(/^(HBONE|TCP|HTTP)$/),
        result: expect.stringMatching(/^(pass|fail|skip)$/),
      });
    for (const f of report.findings) {
      expect(f).toMatchObject({
        code: expect.stringMatching(/^AD\d{3}$/),
        severity: expect.stringMatching(/^(error|warning|info)$/),
        title: expect.any(String),
        detail: expect.any(String),
        objects: expect.any(Array),
      });
      for (const o of f.objects) expect(o).toMatch(/^[A-Za-z]+ (\S+\/)?\S+$/);
    }
    expect(report.findings[0].objects[0]).toBe('PeerAuthentication istio-system/default');
    expect(parse(y.stdout)).toEqual(report);
    expect(j.code).toBe(3);
  });

  it('text: summary first, the fix in column 0, failing evidence marked; -o wide adds every hop and finding', () => {
    const r = run(['explain', 'test/curl', 'helloworld.hello:5000', '-f', STRICT]);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe('DENIED  test/curl → helloworld.hello:5000');
    expect(lines[1]).toMatch(/^ {2}client sees {2}connection reset by peer/);
    expect(lines[2]).toContain('cause        AD301 STRICT mTLS rejects the plaintext connection');
    expect(lines[3]).toContain('culprit      PeerAuthentication istio-system/default');
    expect(lines).toContain('kubectl label ns test istio.io/dataplane-mode=ambient --overwrite');
    expect(r.stdout).toContain('✗ mTLS mode STRICT from PeerAuthentication istio-system/default');
    expect(r.stdout).toContain('source       test/curl (not in the mesh, node-a)');
    // Only the failing hop's evidence by default; § references stay in the docs.
    expect(r.stdout).not.toContain('source egress: no NetworkPolicy selects the source');
    expect(r.stdout).not.toContain('§');
    expect(Math.max(...lines.map((l) => [...l].length))).toBeLessThanOrEqual(80);
    const wide = run(['explain', 'test/curl', 'helloworld.hello:5000', '-f', STRICT, '-o', 'wide']);
    expect(wide.code).toBe(3);
    expect(wide.stdout).toContain('✓ source egress: no NetworkPolicy selects the source');
    expect(wide.stdout).toContain('identity seen');
    expect(wide.stdout).toContain('docs: https://github.com/kubectl-ambient-doctor/kubectl-ambient-doctor/blob/v');
    expect(wide.stdout).toContain('objects: PeerAuthentication istio-system/default');
  });

  it('text fits COLUMNS in a pipe (80 when unset)', () => {
    const width = (env: Record<string, string>) =>
      Math.max(
        ...run(['explain', 'test/curl', 'helloworld.hello:5000', '-f', STRICT], { env })
          .stdout.split('\n')
          .map((l) => [...l].length),
      );
    expect(width({ COLUMNS: '' })).toBeLessThanOrEqual(80);
    expect(width({ COLUMNS: '60' })).toBeLessThanOrEqual(60);
    expect(width({ COLUMNS: '160' })).toBeGreaterThan(80);
  });

  it('matrix: a table when it fits, a list per source when it does not, the table with -o wide', () => {
    const args = ['matrix', '-A', '--port', '5000', '-f', join(ROOT, 'examples', 'lesson-waypoint-l7.yaml')];
    const narrow = run(args, { env: { COLUMNS: '60' } }).stdout.split('\n');
    // One paragraph per source, destinations grouped by answer.
    expect(narrow.join('\n')).toMatch(/^ {2}test\/curl: allow → hello\/helloworld-v1-7d9f8c6b5,\n/m);
    expect(Math.max(...narrow.map((l) => [...l].length))).toBeLessThanOrEqual(60);
    expect(run(args, { env: { COLUMNS: '200' } }).stdout).toContain('│ port 5000: from \\ to');
    expect(run([...args, '-o', 'wide'], { env: { COLUMNS: '60' } }).stdout).toContain('│ port 5000: from \\ to');
  });

  it('matrix -o json is streamed cell by cell yet is the same document; -o jsonl is one cell per line', () => {
    const args = ['matrix', '-A', '--port', '5000', '-f', join(ROOT, 'examples', 'lesson-waypoint-l7.yaml')];
    const json = run([...args, '-o', 'json']).stdout;
    const report = JSON.parse(json);
    expect(json).toBe(`${JSON.stringify(report, null, 2)}\n`);
    expect(report.cells.length).toBe(12);
    const lines = run([...args, '-o', 'jsonl'])
      .stdout.trimEnd()
      .split('\n');
    expect(lines.map((l) => JSON.parse(l))).toEqual(report.cells);
  });

  it('json: docs as a versioned URL, objects with the file they came from', () => {
    const report = JSON.parse(
      run(['explain', 'test/curl', 'helloworld.hello:5000', '-f', STRICT, '-o', 'json']).stdout,
    );
    const version = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version;
    expect(report.findings[0].docs).toBe(
      `https://github.com/kubectl-ambient-doctor/kubectl-ambient-doctor/blob/v${version}/docs/findings/AD301.md`,
    );
    expect(report.findings[0].origins['PeerAuthentication istio-system/default']).toBe(STRICT);
  });

  it('-f over a directory of unrelated cases warns about the conflicting copies (AD904)', () => {
    const r = spawnSync(process.execPath, [BIN, 'explain', 'test/curl', 'helloworld.hello:5000', '-f', 'examples/'], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1' },
    });
    expect(r.stdout).toContain('AD904');
    const json = spawnSync(
      process.execPath,
      [BIN, 'explain', 'test/curl', 'helloworld.hello:5000', '-f', 'examples/', '-o', 'json'],
      {
        cwd: ROOT,
        encoding: 'utf8',
      },
    );
    const dupes = JSON.parse(json.stdout).findings.filter((f: any) => f.code === 'AD904');
    const ns = dupes.find((f: any) => f.objects[0] === 'Namespace test');
    // The file read last wins (directories are read in name order), as kubectl apply would leave it.
    const last = readdirSync(join(ROOT, 'examples'))
      .filter((f) => f.endsWith('.yaml'))
      .sort()
      .pop();
    expect(ns.detail).toContain(`The copy from examples/${last} is used`);
    expect(ns.detail).toContain('ignored, and different: examples/helloworld-strict.yaml.');
  });

  it('--symptom 503 is reported in the words the user typed', () => {
    const r = run(['explain', 'test/curl', 'helloworld.hello:5000', '-f', STRICT, '--symptom', '503', '-o', 'json']);
    const ad901 = JSON.parse(r.stdout).findings.find((f: any) => f.code === 'AD901');
    expect(ad901.detail).toMatch(/^You observed HTTP 503; the input predicts: connection reset by peer/);
    expect(ad901.detail).not.toContain('http-503');
  });

  it('docs prints a page with its link; rbac prints the documented role, and a binding when asked', () => {
    const docs = run(['docs', 'ad301']);
    expect(docs.code).toBe(0);
    expect(docs.stdout.split('\n')[0]).toMatch(/\/blob\/v[\d.]+\/docs\/findings\/AD301\.md$/);
    expect(docs.stdout).toContain('# AD301: STRICT mTLS rejects the plaintext connection');
    const role = run(['rbac']);
    const documented = readFileSync(join(ROOT, 'docs', 'rbac.md'), 'utf8').match(/```yaml\n([\s\S]*?)```/)![1];
    expect(role.stdout).toBe(documented);
    const bound = run(['rbac', '--user', 'alice@example.com']).stdout.split('\n---\n');
    expect(parse(bound[0])).toEqual(parse(documented));
    expect(parse(bound[1])).toMatchObject({
      kind: 'ClusterRoleBinding',
      roleRef: { kind: 'ClusterRole', name: 'ambient-doctor-reader' },
      subjects: [{ kind: 'User', name: 'alice@example.com' }],
    });
  });

  it('--color always colours; NO_COLOR wins over auto', () => {
    expect(run(['explain', 'test/curl', 'helloworld.hello:5000', '-f', STRICT, '--color', 'always']).stdout).toContain(
      '\u001b[',
    );
    expect(
      run(['explain', 'test/curl', 'helloworld.hello:5000', '-f', STRICT], { env: { NO_COLOR: '1' } }).stdout,
    ).not.toContain('\u001b[');
  });

  it('accepts -f before the arguments, as kubectl users type it', () => {
    // The same objects in two files: the later file wins, as with kubectl apply.
    const r = run([
      'explain',
      '-f',
      AMBIENT,
      '-f',
      STRICT,
      'test/curl',
      'helloworld.hello',
      '--port',
      '5000',
      '-o',
      'json',
    ]);
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout).verdict.outcome).toBe('denied');
  });

  it('reads stdin with -f -', () => {
    const r = run(['explain', 'test/curl', 'helloworld.hello:5000', '-f', '-', '-o', 'json'], {
      input: readFileSync(AMBIENT, 'utf8'),
    });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).verdict.outcome).toBe('allowed');
  });

  it('reads a kind: List as kubectl get -o yaml prints it', () => {
    const items = readFileSync(AMBIENT, 'utf8')
      .split(/^---$/m)
      .map((d) => parse(d))
      .filter(Boolean);
    const file = tmpFile('list.yaml', JSON.stringify({ apiVersion: 'v1', kind: 'List', items }));
    const r = run(['explain', 'test/curl', 'helloworld.hello:5000', '-f', file]);
    expect(r.code).toBe(0);
  });

  it('probes: exit 0 when all probes pass', () => {
    const r = run(['probes', 'hello/helloworld-v1-7d9f8c6b5-abcde', '-f', AMBIENT, '-o', 'json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).probes.length).toBe(2);
  });
});

describe('on a terminal', () => {
  const args = [process.execPath, BIN, 'explain', 'test/curl', 'helloworld.hello:5000', '-f', STRICT];
  const env = (extra: Record<string, string> = {}) => {
    const e: NodeJS.ProcessEnv = { ...process.env, ...extra };
    if (!('NO_COLOR' in extra)) delete e.NO_COLOR;
    return e;
  };

  it('colours the report and shows a spinner on stderr while reading', () => {
    const r = onTerminal(args, { columns: 120, env: env() });
    expect(r.timedOut).toBe(false);
    expect(r.code).toBe(3);
    expect(r.output).toContain('reading manifests');
    expect(afterSpinner(r.output)).toContain('\u001b[31mDENIED');
  });

  it('NO_COLOR turns colour off on a terminal too', () => {
    const r = onTerminal(args, { columns: 120, env: env({ NO_COLOR: '1' }) });
    expect(r.code).toBe(3);
    expect(afterSpinner(r.output)).toContain('DENIED');
    expect(afterSpinner(r.output)).not.toMatch(/\u001b\[3\dm/);
  });

  it('a terminal that reports no width gets no spinner, and the run ends', () => {
    // ora loops forever clearing lines when the width is 0; this hung before the fix.
    const r = onTerminal(args, { columns: 0, env: env(), timeoutMs: 20_000 });
    expect(r.timedOut).toBe(false);
    expect(r.code).toBe(3);
    expect(r.output).not.toContain('reading manifests');
    expect(r.output).toContain('DENIED');
  });
});

describe('bad input: one clear line, documented exit code, no stack trace', () => {
  it.each([
    ['malformed YAML', ['-f', 'BAD'], 'apiVersion: v1\nkind: Pod\nmetadata: {name: [x\n', 2, 'malformed YAML'],
    ['empty file', ['-f', 'BAD'], '', 2, 'is empty'],
    ['document without kind', ['-f', 'BAD'], 'apiVersion: v1\nmetadata: {name: x}\n', 2, 'has no "kind"'],
  ])('%s', (_n, extra, content, code, message) => {
    const file = tmpFile('bad.yaml', content as string);
    const r = run([
      'explain',
      'test/curl',
      'helloworld.hello:5000',
      ...(extra as string[]).map((a) => (a === 'BAD' ? file : a)),
    ]);
    expect(r.code).toBe(code);
    expect(r.stderr).toContain(message as string);
    expect(r.stderr.trim().split('\n').length).toBe(1);
    expect(r.stdout).toBe('');
    noStack(r.stderr);
  });

  it.each([
    ['missing file', ['explain', 'test/curl', 'helloworld.hello:5000', '-f', '/nonexistent.yaml'], 2, 'no such file'],
    ['unknown pod', ['explain', 'test/crul', 'helloworld.hello:5000', '-f', STRICT], 1, 'nearest: curl'],
    [
      'unknown kind',
      ['explain', 'test/widget/curl', 'helloworld.hello:5000', '-f', STRICT],
      1,
      'unknown kind "widget"',
    ],
    ['port not exposed', ['explain', 'test/curl', 'helloworld.hello:8080', '-f', STRICT], 1, 'has no port 8080'],
    [
      'pod port not exposed',
      ['explain', 'test/curl', 'hello/helloworld-v1-7d9f8c6b5-abcde:9999', '-f', STRICT],
      1,
      'does not expose port 9999',
    ],
    ['no -f and no kubeconfig', ['explain', 'test/curl', 'helloworld.hello:5000'], 2, 'no kubeconfig found'],
    ['missing arguments', ['explain'], 1, 'missing SOURCE and DESTINATION: usage kubectl ambient-doctor explain'],
    ['missing one argument', ['explain', 'test/curl'], 1, 'missing DESTINATION: usage'],
    ['unknown flag', ['explain', 'a', 'b', '--bogus'], 1, 'unknown flag --bogus for explain'],
    ['mistyped flag', ['explain', 'a', 'b', '--contxt', 'x'], 1, 'did you mean --context?'],
    ['mistyped output', ['explain', 'a', 'b', '-o', 'wid'], 1, 'did you mean wide?'],
    [
      'mistyped command',
      ['explian', 'test/curl', 'helloworld.hello:5000'],
      1,
      'unknown command "explian"; did you mean "explain"?',
    ],
    ['unknown docs page', ['docs', 'AD3011'], 1, 'did you mean AD301?'],
    ['bad output format', ['explain', 'a', 'b', '-o', 'xml'], 1, 'xml'],
  ])('%s', (_n, args, code, message) => {
    const r = run(args as string[], {
      env: { KUBECONFIG: '/nonexistent/kubeconfig', HOME: mkdtempSync(join(tmpdir(), 'home-')) },
    });
    expect(r.code).toBe(code);
    expect(r.stderr).toContain(message);
    noStack(r.stderr);
  });
});

describe('kubectl plugin discovery', () => {
  const kubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' });
  it.skipIf(kubectl.status !== 0)(
    'kubectl ambient-doctor runs the plugin from PATH (skipped when kubectl is not installed)',
    () => {
      const r = spawnSync(
        'kubectl',
        ['ambient-doctor', 'explain', 'test/curl', 'helloworld.hello:5000', '-f', STRICT, '-o', 'json'],
        {
          encoding: 'utf8',
          env: { ...process.env, PATH: `${join(ROOT, 'bin')}:${process.env.PATH}` },
        },
      );
      expect(r.status).toBe(3);
      expect(JSON.parse(r.stdout).verdict.outcome).toBe('denied');
    },
  );
});

describe('nothing from the home directory runs', () => {
  it('oclif user and link plugins declared in ~/.local/share/ambient-doctor are not loaded', () => {
    const h = hostileHome();
    const env = { HOME: h.home, XDG_DATA_HOME: join(h.home, 'xdg') };
    for (const args of [
      ['docs', 'AD101'],
      ['--help'],
      ['explain', 'test/curl', 'helloworld.hello:5000', '-f', STRICT],
    ]) {
      run(args, { env });
      run(args, { env: { HOME: h.home } });
    }
    expect(h.ran()).toBe(false);
  });
});
