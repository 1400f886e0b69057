// Human output, summary first: the verdict, what the client sees, the cause and its object, and
// the fix in column 0 fit the first screen; the path and evidence follow, compact. `-o wide`
// adds every hop's evidence, the hop table, each finding in full and the docs links.
import {
  SYMPTOM_WORDS,
  type ExplainReport,
  type Finding,
  type FixAlternative,
  type Hop,
  type PodSummary,
  type ProbesReport,
  type Verdict,
} from '../diagnose/report.js';
import { compactYaml, field, fittedTable, mark, wrap, type Mark } from './layout.js';
import type { Style } from './style.js';
import { refsOf, STATE_ONLY } from '../findings/finding.js';
import { visibleControls } from '../text/controls.js';

export interface TextOptions {
  style: Style;
  /** Terminal columns. */
  width: number;
  wide: boolean;
  /** Terminal rows, on a terminal: an answer longer than the screen ends with a one-line recap. */
  height?: number;
}

const OUTCOME_LABEL: Record<Verdict['outcome'], string> = {
  allowed: 'ALLOWED',
  denied: 'DENIED',
  partial: 'PARTIAL',
  unknown: 'UNKNOWN',
};

const ENFORCER: Record<Verdict['enforcedBy'], string> = {
  networkpolicy: 'a NetworkPolicy',
  ztunnel: 'ztunnel',
  waypoint: 'the waypoint',
  sidecar: "the destination's sidecar",
  dataplane: 'the dataplane',
  none: '',
};

/** The finding that decides a verdict that is not `allowed` (findings come ordered by severity). */
/** The finding the summary names as the cause: the first error, or for an unknown verdict the first finding. */
export function decisiveOf(v: Verdict, findings: Finding[]): Finding | undefined {
  if (v.outcome === 'allowed') return undefined;
  return findings.find((f) => f.severity === 'error') ?? (v.outcome === 'unknown' ? findings[0] : undefined);
}

function summaryBlock(v: Verdict, title: string, findings: Finding[], hops: Hop[], o: TextOptions): string {
  const { style: s, width } = o;
  const color = v.outcome === 'allowed' ? 'green' : v.outcome === 'unknown' ? 'yellow' : 'red';
  const label = s(['bold', color], OUTCOME_LABEL[v.outcome]);
  const lines = [wrap(s('bold', title), width, `${label}  `, '  ')];
  const decisive = decisiveOf(v, findings);
  // The summary repeats cause and object for a plain denial; it says more for the other outcomes.
  if (!decisive || v.outcome !== 'denied') lines.push(wrap(v.summary, width, '  '));
  if (v.outcome !== 'allowed') {
    const failing = hops.findIndex((h) => h.result === 'fail');
    const where =
      v.enforcedBy !== 'none' ? `; ${ENFORCER[v.enforcedBy]}${failing >= 0 ? ` at hop ${failing + 1}` : ''}` : '';
    lines.push(field('client sees', `${SYMPTOM_WORDS[v.symptom]}${where}`, width));
  }
  if (decisive) {
    lines.push(field('cause', `${s('bold', decisive.code)} ${decisive.title}`, width));
    const culprit = decisive.objects[0];
    // The file it came from when that still fits on the line (-o wide always shows it).
    const origin = culprit && decisive.origins?.[culprit];
    const withOrigin = origin && culprit.length + origin.length + 18 <= width ? ` in ${origin}` : '';
    if (culprit) lines.push(field('culprit', `${s('bold', culprit)}${withOrigin}`, width));
  }
  // What the dataplane logged leads where it disagrees with the input or names the culprit (issue 29).
  const leads = decisive?.logged !== undefined;
  const logged = (leads ? decisive : findings.find((f) => f.logged && f.code !== 'AD905'))?.logged;
  if (logged) {
    // The part that says what happened; the whole record is in -o wide and the JSON report.
    lines.push(field('logged', s('bold', o.wide ? logged.line : cutToWidth(logged.quote, width - 15)), width));
    const times = logged.count > 1 ? `${logged.count}×, first at ` : '';
    lines.push(field('means', `${logged.means} (${times}${logged.at})`, width));
    // When the logged line decides, its fix says what to do.
    if (logged.next && !leads) lines.push(field('next', logged.next, width));
  }
  // The answer to --symptom: the causes of what was seen that the input cannot rule out.
  const seen = findings.find((f) => f.code === 'AD901');
  if (seen) lines.push(field('you saw', seen.detail.replace(/^You observed /, ''), width));
  return lines.join('\n');
}

/** A line cut to a width with an ellipsis: the logged record is quoted whole in -o wide and JSON. */
const cutToWidth = (text: string, width: number) =>
  text.length <= width ? text : `${text.slice(0, Math.max(10, width - 1))}…`;

/** The docs page: the URL where it fits, else the command that prints the page (linked on a TTY). */
function docsLink(f: Finding, o: TextOptions): string {
  if (o.wide || f.docs.length + 15 <= o.width) return f.docs;
  const command = `kubectl ambient-doctor docs ${f.code}`;
  // OSC 8: terminals that support hyperlinks open the page; others show the command.
  return o.style.enabled ? `\u001b]8;;${f.docs}\u001b\\${command}\u001b]8;;\u001b\\` : command;
}

function proofText(p: FixAlternative['proof'], wide: boolean): string {
  if (!p || p.outcome === 'not-checked') return 'not checked (not an object change the tool can apply)';
  const once = p.note === STATE_ONLY ? ' once that is done (the checks only read)' : '';
  const works = p.outcome === 'allowed' ? `works${once}` : `then ${p.outcome}${once}, next cause ${p.next ?? '?'}`;
  if (p.opens.length === 0) return `${works}; opens nothing else`;
  if (!wide) return `${works}; also opens ${p.opens.length} other connection(s):`;
  return `${works}; also opens ${opensText(p)}`;
}

const opensText = (p: NonNullable<FixAlternative['proof']>) =>
  p.opens.map((o) => `${o.source} → ${o.destination}${o.request ? ` ${o.request}` : ''}`).join(', ');

/**
 * A shell line that fits and still means the same: a comment wraps with `# ` on every line; a command
 * breaks only between words (never inside a quoted one) with a backslash, and its trailing comment moves
 * to a line of its own above it (a backslash inside a comment does not continue the line).
 */
export function commandText(command: string, width: number): string {
  if (command.length <= width) return command;
  if (command.startsWith('#')) return wrap(command.replace(/^#\s*/, ''), width, '# ', '# ');
  const words = shellWords(command);
  const at = words.indexOf('#');
  const comment = at >= 0 ? [commandText(words.slice(at).join(' '), width)] : [];
  const lines: string[] = [];
  for (const w of at >= 0 ? words.slice(0, at) : words) {
    const last = lines.length - 1;
    if (last >= 0 && lines[last].length + 1 + w.length + 2 <= width) lines[last] += ` ${w}`;
    else lines.push(last >= 0 ? `    ${w}` : w);
  }
  return [...comment, lines.join(' \\\n')].join('\n');
}

/** A printed shell line split at the spaces outside quotes (the quoting of findings/command.ts). */
function shellWords(line: string): string[] {
  const words: string[] = [];
  let word = '';
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (ch === '\\' && quote !== "'") word += ch + (line[++i] ?? '');
    else if (quote) {
      if (ch === quote) quote = undefined;
      word += ch;
    } else if (ch === ' ') {
      if (word) words.push(word);
      word = '';
    } else {
      if (ch === "'" || ch === '"') quote = ch;
      word += ch;
    }
  }
  if (word) words.push(word);
  return words;
}

/** Alternative 1 with its manifests and commands in column 0, ready to paste; the others by title. */
function fixBlock(f: Finding, o: TextOptions): string {
  const { style: s, width } = o;
  const fixes = f.fixes ?? [];
  if (fixes.length === 0) return f.fix ? `${s('bold', 'Fix')}\n${f.fix}` : '';
  const [first, ...others] = fixes;
  const lines = [wrap(first.title, width, `${s('bold', `Fix 1 of ${fixes.length}:`)} `, '  ')];
  if (first.manifests) lines.push(o.wide ? first.manifests : compactYaml(first.manifests, width));
  for (const c of first.commands) lines.push(o.wide ? c : commandText(c, width));
  if (first.checks.length) lines.push('# check (read only):');
  for (const c of first.checks) lines.push(o.wide ? c : commandText(c, width));
  // What the tool proved comes right after the fix, so the fix itself stays on the first screen.
  lines.push(wrap(proofText(first.proof, o.wide), width, '  proven: ', '    '));
  if (!o.wide && first.proof?.opens.length) lines.push(wrap(opensText(first.proof), width, '  also opens: ', '    '));
  if (first.scope) lines.push(wrap(first.scope, width, '  scope: ', '    '));
  others.forEach((alt, i) => {
    lines.push(wrap(`${alt.title} (print it: --fix ${i + 2})`, width, `${s('bold', `Fix ${i + 2}:`)} `, '  '));
    if (o.wide) lines.push(wrap(proofText(alt.proof, true), width, '  proven: ', '    '));
  });
  return lines.join('\n');
}

function markOf(hop: Hop, line: string, culprits: string[]): Mark {
  if (hop.result === 'fail') return culprits.some((c) => line.includes(c)) ? 'fail' : 'info';
  return hop.result === 'pass' ? 'pass' : 'info';
}

/** `namespace/name` of the objects that decide, to spot the evidence line that names them. */
function culpritNames(decisive: Finding | undefined, ends: string[]): string[] {
  if (!decisive) return [];
  return refsOf(decisive)
    .map((r) => visibleControls(r.namespace ? `${r.namespace}/${r.name}` : r.name))
    .filter((name) => !ends.includes(name));
}

function hopResult(h: Hop, s: Style): string {
  if (h.result === 'pass') return s('green', 'pass');
  if (h.result === 'fail') return s(['red', 'bold'], 'FAIL');
  return s('gray', 'skip');
}

function hopIdentity(h: Hop): string {
  if (h.layer === 'ztunnel-inbound' || h.layer === 'sidecar') return h.identity ?? 'none (plaintext)';
  return h.layer === 'waypoint' ? (h.identity ?? '') : '';
}

/** Each hop on one wrapped line; evidence under the failing hop (every hop's with -o wide). */
function pathBlock(
  hops: Hop[],
  decisive: Finding | undefined,
  ends: string[],
  o: TextOptions,
  header: string[] = [],
): string {
  if (hops.length === 0) return header.length ? [o.style('bold', 'Path'), ...header].join('\n') : '';
  const { style: s, width } = o;
  const culprits = culpritNames(decisive, ends);
  const lines = [s('bold', 'Path'), ...header];
  hops.forEach((h, i) => {
    const peer = hopIdentity(h);
    const text = `${h.from} → ${h.to}  ${h.port}/${h.protocol}${peer ? `  peer ${peer}` : ''}`;
    lines.push(wrap(text, width, `${String(i + 1).padStart(2)} ${hopResult(h, s)}  `, '         '));
    if (o.wide || h.result === 'fail') {
      for (const e of h.evidence) lines.push(wrap(e, width, `       ${mark(markOf(h, e, culprits), s)} `, '         '));
    }
  });
  if (o.wide) {
    const rows = hops.map((h, i) => [
      String(i + 1),
      h.from,
      h.to,
      String(h.port),
      h.protocol,
      hopIdentity(h),
      h.result,
    ]);
    lines.push('', fittedTable(['#', 'from', 'to', 'port', 'protocol', 'identity seen', 'result'], rows, width, s));
  }
  return lines.join('\n');
}

const SEVERITY_COLOR = { error: 'red', warning: 'yellow', info: 'cyan' } as const;

/** Findings other than the decisive one: a line each, or in full with -o wide. */
function findingsBlock(findings: Finding[], decisive: Finding | undefined, o: TextOptions): string {
  const { style: s, width } = o;
  const shown = o.wide ? findings : findings.filter((f) => f !== decisive);
  if (shown.length === 0) return '';
  const head = (f: Finding) =>
    `${s(['bold', SEVERITY_COLOR[f.severity]], f.severity.toUpperCase().padEnd(7))} ${s('bold', f.code)} ${f.title}`;
  if (!o.wide) {
    const lines = shown.map((f) => wrap(`${head(f)}${f.objects[0] ? ` (${f.objects[0]})` : ''}`, width, '', '  '));
    return [s('bold', 'Also found'), ...lines].join('\n');
  }
  const parts = shown.map((f) => {
    const lines = [wrap(head(f), width, '', '  '), wrap(f.detail, width, '  ')];
    const objects = f.objects.map((ref) => (f.origins?.[ref] ? `${ref} (${f.origins[ref]})` : ref));
    if (objects.length) lines.push(wrap(objects.join(', '), width, '  objects: ', '    '));
    lines.push(`  docs: ${f.docs}`);
    if (f !== decisive && f.fixes?.length) lines.push(fixBlock(f, o));
    return lines.join('\n');
  });
  return [s('bold', 'Findings'), parts.join('\n\n')].join('\n');
}

function podsText(list: PodSummary[], wide: boolean): string {
  const one = (p: PodSummary) => {
    const kind = p.mode === 'none' || p.mode === '' ? 'not in the mesh' : p.mode;
    const mesh = wide && p.proxy ? `${kind}: ${p.proxy}` : kind;
    const facts = [mesh, ...(p.mode !== 'none' && p.captured ? ['captured'] : []), ...(p.node ? [p.node] : [])];
    return `${p.namespace}/${p.name} (${facts.join(', ')})`;
  };
  return list.slice(0, 3).map(one).join('; ') + (list.length > 3 ? `; and ${list.length - 3} more` : '');
}

function endsOf(r: ExplainReport, o: TextOptions): string[] {
  const dst = r.destination;
  const source = r.source.pods.length ? podsText(r.source.pods, o.wide) : r.source.input;
  const destination = dst.pods.length ? podsText(dst.pods, o.wide) : (dst.object ?? dst.input);
  return [field('source', source, o.width), field('destination', destination, o.width)];
}

function whyBlock(decisive: Finding | undefined, o: TextOptions): string {
  if (!decisive || o.wide) return '';
  return [
    wrap(`${o.style('bold', 'Why')} (docs: ${docsLink(decisive, o)})`, o.width),
    wrap(decisive.detail, o.width, '  '),
  ].join('\n');
}

function moreHint(o: TextOptions): string {
  return o.wide ? '' : o.style('gray', "-o wide shows each hop's evidence and every finding in full.");
}

function sections(parts: string[]): string {
  return `${parts.filter((p) => p !== '').join('\n\n')}\n`;
}

export function renderExplainText(r: ExplainReport, o: TextOptions): string {
  const dst = r.destination;
  const title =
    `${r.source.input} → ` +
    `${dst.input}${dst.targetPort && dst.targetPort !== dst.port ? ` (target port ${dst.targetPort})` : ''}`;
  const decisive = decisiveOf(r.verdict, r.findings);
  const ends = [...r.source.pods, ...dst.pods].map((p) => `${p.namespace}/${p.name}`);
  // The fix follows the summary without a blank line: both belong on the first screen.
  const top = [summaryBlock(r.verdict, title, r.findings, r.path, o), decisive ? fixBlock(decisive, o) : ''];
  const text = sections([
    top.filter(Boolean).join('\n'),
    whyBlock(decisive, o),
    pathBlock(r.path, decisive, ends, o, endsOf(r, o)),
    findingsBlock(r.findings, decisive, o),
    o.wide ? istioLine(r.istio) : '',
    moreHint(o),
  ]);
  return withRecap(text, recapLine(r.verdict, title, decisive, r.findings), o);
}

/**
 * Issue 29: a denied answer runs to 40-60 rows, so when the command returns the screen shows its end. On a
 * terminal an answer longer than the screen ends with the verdict, the culprit and the fix in one line (a
 * pager was the other choice; a recap keeps the output plain for scrollback, tmux and CI logs).
 */
function withRecap(text: string, recap: string, o: TextOptions): string {
  if (!o.height || text.split('\n').length <= o.height) return text;
  return `${text}${o.style('bold', cutToWidth(recap, o.width))}\n`;
}

function recapLine(v: Verdict, title: string, decisive: Finding | undefined, findings: Finding[]): string {
  // Verdict, culprit and fix first: the line is cut to the width, and the question is at the top.
  const head = decisive ? OUTCOME_LABEL[v.outcome] : `${OUTCOME_LABEL[v.outcome]} ${title}`;
  if (decisive) {
    const fix = decisive.fixes?.[0] ? ` · Fix 1: ${decisive.fixes[0].title}` : '';
    return `${head} · ${decisive.code} ${decisive.objects[0] ?? decisive.title}${fix}`;
  }
  const disagrees = findings.some((f) => f.code === 'AD906' || f.code === 'AD908');
  return disagrees ? `${head} · but the dataplane's evidence disagrees (see "logged" at the top)` : head;
}

/** -o wide: the release the version-dependent rules assumed. */
function istioLine(i: ExplainReport['istio'] | undefined): string {
  if (!i) return '';
  const zt = i.ztunnel ? `; ztunnel images ${i.ztunnel.join(', ')}` : '';
  return i.version ? `Istio ${i.version} assumed (${i.from})${zt}` : `Istio version unknown: ${i.from}${zt}`;
}

export function renderProbesText(r: ProbesReport, o: TextOptions): string {
  const { style: s, width } = o;
  const decisive = decisiveOf(r.verdict, r.findings);
  // The pod column only when the probes are of several pods.
  const severalPods = new Set(r.probes.map((p) => p.pod)).size > 1;
  const rows = r.probes.map((p) => [
    ...(severalPods ? [p.pod.replace(/^Pod /, '')] : []),
    p.container,
    p.probe,
    `${p.handler}${p.port === undefined ? '' : ` :${p.port}`}`,
    p.result === 'pass' ? s('green', 'pass') : p.result === 'fail' ? s(['red', 'bold'], 'FAIL') : s('gray', 'n/a'),
    p.reason,
  ]);
  const ends = r.target.pods.map((p) => `${p.namespace}/${p.name}`);
  const top = [summaryBlock(r.verdict, `probes of ${r.target.input}`, r.findings, r.path, o)];
  if (decisive) top.push(fixBlock(decisive, o));
  return sections([
    top.filter(Boolean).join('\n'),
    rows.length
      ? fittedTable([...(severalPods ? ['pod'] : []), 'container', 'probe', 'handler', 'result', 'why'], rows, width, s)
      : '',
    whyBlock(decisive, o),
    pathBlock(r.path, decisive, ends, o),
    findingsBlock(r.findings, decisive, o),
    moreHint(o),
  ]);
}
