// A finding as reports carry it: the catalogue entry of its code, the detail for this case, the
// objects it names (decisive first) and, where one exists, its remedies.
import { yamlText } from '../text/yaml-text.js';
import { refText, type ObjectRef } from '../snapshot/ref.js';
import { docsUrl } from '../version.js';
import { FINDINGS, type FindingCode, type Severity } from './catalogue.js';
import { command, isNote, isReadOnly, resourceFor, shellLine, unsafeCommandNote, type CommandLine } from './command.js';

/** A manifest as kubectl applies it. */
export type Manifest = Record<string, unknown> & {
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
};

/**
 * One way to remove the cause, as the engine builds it. `apply` objects are complete and are
 * both shown and applied to the snapshot for the proof; `effects` are what `commands` do to
 * objects (a label, a patch), applied for the proof only; `delete` is shown as kubectl delete.
 */
export interface Remedy {
  title: string;
  apply?: Manifest[];
  delete?: ObjectRef[];
  commands?: CommandLine[];
  effects?: Manifest[];
  /** Why this remedy cannot be narrower than it is (e.g. enrolling a namespace enrols all its pods). */
  scope?: string;
}

/** What the engine found when it applied a remedy to the snapshot and asked again. */
export interface FixProof {
  /** `allowed`, or the outcome with the remedy applied when it is not. */
  outcome: 'allowed' | 'denied' | 'partial' | 'unknown' | 'not-checked';
  /** The finding that still decides, when the connection still fails: `CODE Kind ns/name`. */
  next?: string;
  /**
   * Connections of other workloads that were denied before and are allowed after, and the asker's other
   * requests (`request`, at an L7 hop) that were denied before and are allowed after.
   */
  opens: { source: string; destination: string; port: number; request?: string }[];
  note?: string;
}

/** The proof note of a remedy whose printed lines only read: proven on the state its title describes. */
export const STATE_ONLY = 'proven on the state the title describes; the checks only read, they change nothing';

/** A remedy in the JSON contract: YAML in column 0, ready for `kubectl apply -f -`, commands apart. */
export interface FixAlternative {
  title: string;
  manifests: string;
  /** Shell lines that change something (a label, a restart, a delete), with their comments. */
  commands: string[];
  /** Read-only commands (kubectl get, describe, logs) that show the state the fix needs: never a change. */
  checks: string[];
  scope?: string;
  proof?: FixProof;
}

export interface Finding {
  code: FindingCode;
  severity: Severity;
  title: string;
  detail: string;
  /** `Kind namespace/name` or `Kind name`; the decisive object first. */
  objects: string[];
  /** The file each object came from, keyed as in `objects` (file input only). */
  origins?: Record<string, string>;
  /** All alternatives rendered as one text (kept for compatibility; see `fixes`). */
  fix?: string;
  docs: string;
  /** The alternatives, each with its proof; set on the findings of a report. */
  fixes?: FixAlternative[];
  /** For findings from runtime evidence: the logged line they rest on, what it means and what to do. */
  logged?: LoggedLine;
}

export interface LoggedLine {
  /** The record as read. */
  line: string;
  /** The part of it that says what happened (the error, Envoy's code and details). */
  quote: string;
  /** `file:line` or `namespace/pod:line` of that record. */
  at: string;
  /** How many records say the same. */
  count: number;
  means: string;
  next: string;
}

const REMEDIES = Symbol('remedies');
const REFS = Symbol('refs');
type WithRemedies = Finding & { [REMEDIES]?: () => Remedy[]; [REFS]?: ObjectRef[] };

type Lazy<T> = T | (() => T);

/** The objects of a finding as references (the decisive one first): `objects` is their text, never parsed back. */
export function refsOf(f: Finding): ObjectRef[] {
  return (f as WithRemedies)[REFS] ?? [];
}

/** A copy made field by field keeps the object references of the finding it copies. */
export function withRefsOf<T extends Finding>(copy: T, from: Finding): T {
  const refs = (from as WithRemedies)[REFS];
  if (refs) (copy as WithRemedies)[REFS] = refs;
  return copy;
}

export function remediesOf(f: Finding): Remedy[] {
  return (f as WithRemedies)[REMEDIES]?.() ?? [];
}

export const toYaml = (obj: unknown): string => yamlText(obj, { lineWidth: 0 }).trimEnd();

/**
 * What is printed of a remedy: its manifests, the commands that change something and the checks (read-only
 * commands), as shell lines; a comment goes with the line it introduces. A command with a word no quoting
 * makes safe (a control character) is replaced by a comment, and the objects it would have changed are
 * printed as manifests instead.
 */
export function printedRemedy(r: Remedy): { manifests: string; commands: string[]; checks: string[] } {
  const all = [...(r.commands ?? []), ...(r.delete ?? []).map(deleteCommand)];
  const shell = all.map(shellLine);
  const lines = shell.map((line, i) => line ?? unsafeCommandNote(all[i]));
  const unsafe = shell.includes(undefined);
  const objects = [...(r.apply ?? []), ...(unsafe ? (r.effects ?? []) : [])];
  const commands: string[] = [];
  const checks: string[] = [];
  all.forEach((c, i) => {
    const next = all.slice(i).find((n) => !isNote(n)) ?? [...all.slice(0, i)].reverse().find((n) => !isNote(n));
    const introduces = isNote(c) ? next : c;
    (introduces && isReadOnly(introduces) ? checks : commands).push(lines[i]);
  });
  return {
    manifests: objects.map((m) => toYaml(withoutEmptySelectorParts(m))).join('\n---\n'),
    commands,
    checks,
  };
}

function deleteCommand(d: ObjectRef): CommandLine {
  return command(['kubectl', 'delete', resourceFor(d.kind), ...(d.namespace ? ['-n', d.namespace] : []), d.name]);
}

/**
 * A copy without `matchExpressions: []` and `matchLabels: {}`: a label selector means the same
 * without them, and fixes copied from existing objects should not carry the noise.
 */
export function withoutEmptySelectorParts(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutEmptySelectorParts);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (k === 'matchExpressions' && Array.isArray(v) && v.length === 0) continue;
    if (k === 'matchLabels' && v && typeof v === 'object' && Object.keys(v).length === 0) continue;
    out[k] = withoutEmptySelectorParts(v);
  }
  return out;
}

/** The compatibility text: every alternative, numbered, manifests, commands and checks as printed. */
function renderFix(printed: { title: string; manifests: string; commands: string[]; checks: string[] }[]) {
  if (printed.length === 0) return undefined;
  return printed
    .map((p, i) => {
      const head = printed.length > 1 ? `# ${i + 1}. ${p.title}` : `# ${p.title}`;
      return [head, p.manifests, ...p.commands, ...p.checks].filter(Boolean).join('\n');
    })
    .join('\n\n');
}

/** `fix` once the alternatives are final (complete objects): the same text as `fixes`. */
export function setFixText(f: Finding, alternatives: FixAlternative[]): void {
  Object.defineProperty(f, 'fix', { value: renderFix(alternatives), enumerable: true, writable: true });
}

/**
 * Detail and remedies may be given as functions: they are built when first read (a matrix never
 * reads them).
 */
export function finding(
  code: FindingCode,
  detail: Lazy<string>,
  refs: ObjectRef[] = [],
  remedies?: Lazy<Remedy[]>,
): Finding {
  const { severity, title } = FINDINGS[code];
  const docs = docsUrl(`findings/${code}.md`);
  const objects = refs.map(refText);
  const withOrigin = refs.filter((r) => r.origin);
  const origins = withOrigin.length ? Object.fromEntries(withOrigin.map((r) => [refText(r), r.origin!])) : undefined;
  let detailText: string | undefined;
  let built: Remedy[] | undefined;
  const remediesNow = () => (built ??= typeof remedies === 'function' ? remedies() : (remedies ?? []));
  let fixText: string | undefined | null = null;
  const f = {
    code,
    severity,
    title,
    get detail() {
      return (detailText ??= typeof detail === 'function' ? detail() : detail);
    },
    objects,
    ...(origins ? { origins } : {}),
    get fix() {
      if (fixText === null) fixText = renderFix(remediesNow().map((r) => ({ title: r.title, ...printedRemedy(r) })));
      return fixText;
    },
    docs,
  } as WithRemedies;
  if (remedies) f[REMEDIES] = remediesNow;
  if (refs.length) f[REFS] = refs;
  return f;
}

const SEVERITY_ORDER: Record<Severity, number> = { error: 0, warning: 1, info: 2 };

/** Dedupes by code+detail and orders by severity, keeping the engine's order within one severity. */
export function orderFindings(findings: Finding[]): Finding[] {
  const seen = new Set<string>();
  const unique = findings.filter((f) => {
    const key = `${f.code}\u0000${f.detail}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  return unique
    .map((f, i) => ({ f, i }))
    .sort((a, b) => SEVERITY_ORDER[a.f.severity] - SEVERITY_ORDER[b.f.severity] || a.i - b.i)
    .map(({ f }) => f);
}
