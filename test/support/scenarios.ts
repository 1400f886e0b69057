// Loads test/scenarios/<name>/: manifests plus expected.yaml, with shared bases from _bases/.
// Objects with the same kind, namespace and name: the scenario's own copy replaces the base's.
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { parseManifestText, type SourcedObject } from '../../src/input/files.js';

export const SCENARIO_DIR = join(import.meta.dirname, '..', 'scenarios');

export interface ScenarioExpectation {
  outcome?: string;
  symptom?: string;
  enforcedBy?: string;
  decisive?: string;
  decisiveObject?: string;
  detailIncludes?: string;
  includes?: string[];
  excludes?: string[];
  path?: { protocol?: string; port?: number; result?: string; identity?: string; layer?: string }[];
  error?: { exitCode: number; message: string };
}

export interface Scenario {
  name: string;
  description: string;
  section: string;
  command: 'explain' | 'probes';
  args: string[];
  flags: { symptom?: string; namespace?: string; port?: string; method?: string; path?: string; header?: string[] };
  expect: ScenarioExpectation;
  objects: SourcedObject[];
}

function key(o: SourcedObject): string {
  const m = o.object.metadata ?? {};
  return `${o.object.kind}/${m.namespace ?? ''}/${m.name ?? ''}`;
}

export function loadScenarios(): Scenario[] {
  return readdirSync(SCENARIO_DIR, { withFileTypes: true })
    .filter((d) => d.isDirectory() && !d.name.startsWith('_'))
    .map((d) => d.name)
    .sort()
    .map((name) => {
      const dir = join(SCENARIO_DIR, name);
      const spec = parse(readFileSync(join(dir, 'expected.yaml'), 'utf8'));
      const byKey = new Map<string, SourcedObject>();
      const files = [
        ...(spec.bases ?? []).map((b: string) => join(SCENARIO_DIR, '_bases', `${b}.yaml`)),
        ...readdirSync(dir)
          .filter((f) => f.endsWith('.yaml') && f !== 'expected.yaml')
          .sort()
          .map((f) => join(dir, f)),
      ];
      for (const file of files) {
        if (!existsSync(file)) throw new Error(`${name}: missing ${file}`);
        for (const o of parseManifestText(readFileSync(file, 'utf8'), file)) {
          byKey.delete(key(o));
          byKey.set(key(o), o);
        }
      }
      return {
        name,
        description: spec.description,
        section: spec.section,
        command: spec.command ?? 'explain',
        args: spec.args,
        flags: spec.flags ?? {},
        expect: spec.expect ?? {},
        objects: [...byKey.values()],
      };
    });
}
