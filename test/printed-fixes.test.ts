// Issue 28: what a fix prints is what its proof applied, in a form kubectl and a shell take the same way.
// Every alternative of every scenario: each manifest is the whole object (nothing the input's object had
// is missing), reads the same as YAML 1.1 (kubectl) and 1.2, label commands overwrite, read-only commands
// are checks, and text wrapping at 80 columns keeps every command's words and every comment a comment.
import { describe, expect, it } from 'vitest';
import { parse as parseShell } from 'shell-quote';
import { parseAllDocuments } from 'yaml';
import { buildSnapshot } from '../src/input/normalize.js';
import { parseManifestText } from '../src/input/files.js';
import { withoutServerFields } from '../src/input/apply.js';
import { commandText } from '../src/render/text.js';
import { lastCopies, loadScenarios } from './support/scenarios.js';
import { runScenarioOn } from './support/run-scenario.js';

const alternatives = loadScenarios().flatMap((given) => {
  const s = { ...given, objects: lastCopies(given.objects) };
  if (s.command !== 'explain' && s.command !== 'probes') return [];
  let report: any;
  try {
    report = runScenarioOn(s, buildSnapshot(s.objects));
  } catch {
    return [];
  }
  return (report.findings ?? []).flatMap((f: any) =>
    (f.fixes ?? []).map((alt: any, i: number) => ({ label: `${s.name} ${f.code} fix ${i + 1}`, alt, s })),
  );
});

/** Every path to a value in `sub` exists in `whole` with the same value (lists compared whole). */
function missingFrom(whole: any, sub: any, at = ''): string[] {
  if (sub === null || typeof sub !== 'object' || Array.isArray(sub)) return [];
  return Object.entries(sub).flatMap(([k, v]) =>
    whole && typeof whole === 'object' && k in whole ? missingFrom(whole[k], v, `${at}.${k}`) : [`${at}.${k}`],
  );
}

describe('printed fixes', () => {
  it('cover the scenarios', () => expect(alternatives.length).toBeGreaterThan(100));

  it.each(alternatives.filter((a) => a.alt.manifests).map((a) => [a.label, a] as const))(
    '%s: whole objects, read alike by YAML 1.1 and 1.2',
    (_label, { alt, s }) => {
      const ours = parseManifestText(alt.manifests, 'fix.yaml').map((o) => o.object);
      const yaml11 = parseAllDocuments(alt.manifests, { version: '1.1' }).map((d) => d.toJS());
      expect(yaml11).toEqual(ours);
      for (const m of ours) {
        const key = (o: any) => `${o.kind}/${o.metadata?.namespace ?? ''}/${o.metadata?.name}`;
        const existing = [...s.objects].reverse().find((o) => key(o.object) === key(m));
        if (!existing) continue;
        const before = withoutServerFields(existing.object);
        // A field may change value; none may be dropped (apply's three-way merge would delete it).
        expect(missingFrom(m, before), `${key(m)} lost fields`).toEqual([]);
      }
    },
  );

  it.each(alternatives.map((a) => [a.label, a.alt] as const))('%s: commands and checks', (_label, alt) => {
    for (const line of alt.commands.filter((c: string) => !c.startsWith('#'))) {
      if (/^kubectl label /.test(line)) expect(line).toContain('--overwrite');
      // A pipe into a writing command (get -o yaml | replace --force) writes.
      if (!/\| kubectl (replace|apply|create) /.test(line))
        expect(line, 'a read-only command is a check').not.toMatch(/^kubectl (-n \S+ )?(get|describe|logs) /);
    }
    for (const line of [...alt.commands, ...alt.checks]) {
      const wrapped = commandText(line, 60).split('\n');
      // Every wrapped line of a comment is a comment; a command keeps its words once the breaks are undone.
      if (line.startsWith('#')) expect(wrapped.every((l: string) => l.startsWith('#'))).toBe(true);
      else {
        const code = wrapped.filter((l: string) => !l.startsWith('#')).join('\n');
        const words = (text: string) => parseShell(text.replace(/\\\n/g, ' ')).filter((w) => typeof w === 'string');
        expect(words(code)).toEqual(words(line.replace(/\s+#.*$/, '')));
      }
    }
  });
});
