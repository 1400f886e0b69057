// Issue 31: shell completion. kubectl itself (1.26+) is asked to complete `kubectl ambient-doctor …`, and finds
// bin/kubectl_complete-ambient_doctor on PATH (its plugin completion); the bash script of `completion bash` is
// sourced in a real bash and driven as bash drives it. Names from a cluster: test/live/kubectl-flags.test.ts.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin');
const env = { ...process.env, PATH: `${BIN}:${process.env.PATH}`, KUBECONFIG: '/nonexistent', NO_COLOR: '1' };

/** kubectl's own completion request, as its shell scripts make it: candidates, then :directive. */
function kubectlComplete(...words: string[]): { candidates: string[]; directive: string } {
  const r = spawnSync('kubectl', ['__complete', 'ambient-doctor', ...words], { encoding: 'utf8', env });
  if (r.error) throw r.error;
  const lines = r.stdout.trim().split('\n');
  return { candidates: lines.slice(0, -1), directive: lines[lines.length - 1] };
}

function bashComplete(line: string[]): string[] {
  const script = [
    'source <(kubectl-ambient_doctor completion bash)',
    `COMP_WORDS=(${line.map((w) => `'${w}'`).join(' ')})`,
    `COMP_CWORD=${line.length - 1}`,
    '_kubectl_ambient_doctor',
    'printf "%s\\n" "${COMPREPLY[@]}"',
  ].join('\n');
  const r = spawnSync('bash', ['-c', script], { encoding: 'utf8', env });
  return r.stdout.split('\n').filter(Boolean);
}

const hasKubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' }).status === 0;
if (!hasKubectl && process.env.CI) throw new Error('kubectl is needed in CI for the completion tests');

describe.skipIf(!hasKubectl)('kubectl ambient-doctor <TAB>, through kubectl', () => {
  it('completes commands', () => {
    expect(kubectlComplete('ex').candidates).toEqual(['explain']);
    expect(kubectlComplete('').candidates).toEqual(
      expect.arrayContaining(['explain', 'check', 'matrix', 'completion']),
    );
  });
  it('completes flags and their values', () => {
    expect(kubectlComplete('check', '--fa').candidates).toEqual(['--fail-on']);
    expect(kubectlComplete('check', '-o', '').candidates.slice(0, 6)).toEqual([
      'text',
      'wide',
      'json',
      'yaml',
      'sarif',
      'name',
    ]);
    // kubectl's template formats wait for their template: no space after `=` (directive 2 + 4).
    expect(kubectlComplete('check', '-o', 'json')).toEqual({
      candidates: ['json', 'jsonpath=', 'jsonpath-file=', 'jsonpath-as-json='],
      directive: ':6',
    });
    expect(kubectlComplete('docs', 'AD30').candidates).toContain('AD301');
  });
  it('leaves file flags to the shell (directive 0), and says no files elsewhere (4)', () => {
    expect(kubectlComplete('explain', '-f', '').directive).toBe(':0');
    expect(kubectlComplete('explain', '--out').directive).toBe(':4');
  });
});

describe('completion scripts', () => {
  it('bash: the sourced script completes commands, flags and values', () => {
    expect(bashComplete(['kubectl-ambient_doctor', 'ma'])).toEqual(['matrix']);
    expect(bashComplete(['kubectl-ambient_doctor', 'matrix', '--serv']).sort()).toEqual([
      '--server',
      '--service-ports',
    ]);
    expect(bashComplete(['kubectl-ambient_doctor', 'completion', 'z'])).toEqual(['zsh']);
  });

  it.each([
    ['bash', ['bash', '-n']],
    ['zsh', ['zsh', '-n']],
    ['fish', ['fish', '--no-execute']],
  ])('%s: the script parses in its shell', (shell, check) => {
    const script = spawnSync(join(BIN, 'kubectl-ambient_doctor'), ['completion', shell], { encoding: 'utf8', env });
    expect(script.status).toBe(0);
    const probe = spawnSync(check[0], ['--version'], { encoding: 'utf8' });
    if (probe.error) {
      console.warn(`${shell} is not installed here: its script is not parsed`);
      return;
    }
    const r = spawnSync(check[0], check.slice(1), { input: script.stdout, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
  });

  it('powershell: a script that registers a native argument completer', () => {
    const r = spawnSync(join(BIN, 'kubectl-ambient_doctor'), ['completion', 'powershell'], { encoding: 'utf8', env });
    expect(r.stdout).toContain('Register-ArgumentCompleter -Native -CommandName kubectl-ambient_doctor');
  });
});
