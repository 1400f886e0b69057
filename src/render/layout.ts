// Text that fits the terminal: wrapping with a hanging indent, tables sized to the width, and
// manifests in compact YAML (flow style where a collection fits on one line).
import Table from 'cli-table3';
import stringWidth from 'string-width';
import wrapAnsi from 'wrap-ansi';
import { isMap, isSeq, parseAllDocuments, type Pair, type YAMLMap, type YAMLSeq } from 'yaml';
import { documentText, yamlText } from '../text/yaml-text.js';
import type { Style } from './style.js';

/** Columns for text output: the terminal's, else COLUMNS, else 80 (a pipe). */
export function outputWidth(stream: { isTTY?: boolean; columns?: number }, env = process.env): number {
  if (stream.isTTY && (stream.columns ?? 0) > 0) return stream.columns as number;
  const fromEnv = Number(env.COLUMNS);
  if (Number.isInteger(fromEnv) && fromEnv >= 20) return fromEnv;
  return 80;
}

export const displayWidth = (s: string): number => stringWidth(s);

/** `first` starts the first line; later lines are indented by `hang` (a string of spaces). */
export function wrap(text: string, width: number, first = '', hang = ' '.repeat(displayWidth(first))): string {
  const room = Math.max(20, width - displayWidth(hang));
  // The first line has less room when `first` is longer than `hang`: a placeholder glued to the first
  // word takes that room, so every line is filled to the width.
  const extra = Math.max(0, displayWidth(first) - displayWidth(hang));
  const lines = wrapAnsi('x'.repeat(extra) + text, room, { hard: true, trim: true }).split('\n');
  lines[0] = lines[0].slice(extra);
  return lines.map((l, i) => (i === 0 ? first : hang) + l).join('\n');
}

/** A labelled line: `  label   value`, the value wrapped under itself. */
export function field(label: string, value: string, width: number, labelWidth = 12): string {
  return wrap(value, width, `  ${label.padEnd(labelWidth)} `);
}

/**
 * A table that fits `width`: narrow columns keep their natural width, the room left is shared
 * equally among the wide ones; cells wrap inside their column.
 */
export function fittedTable(head: string[], rows: string[][], width: number, s: Style): string {
  const natural = head.map(
    (h, i) => rows.reduce((w, r) => Math.max(w, longestLine(cutCell(r[i] ?? ''))), displayWidth(h)) + 2,
  );
  const widths = [...natural];
  let room = width - (head.length + 1);
  const order = natural.map((w, i) => i).sort((a, b) => natural[a] - natural[b]);
  order.forEach((column, k) => {
    const share = Math.floor(room / (order.length - k));
    widths[column] = Math.max(Math.min(natural[column], share), Math.min(natural[column], 6));
    room -= widths[column];
  });
  const t = new Table({
    head: head.map((h) => s('bold', h)),
    colWidths: widths,
    // cli-table3 colours borders only where its optional colour library loads and detects a terminal,
    // which differs between the Node build and the compiled binary: borders are coloured here instead.
    style: { head: [], border: [] },
  });
  // Wrapped here, at word boundaries where there are some and inside long names where not: the
  // table's own wrapping cuts long names short with an ellipsis.
  const fit = (cell: string, i: number) =>
    wrapAnsi(cutCell(cell), Math.max(1, widths[i] - 2), { hard: true, trim: true });
  for (const r of rows) t.push(r.map(fit));
  const text = t.toString();
  return s.enabled ? text.replace(/[─│┌┐└┘├┤┬┴┼]+/g, (run) => s('gray', run)) : text;
}

/**
 * cli-table3 measures a cell's whole text once per line it draws, one character at a time (quadratic
 * per line): a cell longer than this is cut with an ellipsis, so a table costs the same for any value.
 * Text output shows such values whole outside the table, and -o json carries them.
 */
export const TABLE_CELL_MAX = 240;

function cutCell(cell: string): string {
  return cell.length <= TABLE_CELL_MAX ? cell : `${cell.slice(0, TABLE_CELL_MAX - 1)}…`;
}

function longestLine(text: string): number {
  return text.split('\n').reduce((w, line) => Math.max(w, displayWidth(line)), 0);
}

/**
 * Manifests for a terminal: the same objects, with each collection below the top level written
 * in flow style when it fits the width on its line (metadata: {name: x, namespace: y}).
 * `kubectl apply -f -` reads both forms alike; `--fix N` prints the block form.
 */
export function compactYaml(manifests: string, width: number): string {
  if (!manifests) return manifests;
  return parseAllDocuments(manifests, { version: '1.1' })
    .map((doc) => {
      if (isMap(doc.contents)) {
        for (const pair of doc.contents.items as Pair[]) {
          const key = String((pair.key as { value?: unknown })?.value ?? pair.key);
          // Top-level spec stays in block style, where readers look for it.
          if (key === 'spec') compactChildren(pair.value, isSeq(pair.value) ? 0 : 2, width);
          else compactPair(pair, 0, width);
        }
      }
      // Each document is separated by the join below, not by a marker of its own.
      return documentText(doc, { lineWidth: 0, flowCollectionPadding: false, indentSeq: false })
        .replace(/^---\n/, '')
        .trimEnd();
    })
    .join('\n---\n');
}

type Collection = YAMLMap | YAMLSeq;
const isCollection = (n: unknown): n is Collection => isMap(n) || isSeq(n);

function flowText(node: Collection): string {
  return yamlText(node.toJSON(), { collectionStyle: 'flow', flowCollectionPadding: false, lineWidth: 0 }).trim();
}

/** `key: value` at `column`: flow when it fits, otherwise its children are tried. */
function compactPair(pair: Pair, column: number, width: number): void {
  if (!isCollection(pair.value)) return;
  const key = String((pair.key as { value?: unknown })?.value ?? pair.key);
  if (pair.value.items.length > 0 && column + key.length + 2 + flowText(pair.value).length <= width) {
    pair.value.flow = true;
    return;
  }
  // Sequences are written without indentation under their key (indentSeq: false), maps two columns in.
  compactChildren(pair.value, isSeq(pair.value) ? column : column + 2, width);
}

function compactChildren(node: unknown, column: number, width: number): void {
  if (isMap(node)) {
    for (const p of node.items as Pair[]) compactPair(p, column, width);
  } else if (isSeq(node)) {
    for (const item of node.items) {
      // A sequence item starts after "- ": a map item's keys sit two columns further in.
      if (isCollection(item) && item.items.length > 0 && column + 2 + flowText(item).length <= width) {
        item.flow = true;
      } else compactChildren(item, column + 2, width);
    }
  }
}

export type Mark = 'pass' | 'fail' | 'info';

export function mark(kind: Mark, s: Style): string {
  if (kind === 'pass') return s('green', '✓');
  if (kind === 'fail') return s(['red', 'bold'], '✗');
  return s('gray', '·');
}
