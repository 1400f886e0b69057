// Issue 27: the evidence stage annotates the explain run; `explain --logs` answers the question once.
// The command runs in process with explain's module wrapped to count its calls (proofs ask again inside
// the module, through its own bindings, so they are not counted here).
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';

const calls = vi.hoisted(() => ({ explain: 0, explainRun: 0 }));
vi.mock('../src/diagnose/explain/explain.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../src/diagnose/explain/explain.js')>();
  return {
    ...real,
    explain: (...args: Parameters<typeof real.explain>) => (calls.explain++, real.explain(...args)),
    explainRun: (...args: Parameters<typeof real.explainRun>) => (calls.explainRun++, real.explainRun(...args)),
  };
});

const { default: Explain } = await import('../src/commands/explain.js');
const ROOT = join(import.meta.dirname, '..');

describe('explain with runtime evidence', () => {
  afterEach(() => vi.restoreAllMocks());
  it('runs explain once and shows the evidence', async () => {
    let out = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      out += String(chunk);
      return true;
    });
    await Explain.run(
      [
        'test/curl',
        'hello/helloworld-v1-7d9f8c6b5-abcde:5000',
        '-f',
        join(ROOT, 'examples', 'helloworld-evidence.yaml'),
        '--logs',
        join(ROOT, 'docs', 'evidence-example', 'ztunnel-node-a.log'),
        '--config-dump',
        join(ROOT, 'docs', 'evidence-example', 'config-dump-node-b.json'),
        '-o',
        'json',
      ],
      ROOT,
    );
    const report = JSON.parse(out);
    expect(report.findings.map((f: { code: string }) => f.code)).toContain('AD905');
    expect(calls).toEqual({ explain: 0, explainRun: 1 });
    process.exitCode = undefined;
  });
});
