// The one YAML reader for all input (manifest files, stdin, the mesh config inside the istio
// ConfigMap): js-yaml with the core schema, fast on large dumps, timestamps kept as strings as in
// kubectl. js-yaml resolves an alias to the same object without copying, so a "billion laughs"
// document parses quickly and explodes later, when something walks it. The expansion limit: an
// input that uses anchors is walked once, counting every value reached through aliases as often
// as it is reached, and refused when that count passes EXPANSION_FACTOR × its length in
// characters (+ a floor). Without aliases a document can never pass it: every value takes at
// least one character of text.
import { loadAll, CORE_SCHEMA, YAMLException } from 'js-yaml';

const EXPANSION_FACTOR = 4;
const EXPANSION_FLOOR = 100_000;

export class YamlError extends Error {
  constructor(
    message: string,
    readonly line?: number,
  ) {
    super(message);
  }
}

/** An anchor (`&name`) somewhere in the text; without one there are no aliases. */
const MAY_HAVE_ANCHORS = /(^|[\s[{,:-])&[^\s]/m;

export function loadYamlDocuments(text: string, origin: string): unknown[] {
  let docs: unknown[];
  try {
    docs = loadAll(text, undefined, { schema: CORE_SCHEMA, filename: origin });
  } catch (err) {
    if (err instanceof YAMLException) throw new YamlError(`malformed YAML: ${err.reason}`, err.mark?.line);
    throw new YamlError(`cannot parse: ${(err as Error).message.split('\n')[0]}`);
  }
  if (MAY_HAVE_ANCHORS.test(text)) checkExpansion(docs, EXPANSION_FACTOR * text.length + EXPANSION_FLOOR);
  return docs;
}

/** Counts values as a walk of the tree would meet them (aliases each time), without recursion. */
function checkExpansion(docs: unknown[], limit: number): void {
  const stack: unknown[] = [...docs];
  let seen = 0;
  while (stack.length > 0) {
    const v = stack.pop();
    if (++seen > limit) {
      throw new YamlError(
        `YAML aliases expand to more than ${limit} values (${EXPANSION_FACTOR}× the text length): refused as an ` +
          'alias bomb',
      );
    }
    if (v !== null && typeof v === 'object') {
      for (const child of Array.isArray(v) ? v : Object.values(v)) stack.push(child);
    }
  }
}
