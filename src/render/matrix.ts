// The matrix as a table (sources as rows, destinations as columns) or a Graphviz graph.
import Table from 'cli-table3';
import type { MatrixCell, MatrixReport } from '../diagnose/report.js';
import { displayWidth, wrap } from './layout.js';
import type { Style } from './style.js';
import type { TextOptions } from './text.js';
import { maxOf } from '../arrays.js';

const short = (w: string) => w.replace(/\[(\w+)\]$/, '');

function cellText(c: MatrixCell | undefined, s: Style): string {
  if (!c) return '';
  if (c.outcome === 'allowed') return s('green', 'allow');
  if (c.outcome === 'unknown') return s('yellow', '?');
  return s('red', `deny ${c.code ?? `(${c.enforcedBy})`}`);
}

/** One table per port when it fits the width (always with -o wide); else a list per source. */
export function renderMatrixText(r: MatrixReport, o: TextOptions): string {
  const { style: s, width } = o;
  const ports = [...new Set(r.cells.map((c) => c.port))];
  const parts: string[] = [];
  for (const port of ports) {
    const cells = r.cells.filter((c) => c.port === port);
    const at = new Map(cells.map((c) => [`${c.source}\u0000${c.destination}`, c]));
    const dsts = r.workloads.filter((w) => cells.some((c) => c.destination === w));
    const t = new Table({
      head: [s('bold', `port ${port}: from \\ to`), ...dsts.map(short)],
      style: s.enabled ? { head: [], border: ['gray'] } : { head: [], border: [] },
    });
    for (const src of r.workloads) {
      t.push([short(src), ...dsts.map((d) => (d === src ? '-' : cellText(at.get(`${src}\u0000${d}`), s)))]);
    }
    const table = t.toString();
    if (o.wide || maxOf(table.split('\n').map(displayWidth), 0) <= width) {
      parts.push(table);
      continue;
    }
    // Too wide for a table: one paragraph per source, destinations grouped by answer, so a
    // thousand workloads read as a thousand short paragraphs, not a million lines.
    const lines = [s('bold', `port ${port}`)];
    for (const src of r.workloads) {
      const row = cells.filter((c) => c.source === src);
      if (row.length === 0) continue;
      const groups = new Map<string, string[]>();
      for (const c of row) {
        const key = cellText(c, s);
        groups.set(key, [...(groups.get(key) ?? []), short(c.destination)]);
      }
      const parts = [...groups].map(([answer, dsts]) =>
        answer.includes('allow') && dsts.length > 3
          ? `${answer} ${dsts.length} workloads`
          : `${answer} → ${dsts.join(', ')}`,
      );
      lines.push(wrap(parts.join('; '), width, `  ${short(src)}: `, '      '));
    }
    parts.push(lines.join('\n'));
  }
  const denied = r.cells.filter((c) => c.outcome === 'denied').length;
  const unknown = r.cells.filter((c) => c.outcome === 'unknown').length;
  const tail =
    `${r.cells.length} cells: ${r.cells.length - denied - unknown} allowed, ${denied} denied, ${unknown} unknown. ` +
    'Explain one with: kubectl ambient-doctor explain SOURCE DESTINATION:PORT';
  const why = r.unreadable && unknown > 0 ? `${wrap(`Unknown cells: ${r.unreadable}`, width)}\n` : '';
  return `${parts.join('\n\n')}\n${wrap(tail, width)}\n${why}`;
}

export function renderMatrixDot(r: MatrixReport): string {
  const q = (x: string) => JSON.stringify(x);
  const lines = [
    'digraph reachability {',
    '  rankdir=LR;',
    '  node [shape=box];',
    ...r.workloads.map((w) => `  ${q(w)};`),
  ];
  for (const c of r.cells) {
    if (c.outcome === 'denied') continue;
    lines.push(
      `  ${q(c.source)} -> ${q(c.destination)} ` +
        `[label=${q(`${c.port}`)}${c.outcome === 'unknown' ? ', style=dashed' : ''}];`,
    );
  }
  lines.push('}');
  return `${lines.join('\n')}\n`;
}
