// Control characters in text taken from the cluster or from files, made visible. A terminal acts on
// ESC, BEL, CR, C1 bytes and bidirectional overrides (a cleared screen, a fake hyperlink, text shown
// in another order than it is), so nothing from input reaches it raw; a shell line ends at a newline.

/** C0 controls except tab and newline, DEL, C1, line and paragraph separators, bidi overrides. */
// eslint-disable-next-line no-control-regex
const CONTROL_IN_TEXT = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
/** The same, with tab and newline: a word of a shell command holds none of them. */
// eslint-disable-next-line no-control-regex
const CONTROL_IN_WORD = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

function escaped(char: string): string {
  const code = char.charCodeAt(0);
  if (char === '\r') return '\\r';
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** Text with every control character written as an escape (`\x1b`, `\r`, `\u202e`); tab and newline kept. */
export function visibleControls(text: string): string {
  return text.replace(CONTROL_IN_TEXT, escaped);
}

/** Text for one line (a shell comment, a one-line error): newlines and tabs become escapes too. */
export function visibleOnOneLine(text: string): string {
  return visibleControls(text).replace(/[\n\t]/g, (c) => (c === '\n' ? '\\n' : '\\t'));
}

/** True when the word holds a character no printed command may carry. */
export function hasControlCharacters(word: string): boolean {
  return CONTROL_IN_WORD.test(word);
}

/** Every string in a plain value (report, finding, table) with its control characters made visible. */
export function withVisibleControls<T>(value: T): T {
  if (typeof value === 'string') return visibleControls(value) as T;
  if (Array.isArray(value)) return value.map((v) => withVisibleControls(v)) as T;
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string | symbol, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[visibleControls(k)] = withVisibleControls(v);
  // What the diagnosis attached under symbols (a finding's object references) is never printed: kept as is.
  for (const k of Object.getOwnPropertySymbols(value)) out[k] = (value as Record<symbol, unknown>)[k];
  return out as T;
}

/** Control characters that a JSON or YAML serializer may leave raw inside a quoted string (C1, bidi). */
// eslint-disable-next-line no-control-regex
const RAW_IN_QUOTES = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/**
 * JSON or YAML text (with every string holding a control character double-quoted) with the control
 * characters a serializer left raw written as `\uXXXX`: the same value for a parser, nothing for a
 * terminal to act on. Structural newlines and tabs are kept.
 */
export function escapeControlsInQuotes(text: string): string {
  return text.replace(RAW_IN_QUOTES, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
