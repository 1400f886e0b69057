// Issue 30: istioctl's analyzer test grid as a conformance test. The grid (analyzers_test.go's testGrid) and
// its input files are read from the pinned istio.io/istio module at test time, never copied. For each grid
// message in this tool's area, docs/istioctl-analyze.md says what `check` does: the code it reports on the
// same object, `differs` (Istio's controllers disagree with the message; the code must stay quiet there),
// `n/a` with a reason, or `not yet` (an open gap, printed). IST codes are checked against messages.yaml.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseManifestText } from '../src/input/files.js';
import { buildSnapshot } from '../src/input/normalize.js';
import { check } from '../src/diagnose/check/index.js';
import type { CheckReport } from '../src/diagnose/report.js';
import { istioModule } from './support/istio-module.js';

const istio = istioModule();
if (!istio.dir) {
  if (process.env.CI) throw new Error(`istioctl's analyzer grid is needed in CI: ${istio.reason}`);
  console.warn(`skipping istioctl's analyzer grid: ${istio.reason} (scripts/istiod-build.sh fetches it)`);
}
const ANALYZERS = istio.dir ? join(istio.dir, 'pkg', 'config', 'analysis', 'analyzers') : '';

interface GridCase {
  name: string;
  analyzer: string;
  files: string[];
  expected: { type: string; origin: string }[];
}

/** testGrid's entries: name, analyzer (`&pkg.Type{}` or `pkg.Func(...)`), inputFiles and expected messages. */
function gridCases(): GridCase[] {
  const text = readFileSync(join(ANALYZERS, 'analyzers_test.go'), 'utf8');
  const grid = text.slice(text.indexOf('var testGrid'), text.indexOf('\n}\n', text.indexOf('var testGrid')));
  return grid
    .split(/\n\t\{\n/)
    .slice(1)
    .map((block) => {
      const analyzer = block.match(/analyzer:\s*(?:&([\w.]+)\{\}|([\w.]+)\()/);
      const files = block.match(/inputFiles:\s*\[\]string\{([^}]*)\}/)?.[1] ?? '';
      return {
        name: block.match(/name:\s*"([^"]*)"/)?.[1] ?? '?',
        analyzer: analyzer?.[1] ?? analyzer?.[2] ?? '?',
        files: [...files.matchAll(/"([^"]+)"/g)].map((m) => m[1]),
        expected: [...block.matchAll(/\{msg\.(\w+),\s*"([^"]+)"\}/g)].map((m) => ({ type: m[1], origin: m[2] })),
      };
    });
}

interface Row {
  analyzer: string;
  type: string;
  ist: string;
  kind: string;
  tool: string;
  why: string;
}

function table(): Row[] {
  const doc = readFileSync(join(import.meta.dirname, '..', 'docs', 'istioctl-analyze.md'), 'utf8');
  const rows: Row[] = [];
  for (const line of doc.split('\n')) {
    const m = line.match(/^\| ([\w.]+) \| (\w+) \((IST\d{4})\) \| (\w+) \| ([^|]+) \| (.*) \|$/);
    if (m) rows.push({ analyzer: m[1], type: m[2], ist: m[3], kind: m[4], tool: m[5].trim(), why: m[6].trim() });
  }
  return rows;
}

/** The IST code of each message name, from msg/messages.yaml. */
function istCodes(): Map<string, string> {
  const text = readFileSync(join(ANALYZERS, '..', 'msg', 'messages.yaml'), 'utf8');
  return new Map([...text.matchAll(/- name: "(\w+)"\s*\n\s*code: (IST\d{4})/g)].map((m) => [m[1], m[2]]));
}

/** "Kind ns/name" or "Kind name" (namespace omitted in the YAML) against the report's "Kind ns/name". */
function reportsOn(report: CheckReport, code: string, origin: string): boolean {
  const [kind, id] = origin.split(' ');
  const [ns, name] = id.includes('/') ? id.split('/') : [undefined, id];
  return report.findings.some(
    (f) =>
      f.code === code &&
      f.objects.some((o) => {
        const [k, ref] = o.split(' ');
        const [ons, oname] = ref.includes('/') ? ref.split('/') : [undefined, ref];
        return k === kind && oname === name && (ns === undefined || ons === ns);
      }),
  );
}

const rows = istio.dir ? table() : [];
const inArea = new Set(rows.map((r) => r.analyzer));
const cases = istio.dir ? gridCases() : [];

describe.skipIf(!istio.dir)("istioctl's analyzer grid (pinned module)", () => {
  it('reads the grid and the table', () => {
    expect(cases.length).toBeGreaterThan(50);
    expect(rows.length).toBeGreaterThan(10);
  });

  it("names each message with istioctl's own IST code, and gives every row a reason", () => {
    const codes = istCodes();
    for (const r of rows) {
      expect(codes.get(r.type), `${r.type} in messages.yaml`).toBe(r.ist);
      expect(r.why.length, `${r.analyzer} ${r.type} ${r.kind}: reason`).toBeGreaterThan(10);
      expect(r.tool).toMatch(/^(AD\d{3}|differs( \(AD\d{3}\))?|n\/a|not yet)$/);
    }
  });

  const summary = { reported: 0, differs: 0, na: 0, notYet: [] as string[], outOfArea: 0, rowless: [] as string[] };
  const area = cases.filter((c) => inArea.has(c.analyzer));
  summary.outOfArea = cases.filter((c) => !inArea.has(c.analyzer)).reduce((n, c) => n + c.expected.length, 0);

  it.each(area.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const objects = c.files.flatMap((f) => {
      const path = join(ANALYZERS, f);
      return parseManifestText(readFileSync(path, 'utf8'), path);
    });
    const report = check(buildSnapshot(objects), { namespaces: 'all' });
    const mine = rows.filter((r) => r.analyzer === c.analyzer);
    for (const e of c.expected) {
      const kind = e.origin.split(' ')[0];
      const row = mine.find((r) => r.type === e.type && r.kind === kind);
      if (!row) {
        summary.rowless.push(`${c.analyzer} ${e.type} ${kind}`);
        continue;
      }
      const code = row.tool.match(/AD\d{3}/)?.[0];
      if (row.tool.startsWith('differs')) {
        // The code that would make the same claim stays quiet on the object (a bare `differs`: no code of ours
        // makes the claim; its row says which Istio source decides).
        if (code)
          expect(reportsOn(report, code, e.origin), `${code} on ${e.origin}: documented as differing`).toBe(false);
        summary.differs++;
      } else if (code) {
        expect(reportsOn(report, code, e.origin), `${e.type} on ${e.origin}: ${code} expected`).toBe(true);
        summary.reported++;
      } else if (row.tool === 'n/a') summary.na++;
      else summary.notYet.push(`${e.type} on ${e.origin}`);
    }
    // Entries that expect nothing: the codes mapped for this analyzer stay quiet on the objects it checks.
    if (c.expected.length === 0) {
      for (const r of mine) {
        const code = r.tool.match(/^AD\d{3}$/)?.[0];
        if (!code) continue;
        const loud = report.findings.filter(
          (f) => f.code === code && f.objects.some((o) => o.startsWith(`${r.kind} `)),
        );
        expect(loud.map((f) => f.detail)).toEqual([]);
      }
    }
  });

  it('maps every grid message of an analyzer in the area (summary printed)', () => {
    console.log(
      `istioctl analyzer grid: ${summary.reported} messages reported with the same problem on the same object, ` +
        `${summary.differs} where Istio's controllers differ (documented), ${summary.na} not applicable to ambient, ` +
        `${summary.notYet.length} not yet reported` +
        (summary.notYet.length ? ` (${summary.notYet.join('; ')})` : '') +
        `; ${summary.outOfArea} messages of analyzers outside the tool's area.`,
    );
    expect(summary.rowless).toEqual([]);
    expect(summary.reported).toBeGreaterThan(0);
  });
});
