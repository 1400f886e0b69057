// The compiled binary runs on Bun, not Node. Through the krew-installed plugin it must print
// byte for byte what the Node build prints, with the same exit code: every bundled example in
// every output format (and forced colour), and every scenario under test/scenarios in json and text.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { exampleCommands } from '../../scripts/examples.mjs';
import { renderDump } from '../../src/input/dump.js';
import { loadScenarios, type Scenario } from '../support/scenarios.js';
import { nodeHarness, runPlugin } from './artifacts.js';

const krewRoot = inject('krewRoot');
// The Node build's entry point in two long-lived processes: a Node start per run cost half the file's time.
const node = nodeHarness(2);
afterAll(() => node.close());

async function bothBuilds(args: string[]) {
  const [binary, nodeRun] = await Promise.all([runPlugin(krewRoot, args), node.run(args)]);
  return { binary, node: nodeRun };
}

function scenarioArgs(s: Scenario, file: string): string[] {
  const f = s.flags;
  return [
    s.command,
    ...s.args,
    '-f',
    file,
    ...(f.namespace ? ['-n', f.namespace] : []),
    ...(f.port ? ['--port', f.port] : []),
    ...(f.method ? ['--method', f.method] : []),
    ...(f.path ? ['--path', f.path] : []),
    ...(f.header ?? []).flatMap((h) => ['--header', h]),
    ...(f.symptom ? ['--symptom', f.symptom] : []),
    ...(f.logs ?? []).flatMap((l) => ['--logs', l]),
    ...(f.ignore ?? []).flatMap((i) => ['--ignore', i]),
  ];
}

describe('bundled examples: compiled binary = Node build', () => {
  // `text --color always`: colour forced into a pipe, where Bun's styleText would check the stream.
  const outputs = [
    ['-o', 'json'],
    ['-o', 'yaml'],
    ['-o', 'text'],
    ['-o', 'text', '--color', 'always'],
  ];
  it.each(exampleCommands().flatMap(({ file, args }) => outputs.map((o) => [file, o.join(' '), args, o] as const)))(
    '%s %s',
    async (_file, _o, args, output) => {
      const { binary, node } = await bothBuilds([...args, ...output]);
      expect(binary.stdout.length).toBeGreaterThan(100);
      expect(binary).toEqual(node);
    },
  );
});

describe.concurrent('scenarios: compiled binary = Node build', () => {
  const dir = mkdtempSync(join(tmpdir(), 'binary-eq-'));
  it.each(loadScenarios().map((s) => [s.name, s] as const))('%s', async (name, s) => {
    const file = join(dir, `${name}.yaml`);
    writeFileSync(file, renderDump(s.objects, 'yaml'));
    for (const output of ['json', 'text']) {
      const { binary, node } = await bothBuilds([...scenarioArgs(s, file), '-o', output]);
      expect(binary.code, `${output}: ${binary.stderr}`).toBe(node.code);
      expect(binary.stdout, output).toBe(node.stdout);
      expect(binary.stderr, output).toBe(node.stderr);
    }
  });
});
