// -o jsonpath / go-template print what kubectl prints. The oracle is kubectl itself (`kubectl label --local -f
// FILE -o TEMPLATE` prints any object through kubectl's printers, offline); the templates are kubectl's own
// examples, read at test time from the pinned modules: every JSONPath template and JSON document in
// client-go's util/jsonpath tests, and the go-templates of cli-runtime's printer and flag tests, plus
// templates over the tool's own reports. Nothing here is an expected value written by hand.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { renderTemplate, type TemplateEngine } from '../src/render/templates.js';

const ROOT = join(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin', 'kubectl-ambient_doctor');
const work = mkdtempSync(join(tmpdir(), 'templates-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A module of kubectl v1.32's release, downloaded by Go into its module cache; its folder. */
function moduleDir(path: string): string {
  const r = spawnSync('go', ['mod', 'download', '-json', path], {
    cwd: join(ROOT, 'kubectl-printers'),
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`go mod download ${path}: ${r.stderr || r.stdout}`);
  return JSON.parse(r.stdout).Dir;
}

/** Go string literals of a Go source file: raw (`…`) as they are, interpreted ("…") with their escapes read. */
function goStrings(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const found: string[] = [];
  for (const m of text.matchAll(/`([^`]*)`|"((?:[^"\\\n]|\\.)*)"/g)) {
    if (m[1] !== undefined) found.push(m[1]);
    else {
      try {
        found.push(JSON.parse(`"${m[2]}"`));
      } catch {
        // A Go escape JSON does not share (\x, \a): not a template kubectl's examples need.
      }
    }
  }
  return found;
}

const clientGo = moduleDir('k8s.io/client-go@v0.32.4');
const cliRuntime = moduleDir('k8s.io/cli-runtime@v0.32.4');
const jsonpathTests = ['jsonpath_test.go', 'parser_test.go'].flatMap((f) =>
  goStrings(join(clientGo, 'util/jsonpath', f)),
);
const JSONPATHS = [...new Set(jsonpathTests.filter((s) => s.includes('{') && s.includes('}') && !s.includes('\n')))];
// The JSON objects those tests run their templates on.
const DATA = jsonpathTests.flatMap((s) => {
  try {
    const v = JSON.parse(s);
    return v && typeof v === 'object' && !Array.isArray(v) ? [v] : [];
  } catch {
    return [];
  }
});
const GO_TEMPLATES = [
  ...new Set(
    ['printers/template_test.go', 'genericclioptions/template_flags_test.go', 'genericclioptions/print_flags_test.go']
      .flatMap((f) => goStrings(join(cliRuntime, 'pkg', f)))
      .map((s) => s.replace(/^go-template=/, ''))
      .filter((s) => s.includes('{{')),
  ),
];

/** The tool's own reports, as -o json prints them: a denial, a working connection, a check scan. */
function report(args: string[]): object {
  const r = spawnSync(process.execPath, [BIN, ...args, '-o', 'json'], { encoding: 'utf8', env: { ...process.env } });
  return JSON.parse(r.stdout);
}
const REPORTS = [
  report(['explain', 'test/curl', 'helloworld.hello:5000', '-f', join(ROOT, 'examples/helloworld-strict.yaml')]),
  report(['explain', 'test/curl', 'helloworld.hello:5000', '-f', join(ROOT, 'examples/helloworld-ambient.yaml')]),
  report(['check', '-f', join(ROOT, 'examples')]),
];
// Over the reports: loops, indexes, numbers, booleans, missing keys, filters, kubectl's template functions.
const REPORT_JSONPATHS = [
  '{.kind} {.apiVersion}',
  '{.verdict.outcome}{"\\t"}{.verdict.symptom}{"\\n"}',
  '{range .path[*]}{.from}{" -> "}{.to}:{.port} {.result}{"\\n"}{end}',
  '{.findings[0].objects}',
  '{.findings[*].code}',
  '{.findings[?(@.severity=="error")].code}',
  '{.destination.port}{.summary.errors}',
  '{..identity}',
  '{.path[-1:]}',
  '{.nosuchfield}',
  '{.verdict}',
];
const REPORT_GO_TEMPLATES = [
  '{{.kind}} {{.verdict.outcome}}',
  '{{range .path}}{{.from}} -> {{.to}}:{{.port}} {{.result}}\n{{end}}',
  '{{range $i, $f := .findings}}{{$i}} {{$f.code}} {{index $f.objects 0}}\n{{end}}',
  '{{len .findings}} {{.summary}}',
  '{{if eq .verdict.outcome "denied"}}DENIED{{else}}ok{{end}}',
  '{{with .destination}}{{.port}}{{end}}',
  '{{printf "%v %d" .destination.port .destination.port}}',
  '{{exists . "verdict" "symptom"}} {{exists . "nope"}}',
  '{{.nosuchfield}}',
  '{{.verdict}}',
  '{{range .findings}}{{if .fix}}{{.code}}{{end}}{{end}}',
];

/** kubectl's output for each document through the template (one process, every document), or its error. */
function kubectl(format: 'jsonpath' | 'go-template', template: string, files: string[]) {
  const args = [
    'label',
    '--local',
    ...files.flatMap((f) => ['-f', f]),
    'oracle=kubectl',
    '-o',
    `${format}=${template}`,
  ];
  const r = spawnSync('kubectl', args, { encoding: 'utf8', env: { ...process.env, KUBECONFIG: '/dev/null' } });
  return { ok: r.status === 0, stdout: r.stdout, stderr: r.stderr };
}

/** Each document as a file kubectl reads, and as kubectl's printer then sees it (labelled, via -o json). */
function asObjects(documents: object[], name: string, ownKinds = false): { files: string[]; seen: object[] } {
  const files = documents.map((d, i) => {
    const file = join(work, `${name}-${i}.json`);
    // kubectl reads any apiVersion and kind offline; kubectl's test data has neither (nor a name).
    // The reports keep their own (the CLI test prints .kind); kubectl's data may say `kind: List`, which kubectl
    // would take apart.
    const kind = { apiVersion: 'ambient-doctor.io/v1', kind: 'TemplateOracle' };
    const object = ownKinds
      ? { ...kind, ...d, metadata: { name: `doc-${i}` } }
      : { ...d, ...kind, metadata: { name: `doc-${i}` } };
    writeFileSync(file, JSON.stringify(object));
    return file;
  });
  const read = files.map((f) => {
    const r = spawnSync('kubectl', ['label', '--local', '-f', f, 'oracle=kubectl', '-o', 'json'], {
      encoding: 'utf8',
      env: { ...process.env, KUBECONFIG: '/dev/null' },
    });
    if (r.status !== 0 && ownKinds) throw new Error(`kubectl cannot read ${f}: ${r.stderr}`);
    // An object kubectl reads as a list prints its items, or nothing: not one JSON object.
    try {
      return r.status === 0 ? JSON.parse(r.stdout) : undefined;
    } catch {
      return undefined;
    }
  });
  // kubectl's data that kubectl reads as a list (items of their own kinds) is left out: it would take it apart.
  const kept = read.flatMap((seen, i) => (seen?.metadata?.name === `doc-${i}` ? [i] : []));
  return { files: kept.map((i) => files[i]), seen: kept.map((i) => read[i]) };
}

async function ours(engine: TemplateEngine, text: string, seen: object[]) {
  try {
    let out = '';
    for (const d of seen) out += await renderTemplate({ engine, format: engine, text }, d);
    return { ok: true, stdout: out };
  } catch (err) {
    return { ok: false, stdout: '', error: (err as Error).message };
  }
}

async function compare(
  format: 'jsonpath' | 'go-template',
  templates: string[],
  set: { files: string[]; seen: object[] },
) {
  const differences: string[] = [];
  let printed = 0;
  // JSONPath's `..` and `*` walk a map in Go's map order, which differs from run to run in kubectl itself:
  // there each document must print the same values, in any order.
  const sameValues = (a: string, b: string) => a.split(/\s+/).sort().join(' ') === b.split(/\s+/).sort().join(' ');
  for (const t of templates) {
    const walksMaps = format === 'jsonpath' && /\.\.|\*/.test(t);
    const batch = [kubectl(format, t, set.files), await ours(format, t, set.seen)] as const;
    if (batch[0].ok && batch[1].ok && batch[0].stdout === batch[1].stdout) {
      if (batch[0].stdout.trim()) printed++;
      continue;
    }
    const runs = walksMaps ? set.files.map((f, i) => ({ files: [f], seen: [set.seen[i]] })) : [set];
    let printedHere = false;
    for (const run of runs) {
      const theirs = kubectl(format, t, run.files);
      const mine = await ours(format, t, run.seen);
      const same = theirs.stdout === mine.stdout || (walksMaps && sameValues(theirs.stdout, mine.stdout));
      if (theirs.ok !== mine.ok || (theirs.ok && !same)) {
        differences.push(
          `${JSON.stringify(t)}: kubectl ${theirs.ok ? JSON.stringify(theirs.stdout) : `fails (${theirs.stderr.split('\n')[0]})`}` +
            `, ours ${mine.ok ? JSON.stringify(mine.stdout) : `fails (${mine.error})`}`,
        );
      }
      if (theirs.ok && theirs.stdout.trim()) printedHere = true;
    }
    if (printedHere) printed++;
  }
  return { differences, printed };
}

describe('-o jsonpath and -o go-template print what kubectl v1.32 prints', () => {
  it("finds kubectl's examples in the pinned modules", () => {
    expect(JSONPATHS.length).toBeGreaterThan(100);
    expect(DATA.length).toBeGreaterThanOrEqual(4);
    expect(GO_TEMPLATES.length).toBeGreaterThanOrEqual(6);
  });

  it("client-go's JSONPath test templates over its test data", { timeout: 300_000 }, async () => {
    const data = asObjects(DATA, 'data');
    expect(data.files.length).toBeGreaterThanOrEqual(8);
    const { differences, printed } = await compare('jsonpath', JSONPATHS, data);
    expect(differences).toEqual([]);
    // The corpus exercises the engine (30 of its templates print something on its data at v0.32.4).
    expect(printed).toBeGreaterThanOrEqual(25);
  });

  it("JSONPath templates over the tool's own reports", { timeout: 300_000 }, async () => {
    const { differences } = await compare(
      'jsonpath',
      [...REPORT_JSONPATHS, ...JSONPATHS],
      asObjects(REPORTS, 'reports', true),
    );
    expect(differences).toEqual([]);
  });

  it("cli-runtime's go-templates and go-templates over the reports", { timeout: 300_000 }, async () => {
    const set = { ...asObjects(REPORTS, 'go', true) };
    const data = asObjects(DATA.slice(0, 2), 'go-data');
    set.files.push(...data.files);
    set.seen.push(...data.seen);
    const { differences, printed } = await compare('go-template', [...REPORT_GO_TEMPLATES, ...GO_TEMPLATES], set);
    expect(differences).toEqual([]);
    expect(printed).toBeGreaterThan(REPORT_GO_TEMPLATES.length / 2);
  });

  it('through the command line: -o jsonpath=, --template, -file forms and --allow-missing-template-keys=false', () => {
    const file = join(ROOT, 'examples/helloworld-strict.yaml');
    const templateFile = join(work, 'template.txt');
    writeFileSync(templateFile, '{{.kind}}/{{.verdict.outcome}}');
    const doc = asObjects([REPORTS[0]], 'cli', true);
    const run = (args: string[]) =>
      spawnSync(process.execPath, [BIN, 'explain', 'test/curl', 'helloworld.hello:5000', '-f', file, ...args], {
        encoding: 'utf8',
      });
    const cases: [string[], string[]][] = [
      [
        ['-o', 'jsonpath={.verdict.symptom}'],
        ['-o', 'jsonpath={.verdict.symptom}'],
      ],
      [
        ['-o', 'jsonpath', '--template', '{.kind}'],
        ['-o', 'jsonpath', '--template', '{.kind}'],
      ],
      [
        ['-o', `go-template-file=${templateFile}`],
        ['-o', `go-template-file=${templateFile}`],
      ],
      [
        ['-o', 'jsonpath-as-json={.verdict}'],
        ['-o', 'jsonpath-as-json={.verdict}'],
      ],
      [
        ['-o', `templatefile=${templateFile}`],
        ['-o', `templatefile=${templateFile}`],
      ],
    ];
    for (const [mine, theirs] of cases) {
      const a = run(mine);
      const b = spawnSync('kubectl', ['label', '--local', '-f', doc.files[0], 'oracle=kubectl', ...theirs], {
        encoding: 'utf8',
        env: { ...process.env, KUBECONFIG: '/dev/null' },
      });
      expect(b.status, b.stderr).toBe(0);
      expect({ args: mine, out: a.stdout, code: a.status }).toEqual({ args: mine, out: b.stdout, code: 3 });
    }
    // A missing key is an error only when asked, in both.
    const strict = ['-o', 'jsonpath={.nope}', '--allow-missing-template-keys=false'];
    const a = run(strict);
    const b = spawnSync('kubectl', ['label', '--local', '-f', doc.files[0], 'oracle=kubectl', ...strict], {
      encoding: 'utf8',
      env: { ...process.env, KUBECONFIG: '/dev/null' },
    });
    expect(b.status).not.toBe(0);
    expect(a.status).toBe(1);
    expect(a.stderr).toBe('error: error executing jsonpath "{.nope}": nope is not found\n');
    expect(a.stdout).toBe('');
  });

  it('a template that does not parse: one line, exit 1, before anything is read', () => {
    const r = spawnSync(
      process.execPath,
      [BIN, 'explain', 'a/b', 'c.d:80', '-f', '/nonexistent.yaml', '-o', 'jsonpath={.x'],
      {
        encoding: 'utf8',
      },
    );
    expect(r.status).toBe(1);
    expect(r.stderr).toBe('error: error parsing jsonpath {.x, unclosed action\n');
  });
});
