// Issue 31: kubectl's flags as kubectl reads them. Durations follow Go's time.ParseDuration, which kubectl's
// flags use; Go itself is the oracle (test/go-duration, run at test time). A bare whole number is seconds, as
// kubectl's --request-timeout takes it (k8s.io/client-go/tools/clientcmd, getRequestTimeout adds "s").
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseTimeout } from '../src/cli/common.js';
import { UsageError } from '../src/errors.js';

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
