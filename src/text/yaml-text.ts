// YAML for output, as YAML 1.1 readers read it (below): every string holding a control character is
// double-quoted, and what the yaml
// library leaves raw in double quotes (C1, bidirectional overrides) is escaped, so printed YAML
// carries the same values and nothing a terminal acts on.
import { Document, isScalar, visit, type ToStringOptions } from 'yaml';
import { escapeControlsInQuotes, hasControlCharacters } from './controls.js';

/** Forces double quotes on the document's scalars that hold control characters. */
export function quoteControlScalars(doc: Document.Parsed | Document): void {
  visit(doc, {
    Scalar(_key, node) {
      if (typeof node.value === 'string' && hasControlCharacters(node.value)) node.type = 'QUOTE_DOUBLE';
    },
    Pair(_key, pair) {
      if (isScalar(pair.key) && typeof pair.key.value === 'string' && hasControlCharacters(pair.key.value))
        pair.key.type = 'QUOTE_DOUBLE';
    },
  });
}

export function documentText(doc: Document.Parsed | Document, options: ToStringOptions): string {
  quoteControlScalars(doc);
  return escapeControlsInQuotes(doc.toString(options));
}

/**
 * `stringify(value)` with control characters escaped, written for a YAML 1.1 reader (kubectl's decoder,
 * sigs.k8s.io/yaml): a string such as `yes`, `on`, `y`, `1_000` or `2001-12-14`, which 1.1 reads as a bool,
 * number or timestamp, is quoted, so every reader gets the same string.
 */
export function yamlText(value: unknown, options: ToStringOptions = {}): string {
  return documentText(new Document(value, { version: '1.1' }), options);
}
