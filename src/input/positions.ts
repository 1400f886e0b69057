// Where each object of a manifest file starts (issue 30: SARIF results with line regions, so code-scanning
// UIs point at the object). Read with the same YAML library as the input, keeping source positions.
import { isMap, isSeq, LineCounter, parseAllDocuments, type Node } from 'yaml';

/** `Kind namespace/name` (or `Kind name`) of each object in a text → the 1-based line it starts on. */
export function objectLines(text: string): Map<string, number> {
  const lines = new LineCounter();
  const out = new Map<string, number>();
  const visit = (node: Node | null | undefined) => {
    if (!isMap(node)) return;
    const kind = node.get('kind');
    const items = node.get('items');
    if (typeof kind === 'string' && kind.endsWith('List') && isSeq(items)) {
      for (const item of items.items) visit(item as Node);
      return;
    }
    const meta = node.get('metadata');
    const name = isMap(meta) ? meta.get('name') : undefined;
    if (typeof kind !== 'string' || typeof name !== 'string' || !node.range) return;
    const namespace = isMap(meta) ? meta.get('namespace') : undefined;
    const line = lines.linePos(node.range[0]).line;
    out.set(`${kind} ${typeof namespace === 'string' ? `${namespace}/` : ''}${name}`, line);
    // An object without a namespace is read into `default` (or the one kubectl would use): found either way.
    if (typeof namespace !== 'string') out.set(`${kind} default/${name}`, line);
  };
  try {
    for (const doc of parseAllDocuments(text, { lineCounter: lines, version: '1.1' }))
      if ('contents' in doc) visit(doc.contents as Node);
  } catch {
    // Positions are a convenience: a file that does not parse here was reported when it was read.
  }
  return out;
}
