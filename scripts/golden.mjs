// A refactoring guard, not a test: records what the built tool prints for every scenario and
// example (explain/probes in json and text, a matrix and a check over each scenario), so that a
// restructuring can be checked byte for byte against the commit before it.
//
//   node scripts/golden.mjs record DIR     writes one file per run into DIR
//   diff -r BEFORE AFTER                   compares two recordings
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { parseManifestText } from '../dist/input/files.js';
import { buildSnapshot } from '../dist/input/normalize.js';
import { explain } from '../dist/diagnose/explain/explain.js';
import { probes } from '../dist/diagnose/explain/probes.js';
import { matrix } from '../dist/diagnose/matrix/matrix.js';
import { renderExplainText, renderProbesText } from '../dist/render/text.js';
import { renderJson } from '../dist/render/structured.js';
import { makeStyle } from '../dist/render/style.js';
import { check } from '../dist/diagnose/check/index.js';
import { renderCheckSarif, renderCheckText } from '../dist/render/check.js';
import { exampleCommands } from './examples.mjs';

const ROOT = join(import.meta.dirname, '..');
const SCENARIOS = join(ROOT, 'test', 'scenarios');
const SYMPTOMS = {
  reset: 'reset',
  refused: 'refused',
  timeout: 'timeout',
  503: 'http-503',
  403: 'http-403',
  probe: 'probe-failure',
};

function scenarioObjects(name, spec) {
  const byKey = new Map();
  const files = [
    ...(spec.bases ?? []).map((b) => join(SCENARIOS, '_bases', `${b}.yaml`)),
    ...readdirSync(join(SCENARIOS, name))
      .filter((f) => f.endsWith('.yaml') && f !== 'expected.yaml')
      .sort()
      .map((f) => join(SCENARIOS, name, f)),
  ];
  for (const file of files) {
    for (const o of parseManifestText(readFileSync(file, 'utf8'), file)) {
      const m = o.object.metadata ?? {};
      const key = `${o.object.kind}/${m.namespace ?? ''}/${m.name ?? ''}`;
      byKey.delete(key);
      byKey.set(key, o);
    }
  }
  return [...byKey.values()];
}

function attempt(fn) {
  try {
    return fn();
  } catch (err) {
    return `error: ${err.message}\n`;
  }
}

function record(dir) {
  mkdirSync(dir, { recursive: true });
  const plain = makeStyle(false);
  const names = readdirSync(SCENARIOS, { withFileTypes: true })
    .filter((d) => d.isDirectory() && !d.name.startsWith('_'))
    .map((d) => d.name)
    .sort();
  for (const name of names) {
    const spec = parse(readFileSync(join(SCENARIOS, name, 'expected.yaml'), 'utf8'));
    const flags = spec.flags ?? {};
    const ns = flags.namespace ?? 'default';
    const symptom = flags.symptom ? (SYMPTOMS[flags.symptom] ?? flags.symptom) : undefined;
    const snapshot = () => buildSnapshot(scenarioObjects(name, spec), spec.input ?? 'files');
    const run = () =>
      spec.command === 'probes'
        ? probes(snapshot(), spec.args[0], ns, symptom)
        : explain(snapshot(), {
            source: spec.args[0],
            destination: spec.args[1],
            namespace: ns,
            port: flags.port,
            method: flags.method,
            path: flags.path,
            headers: flags.header,
            symptom,
          });
    const text = spec.command === 'probes' ? renderProbesText : renderExplainText;
    writeFileSync(
      join(dir, `${name}.json`),
      attempt(() => renderJson(run())),
    );
    for (const wide of [false, true]) {
      writeFileSync(
        join(dir, `${name}${wide ? '.wide' : ''}.txt`),
        attempt(() => text(run(), { style: plain, width: 100, wide })),
      );
    }
    writeFileSync(
      join(dir, `${name}.matrix.json`),
      attempt(() => renderJson(matrix(snapshot(), { namespaces: 'all', servicePorts: true }))),
    );
    const scan = () => check(snapshot(), { namespaces: 'all' });
    writeFileSync(
      join(dir, `${name}.check.json`),
      attempt(() => renderJson(scan())),
    );
    writeFileSync(
      join(dir, `${name}.check.sarif`),
      attempt(() => renderJson(renderCheckSarif(scan()))),
    );
    for (const wide of [false, true]) {
      writeFileSync(
        join(dir, `${name}.check${wide ? '.wide' : ''}.txt`),
        attempt(() => renderCheckText(scan(), { style: plain, width: 100, wide })),
      );
    }
  }
  for (const { file, args } of exampleCommands()) {
    for (const output of ['json', 'text']) {
      const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'kubectl-ambient_doctor'), ...args, '-o', output], {
        cwd: ROOT,
        encoding: 'utf8',
      });
      writeFileSync(join(dir, `example-${file}.${output}`), `${r.stdout}\n--- stderr (exit ${r.status})\n${r.stderr}`);
    }
  }
  console.log(`recorded ${names.length} scenarios and ${exampleCommands().length} examples into ${dir}`);
}

const [cmd, dir] = process.argv.slice(2);
if (cmd !== 'record' || !dir) {
  console.error('usage: node scripts/golden.mjs record DIR');
  process.exit(1);
}
if (existsSync(dir) && readdirSync(dir).length > 0) {
  console.error(`${dir} is not empty`);
  process.exit(1);
}
record(dir);
