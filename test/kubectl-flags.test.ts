// Issue 31: kubectl's flags as kubectl reads them (the connection flags have live tests: test/live/kubectl-flags). Durations follow Go's time.ParseDuration, which kubectl's
// flags use; Go itself is the oracle (test/go-duration, run at test time). A bare whole number is seconds, as
// kubectl's --request-timeout takes it (k8s.io/client-go/tools/clientcmd, getRequestTimeout adds "s").
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseTimeout } from '../src/cli/common.js';
import { UsageError } from '../src/errors.js';
import { proxyFromEnvironment } from '../src/input/proxy.js';

const DURATIONS = [
  '1m30s',
  '1.5h',
  '300ms',
  '.5s',
  '1h2m3.5s',
  '2us',
  '1.µs',
  '0',
  '0s',
  '10x',
  '1m30',
  'ms',
  '1h-1s',
  '',
];

function goDurations(inputs: string[]): { values?: (number | 'error')[]; reason?: string } {
  const run = spawnSync('go', ['run', '.', ...inputs], {
    cwd: join(import.meta.dirname, 'go-duration'),
    encoding: 'utf8',
    env: { ...process.env, GOTOOLCHAIN: 'local', GOFLAGS: '-mod=mod' },
    timeout: 180_000,
  });
  if (run.status !== 0) return { reason: `go run failed: ${(run.stderr || String(run.error)).split('\n')[0]}` };
  return {
    values: run.stdout
      .trim()
      .split('\n')
      .map((l) => (l === 'error' ? 'error' : Number(l))),
  };
}

describe("durations as kubectl's flags read them", () => {
  it("equal Go's time.ParseDuration on every input Go accepts, and fail where Go fails", () => {
    const go = goDurations(DURATIONS);
    if (!go.values) {
      if (process.env.CI) throw new Error(go.reason);
      console.warn(`skipping the Go oracle: ${go.reason}`);
      return;
    }
    DURATIONS.forEach((input, i) => {
      const want = go.values![i];
      const ours = () => parseTimeout(input, '--request-timeout');
      if (/^\d+$/.test(input)) expect(ours(), input).toBe(Number(input) * 1000);
      else if (want === 'error') expect(ours, input).toThrow(UsageError);
      else expect(ours(), input).toBeCloseTo(want, 6);
    });
  });

  it('names the flag and an example in one line', () => {
    expect(() => parseTimeout('soon', '--deadline')).toThrow(/--deadline "soon".*1m30s/);
  });
});

describe('proxy from the environment, as Go decides it (golang.org/x/net/http/httpproxy)', () => {
  const env = {
    HTTPS_PROXY: 'proxy.corp:3128',
    HTTP_PROXY: 'http://p80:8080',
    NO_PROXY: '.internal,10.0.0.0/8,api.x:6443',
  };
  it.each([
    ['https://api.example.com:6443', 'http://proxy.corp:3128'],
    ['http://api.example.com:8001', 'http://p80:8080'],
    ['https://127.0.0.1:6443', undefined], // loopback is never proxied
    ['https://localhost:6443', undefined],
    ['https://k8s.internal:6443', undefined], // a domain suffix
    ['https://internal:6443', undefined],
    ['https://10.1.2.3:6443', undefined], // a CIDR
    ['https://api.x:6443', undefined], // host and port
    ['https://api.x:443', 'http://proxy.corp:3128'], // another port
  ])('%s → %s', (server, want) => expect(proxyFromEnvironment(server, env)).toBe(want));

  it('lower-case names count, upper case first; NO_PROXY=* turns it off', () => {
    expect(proxyFromEnvironment('https://a.b:1', { https_proxy: 'http://low:1' })).toBe('http://low:1');
    expect(proxyFromEnvironment('https://a.b:1', { HTTPS_PROXY: 'http://up:1', https_proxy: 'http://low:1' })).toBe(
      'http://up:1',
    );
    expect(proxyFromEnvironment('https://a.b:1', { HTTPS_PROXY: 'http://up:1', NO_PROXY: '*' })).toBeUndefined();
  });
});

describe('kubectl forms of help and version', () => {
  const run = (args: string[]) =>
    spawnSync(process.execPath, [join(import.meta.dirname, '..', 'bin', 'kubectl-ambient_doctor'), ...args], {
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1' },
    });
  it('version and version -o json', () => {
    expect(run(['version']).stdout).toMatch(/^kubectl-ambient-doctor v\d+\.\d+\.\d+ \(/);
    expect(JSON.parse(run(['version', '-o', 'json']).stdout).version).toMatch(/^\d+\.\d+\.\d+/);
  });
  it('help COMMAND, help and -h give the help, exit 0', () => {
    for (const args of [['help', 'explain'], ['help'], ['-h'], ['check', '-h']]) {
      const r = run(args);
      expect(r.status, args.join(' ')).toBe(0);
      expect(r.stdout).toContain('USAGE');
    }
    expect(run(['help', 'explain']).stdout).toContain('explain SOURCE DESTINATION');
  });
});
