// Loads test/scenarios/<name>/: manifests plus expected.yaml, with shared bases from _bases/.
// Objects with the same kind, namespace and name: the scenario's own copy replaces the base's.
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { parseManifestText, type SourcedObject } from '../../src/input/files.js';
import { FINDINGS, type FindingCode } from '../../src/findings/catalogue.js';
import { buildSnapshot } from '../../src/input/normalize.js';
import type { Snapshot } from '../../src/snapshot/types.js';

export const SCENARIO_DIR = join(import.meta.dirname, '..', 'scenarios');

const CODES = Object.keys(FINDINGS) as [FindingCode, ...FindingCode[]];
const code = z.enum(CODES);

/** expected.yaml: unknown keys fail, so a misspelt expectation cannot pass silently. */
const HopExpectation = z
  .object({
    protocol: z.enum(['HBONE', 'TCP', 'HTTP']).optional(),
    port: z.number().int().optional(),
    result: z.enum(['pass', 'fail', 'skip']).optional(),
    identity: z.string().optional(),
    layer: z.enum(['capture', 'network', 'waypoint', 'ztunnel-inbound', 'app']).optional(),
    evidenceIncludes: z.string().optional(),
  })
  .strict();

const Expectation = z
  .object({
    outcome: z.enum(['allowed', 'denied', 'partial', 'unknown']).optional(),
    symptom: z
      .enum(['ok', 'reset', 'refused', 'timeout', 'http-403', 'http-503', 'probe-failure', 'unknown'])
      .optional(),
    enforcedBy: z.enum(['networkpolicy', 'ztunnel', 'waypoint', 'sidecar', 'dataplane', 'none']).optional(),
    decisive: code.optional(),
    decisiveObject: z.string().optional(),
    detailIncludes: z.string().optional(),
    fixIncludes: z.string().optional(),
    /** Per alternative of the decisive finding's fix: the next cause on purpose, or why it opens more. */
    fixes: z.array(z.object({ next: code.optional(), opens: z.string().min(10).optional() }).strict()).optional(),
    includes: z.array(code).optional(),
    /** A text the finding with this code (decisive or not) must contain. */
    findingDetails: z.record(code, z.string()).optional(),
    excludes: z.array(code).optional(),
    path: z.array(HopExpectation).optional(),
    error: z.object({ exitCode: z.number().int(), message: z.string() }).strict().optional(),
    /** check: findings the scan must report, by code and (when given) the object it names first. */
    reports: z
      .array(z.object({ code, object: z.string().optional(), detailIncludes: z.string().optional() }).strict())
      .optional(),
    /** check: findings the scan must not report (a policy that works, a healthy object beside a broken one). */
    notReports: z.array(z.object({ code, object: z.string() }).strict()).optional(),
    /** check: how many findings the annotation or --ignore hid. */
    suppressed: z.number().int().optional(),
    /**
     * explain: a scan over the same input stays quiet about this denial, because no configuration means the
     * connection (issue 30, intent before fault; the description says why).
     */
    scan: z.literal('quiet').optional(),
  })
  .strict();

export const ScenarioFile = z
  .object({
    description: z.string().min(1),
    section: z.string().regex(/§|^CLI$/, 'cite a section of the semantics doc'),
    bases: z.array(z.string()).optional(),
    /** check: args are the namespaces to scan, or -A. */
    command: z.enum(['explain', 'probes', 'check']).optional(),
    /** `cluster`: the objects are what a live read returned, so what is absent is absent (§2.3, §6.4). */
    input: z.enum(['files', 'cluster']).optional(),
    args: z.array(z.string()).min(1),
    flags: z
      .object({
        symptom: z.string().optional(),
        namespace: z.string().optional(),
        port: z.string().optional(),
        method: z.string().optional(),
        path: z.string().optional(),
        header: z.array(z.string()).optional(),
        /**
         * Log files in the scenario's directory (`--logs`). Live, each is served by kwok as the logs of
         * a pod: `ztunnel-<node>.*` the ztunnel on that node, `<namespace>_<pod>.*` that pod.
         */
        logs: z.array(z.string()).optional(),
        /** ztunnel config dumps in the scenario's directory (`--config-dump`); live, `config-dump-<node>.json`. */
        configDump: z.array(z.string()).optional(),
        /** check: --ignore values. */
        ignore: z.array(z.string()).optional(),
      })
      .strict()
      .optional(),
    expect: Expectation,
  })
  .strict();

export type ScenarioExpectation = z.infer<typeof Expectation>;

export interface Scenario {
  name: string;
  description: string;
  section: string;
  command: 'explain' | 'probes' | 'check';
  input: 'files' | 'cluster';
  args: string[];
  flags: {
    symptom?: string;
    namespace?: string;
    port?: string;
    method?: string;
    path?: string;
    header?: string[];
    logs?: string[];
    configDump?: string[];
    ignore?: string[];
  };
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
      const parsed = ScenarioFile.safeParse(parse(readFileSync(join(dir, 'expected.yaml'), 'utf8')));
      if (!parsed.success)
        throw new Error(
          `${name}/expected.yaml: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
        );
      const spec = parsed.data;
      // A scenario's own files replace the bases' objects of the same name (the point of a base); copies
      // among its own files reach the tool as given, as `-f a.yaml -f b.yaml` would (AD904).
      const read = (file: string) => {
        if (!existsSync(file)) throw new Error(`${name}: missing ${file}`);
        return parseManifestText(readFileSync(file, 'utf8'), file);
      };
      const byKey = new Map<string, SourcedObject>();
      for (const b of spec.bases ?? []) {
        for (const o of read(join(SCENARIO_DIR, '_bases', `${b}.yaml`))) {
          byKey.delete(key(o));
          byKey.set(key(o), o);
        }
      }
      const own = readdirSync(dir)
        .filter((f) => f.endsWith('.yaml') && f !== 'expected.yaml')
        .sort()
        .flatMap((f) => read(join(dir, f)));
      for (const o of own) byKey.delete(key(o));
      return {
        name,
        description: spec.description,
        section: spec.section,
        command: spec.command ?? 'explain',
        input: spec.input ?? 'files',
        args: spec.args,
        flags: {
          ...spec.flags,
          ...(spec.flags?.logs ? { logs: spec.flags.logs.map((f) => join(dir, f)) } : {}),
          ...(spec.flags?.configDump ? { configDump: spec.flags.configDump.map((f) => join(dir, f)) } : {}),
        },
        expect: spec.expect ?? {},
        objects: [...byKey.values(), ...own],
      };
    });
}

/** The scenario's objects as the tool would see them: from files, or as a live read returned them. */
export function scenarioSnapshot(s: Scenario): Snapshot {
  return buildSnapshot(s.objects, s.input);
}

/** A cluster holds one copy of each object, the last one applied (AD904 copies exist only in files). */
export function lastCopies(objects: SourcedObject[]): SourcedObject[] {
  const byKey = new Map<string, SourcedObject>();
  for (const o of objects) {
    const key = `${o.object.apiVersion}/${o.object.kind}/${o.object.metadata?.namespace ?? ''}/${o.object.metadata?.name}`;
    byKey.delete(key);
    byKey.set(key, o);
  }
  return [...byKey.values()];
}
