// Human output: the verdict line, the hops as a table, findings by severity, fixes as YAML.
import Table from 'cli-table3';
import {
  SYMPTOM_WORDS,
  type ExplainReport,
  type Finding,
  type FixAlternative,
  type Hop,
  type ProbesReport,
  type Verdict,
} from '../diagnose/report.js';
import type { Style } from './style.js';

const OUTCOME_LABEL: Record<Verdict['outcome'], string> = {
  allowed: 'ALLOWED',
  denied: 'DENIED',
  partial: 'PARTIAL',
  unknown: 'UNKNOWN',
};

function verdictLine(v: Verdict, title: string, s: Style): string {
  const color = v.outcome === 'allowed' ? 'green' : v.outcome === 'unknown' ? 'yellow' : 'red';
  const lines = [`${s(['bold', color], OUTCOME_LABEL[v.outcome])}  ${s('bold', title)}`];
  if (v.outcome !== 'allowed') {
    lines.push(
      `  The client sees: ` +
        `${SYMPTOM_WORDS[v.symptom]}${v.enforcedBy !== 'none' ? `   [enforced by ${v.enforcedBy}]` : ''}`,
    );
  }
  lines.push(`  ${v.summary}`);
  return lines.join('\n');
}

function table(head: string[], s: Style): Table.Table {
  return new Table({
    head: head.map((h) => s('bold', h)),
    style: s.enabled ? { head: [], border: ['gray'] } : { head: [], border: [] },
    wordWrap: true,
  });
}

function hopsTable(hops: Hop[], s: Style): string {
  if (hops.length === 0) return '';
  const t = table(['#', 'from', 'to', 'port', 'protocol', 'identity seen', 'result'], s);
  hops.forEach((h, i) => {
    const result =
      h.result === 'pass' ? s('green', 'pass') : h.result === 'fail' ? s(['red', 'bold'], 'FAIL') : s('gray', 'skip');
    t.push([
      String(i + 1),
      h.from,
      h.to,
      String(h.port),
      h.protocol,
      h.layer === 'ztunnel-inbound'
        ? (h.identity ?? 'none (plaintext)')
        : h.layer === 'waypoint'
          ? (h.identity ?? '')
          : '',
      result,
    ]);
  });
  const evidence = hops
    .map((h, i) => h.evidence.map((e) => `  ${i + 1}. ${e}`).join('\n'))
    .filter(Boolean)
    .join('\n');
  return `${s('bold', 'Path')}\n${t.toString()}\n${evidence ? `${s('bold', 'Evidence')}\n${evidence}\n` : ''}`;
}

function indent(text: string, pad: string): string {
  return text
    .split('\n')
    .map((l) => (l ? pad + l : l))
    .join('\n');
}

function proofText(p: FixAlternative['proof']): string {
  if (!p || p.outcome === 'not-checked') return 'not checked: not an object change the tool can apply';
  const works =
    p.outcome === 'allowed' ? 'then the connection works' : `then it is ${p.outcome}: next cause ${p.next ?? '?'}`;
  const opens = p.opens.length
    ? `; also opens ${p.opens.map((o) => `${o.source} → ${o.destination}`).join(', ')}`
    : '; opens nothing else';
  return `${works}${opens}`;
}

/** The first alternative in column 0, ready for `kubectl apply -f -`; the others by title. */
function fixText(fixes: FixAlternative[], s: Style): string {
  const [first, ...others] = fixes;
  const lines = [`        ${s('bold', `fix 1 of ${fixes.length}`)}: ${first.title}`];
  lines.push(`        proof: ${proofText(first.proof)}`);
  if (first.scope) lines.push(`        scope: ${first.scope}`);
  if (first.manifests) lines.push(first.manifests);
  for (const c of first.commands) lines.push(c);
  others.forEach((o, i) =>
    lines.push(`        fix ${i + 2}: ${o.title} (--fix ${i + 2}; proof: ${proofText(o.proof)})`),
  );
  return lines.join('\n');
}

function findingsText(findings: Finding[], s: Style): string {
  if (findings.length === 0) return '';
  const color = { error: 'red', warning: 'yellow', info: 'cyan' } as const;
  const parts = findings.map((f) => {
    const severity = s(['bold', color[f.severity]], f.severity.toUpperCase().padEnd(7));
    const head = `${severity} ${s('bold', f.code)} ${f.title}`;
    const lines = [head, indent(f.detail, '        ')];
    if (f.objects.length) lines.push(`        objects: ${f.objects.join(', ')}`);
    lines.push(`        docs: ${f.docs}`);
    if (f.fixes?.length) lines.push(fixText(f.fixes, s));
    else if (f.fix) lines.push(`        fix:\n${indent(f.fix, '          ')}`);
    return lines.join('\n');
  });
  return `${s('bold', 'Findings')}\n${parts.join('\n\n')}\n`;
}

export function renderExplainText(r: ExplainReport, s: Style): string {
  const dst = r.destination;
  const title =
    `${r.source.input} → ` +
    `${dst.input}${dst.targetPort && dst.targetPort !== dst.port ? ` (target port ${dst.targetPort})` : ''}`;
  const pods = (list: ExplainReport['source']['pods']) =>
    list
      .slice(0, 3)
      .map(
        (p) =>
          `${p.namespace}/${p.name} [${p.mode}${p.captured ? ', captured' : ''}${p.node ? `, node ${p.node}` : ''}]`,
      )
      .join('; ') + (list.length > 3 ? `; … ${list.length - 3} more` : '');
  const ends = [
    r.source.pods.length ? `  source:      ${pods(r.source.pods)}` : `  source:      ${r.source.input}`,
    dst.pods.length ? `  destination: ${pods(dst.pods)}` : `  destination: ${dst.object ?? dst.input}`,
  ].join('\n');
  return [verdictLine(r.verdict, title, s), ends, '', hopsTable(r.path, s), findingsText(r.findings, s)]
    .filter((x) => x !== undefined)
    .join('\n')
    .replace(/\n{3,}/g, '\n\n');
}

export function renderProbesText(r: ProbesReport, s: Style): string {
  const t = table(['pod', 'container', 'probe', 'handler', 'port', 'result', 'why'], s);
  for (const p of r.probes) {
    const result =
      p.result === 'pass' ? s('green', 'pass') : p.result === 'fail' ? s(['red', 'bold'], 'FAIL') : s('gray', 'n/a');
    t.push([
      p.pod.replace(/^Pod /, ''),
      p.container,
      p.probe,
      p.handler,
      p.port === undefined ? '' : String(p.port),
      result,
      p.reason,
    ]);
  }
  return [
    verdictLine(r.verdict, `probes of ${r.target.input}`, s),
    '',
    r.probes.length ? t.toString() : '',
    '',
    hopsTable(r.path, s),
    findingsText(r.findings, s),
  ]
    .join('\n')
    .replace(/\n{3,}/g, '\n\n');
}
