// ztunnel's log lines, text or JSON (docs/ztunnel-logs.md, read from ztunnel's src/telemetry.rs):
//   text: <time>\t<level>\t<target>[:<span>{<fields>}]…\t<message>\t<name=value> <name=value> …  (Rust Debug values)
//   JSON: {"level":…,"time":…,"scope":…,"message":…,<field>:…,<span>:{<field>:…}}
// Lines are read as people paste them (docs/log-pastes.md): any run of whitespace between the columns
// (tabs become spaces in issues, chat and terminals), and whatever a tool put before the record
// (`kubectl logs --timestamps` or --prefix, stern, CRI files, log-stack ingest times, table pipes).
import type { ZtunnelLogRecord } from '../snapshot/evidence.js';

const TIME = String.raw`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)`;
const LEVEL = String.raw`(?:trace|debug|info|warn|warning|error)`;
/** Where a text record starts inside a pasted line: its time, then its level. */
const TEXT_START = new RegExp(String.raw`(${TIME})\s+(${LEVEL})\s+`, 'i');
/**
 * A record pasted without its time starts at the level, then a ztunnel target (`access`, `a::b`, spans), after
 * whatever prefix a tool put there (`[pod/…/…] `, stern's pod and container, a table's pipe).
 */
const LEVEL_START = new RegExp(String.raw`(?:^|[\s|\]])(${LEVEL})\s+((?:access|\w+(?:::\w+)+|\w+\{)\S*)\s+`, 'i');
/**
 * One `name=value` field; the value is a Debug string or bare words up to the next field (ztunnel before 1.22
 * wrote some strings bare, an `err=` value of several words, istio/ztunnel#691).
 */
const FIELD = /(?:^|\s)([\w.]+)=("(?:[^"\\]|\\.)*"|\S+(?:\s+(?![\w.]+=)[^\s"]+)*)/g;
/** The first field of a record: the message ends before it. */
const FIRST_FIELD = /\s[\w.]+=(?:"|\S)/;
/** A span in the target: `proxy{wl=ns/pod}`, `outbound{id=…}`. */
const SPAN = /(\w+)\{([^}]*)\}/g;

/** A Rust Debug string: quotes and escapes removed (`\u{…}` included). */
function unquote(value: string): string {
  if (!value.startsWith('"') || value.length < 2 || !value.endsWith('"')) return value;
  return value
    .slice(1, -1)
    .replace(/\\u\{([0-9a-fA-F]+)\}/g, (_, hex: string) => String.fromCodePoint(parseInt(hex, 16)))
    .replace(/\\(.)/g, (_, c: string) => ({ n: '\n', t: '\t', r: '\r', '0': '\0' })[c] ?? c);
}

/** Levels as ztunnel writes them (lower case); `WARNING` from other layouts read as `warn`. */
const level = (word: string) => (word.toLowerCase() === 'warning' ? 'warn' : word.toLowerCase());

/** The fields of the spans in a target (`proxy{wl=ns/pod}` gives `wl`), for matching by workload. */
function spanFields(target: string, into: Record<string, string>): void {
  for (const span of target.matchAll(SPAN)) for (const m of span[2].matchAll(FIELD)) into[m[1]] ??= unquote(m[2]);
}

function parseTextBody(
  time: string | undefined,
  levelWord: string,
  rest: string,
  at: string,
): ZtunnelLogRecord | undefined {
  // The target is one word; the message runs to the first `name=` field (or a tab, when tabs survived).
  const target = rest.match(/^\S+/)?.[0];
  if (!target) return undefined;
  const afterTarget = rest.slice(target.length).replace(/^\s+/, '');
  const tab = afterTarget.indexOf('\t');
  const firstField = afterTarget.search(FIRST_FIELD);
  const end = tab >= 0 && (firstField < 0 || tab < firstField) ? tab : firstField;
  const message = (end < 0 ? afterTarget : afterTarget.slice(0, end)).trim();
  const fields: Record<string, string> = {};
  if (end >= 0) for (const m of afterTarget.slice(end).matchAll(FIELD)) fields[m[1]] = unquote(m[2]);
  spanFields(target, fields);
  return { ...(time ? { time } : {}), level: level(levelWord), target, message, fields, at };
}

function parseText(pasted: string, at: string): ZtunnelLogRecord | undefined {
  // A row of a log UI's table ends with its cell's edge.
  const line = pasted.replace(/\s+\|\s*$/, '');
  const m = line.match(TEXT_START);
  if (m && m.index !== undefined) {
    // A time followed by a level, after anything a tool put before it (its own time, a pod name, a pipe).
    return parseTextBody(m[1], m[2], line.slice(m.index + m[0].length), at);
  }
  const bare = line.match(LEVEL_START);
  if (!bare || bare.index === undefined) return undefined;
  const from = bare.index + bare[0].indexOf(bare[1]) + bare[1].length;
  return parseTextBody(undefined, bare[1], line.slice(from).trimStart(), at);
}

/** Span objects in a JSON record (`"proxy":{"wl":"ns/pod"}`) give their fields, for matching by workload. */
function parseJson(line: string, at: string): ZtunnelLogRecord | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const { level: lv, time, scope, message, ...rest } = value as Record<string, unknown>;
  if (typeof lv !== 'string' || typeof message !== 'string') return undefined;
  const fields: Record<string, string> = {};
  for (const [k, v] of Object.entries(rest)) if (v !== null && typeof v !== 'object') fields[k] = String(v);
  for (const v of Object.values(rest))
    if (v && typeof v === 'object' && !Array.isArray(v))
      for (const [k, inner] of Object.entries(v))
        if (inner !== null && typeof inner !== 'object') fields[k] ??= String(inner);
  return {
    time: typeof time === 'string' ? time : undefined,
    level: level(lv),
    target: String(scope ?? ''),
    message,
    fields,
    at,
  };
}

/** A JSON object inside a pasted line: from its first `{"` (whatever came before is a paste prefix). */
export function jsonPart(pasted: string): string | undefined {
  const line = pasted.replace(/\s+\|\s*$/, '').trimEnd();
  const start = line.indexOf('{"');
  return start >= 0 && line.endsWith('}') ? line.slice(start) : undefined;
}

/** A ztunnel record, or undefined when the line holds none. */
export function parseZtunnelLine(line: string, at: string): ZtunnelLogRecord | undefined {
  const json = jsonPart(line);
  return (json !== undefined ? parseJson(json, at) : undefined) ?? parseText(line, at);
}

/** Whether a pasted line begins a ztunnel record (a wrapped record's other lines do not). */
export function startsZtunnelRecord(line: string): boolean {
  return TEXT_START.test(line) || LEVEL_START.test(line) || line.includes('{"level"');
}
