// Issue 27: the project carries its own specification (docs/spec.md), and every `§` the code, the docs
// pages, the README and the scenario tables cite resolves to a section of it in a fresh clone: `§N` to a
// `## N.` heading, `§N.M` to `### N.M`, `§N row K` to row K of that section, `§11 (evidence)` to its
// evidence paragraph. A citation of another document's sections (`file.md §2`) cannot resolve and fails.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');
const SPEC = readFileSync(join(ROOT, 'docs', 'spec.md'), 'utf8');

/** Section number → its text (up to the next heading of the same or a higher level). */
function sections(): Map<string, string> {
  const out = new Map<string, string>();
  const lines = SPEC.split('\n');
  const heads = lines.flatMap((line, i) => {
    const m = line.match(/^(#{2,3}) (\d+(?:\.\d+)?)\.? /);
    return m ? [{ i, level: m[1].length, id: m[2] }] : [];
  });
  heads.forEach((h, k) => {
    const end = heads.slice(k + 1).find((n) => n.level <= h.level)?.i ?? lines.length;
    out.set(h.id, lines.slice(h.i, end).join('\n'));
  });
  return out;
}

function filesUnder(dir: string, ends: string[]): string[] {
  return (readdirSync(join(ROOT, dir), { recursive: true }) as string[])
    .filter((f) => ends.some((e) => f.endsWith(e)))
    .map((f) => join(dir, f));
}

const CITING = [
  ...filesUnder('src', ['.ts', '.json']),
  ...filesUnder('docs', ['.md']).filter((f) => f !== join('docs', 'spec.md')),
  ...filesUnder('test/scenarios', ['.yaml']),
  'README.md',
];

describe('every § resolves to the project specification', () => {
  const known = sections();

  it('the specification has its sections', () => expect(known.size).toBeGreaterThanOrEqual(60));

  it('every citation names a section that exists', () => {
    const broken: string[] = [];
    let citations = 0;
    for (const file of CITING) {
      const text = readFileSync(join(ROOT, file), 'utf8');
      for (const m of text.matchAll(/(\S*\s)?§(\d+(?:\.\d+)?)(?: row (\d+)| \((evidence)\))?/g)) {
        citations++;
        const [, before, id, row, evidence] = m;
        const where = `${file}: ${m[0].trim()}`;
        if (before && /\.md\s$|-cases\s$/.test(before)) broken.push(`${where} (another document)`);
        const body = known.get(id);
        if (!body) broken.push(where);
        else if (row && !new RegExp(`^\\| ${row} \\||row ${row} `, 'm').test(body)) broken.push(`${where} (no row)`);
        else if (evidence && !body.includes('**Evidence.**')) broken.push(`${where} (no evidence part)`);
      }
    }
    expect(broken).toEqual([]);
    expect(citations).toBeGreaterThan(500);
  });

  it('each rule section names the Istio source it rests on', () => {
    const withoutSource = [...known]
      .filter(([id, body]) => id.includes('.') && !/\[(I|Z|K|D)(@[\d.]+)?:|inferred|Not read/.test(body))
      .map(([id]) => id);
    // Sections that restate a table or a conclusion of other sections carry no source of their own.
    expect(withoutSource.sort()).toEqual(['12.6', '12.7', '6.7', '8.3', '8.5', '8.6'].sort());
  });
});
