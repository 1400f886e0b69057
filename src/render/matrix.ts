// The matrix as a table (sources as rows, destinations as columns) or a Graphviz graph.
import Table from 'cli-table3';
import type { MatrixReport } from '../diagnose/report.js';
import type { Style } from './style.js';

const short = (w: string) => w.replace(/\[(\w+)\]$/, '');

export function renderMatrixText(r: MatrixReport, s: Style): string {
  const ports = [...new Set(r.cells.map((c) => c.port))];
  const parts: string[] = [];
  for (const port of ports) {
    const cells = r.cells.filter((c) => c.port === port);
    const dsts = r.workloads.filter((w) => cells.some((c) => c.destination === w));
    const t = new Table({
      head: [s('bold', `port ${port}: from \\ to`), ...dsts.map(short)],
      style: s.enabled ? { head: [], border: ['gray'] } : { head: [], border: [] },
    });
    for (const src of r.workloads) {
      t.push([
        short(src),
        ...dsts.map((d) => {
          if (d === src) return '-';
          const c = cells.find((x) => x.source === src && x.destination === d);
          if (!c) return '';
          if (c.outcome === 'allowed') return s('green', 'allow');
          if (c.outcome === 'unknown') return s('yellow', '?');
          return s('red', `deny ${c.code ?? `(${c.enforcedBy})`}`);
        }),
      ]);
    }
    parts.push(t.toString());
  }
  const denied = r.cells.filter((c) => c.outcome === 'denied').length;
  return (
    `${parts.join('\n\n')}\n${r.cells.length} cells: ${r.cells.length - denied} allowed or unknown, ${denied} ` +
    `denied. Explain one with: kubectl ambient-doctor explain SOURCE DESTINATION:PORT\n`
  );
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
