// ztunnel's log lines, text or JSON (docs/ztunnel-logs.md, read from ztunnel's src/telemetry.rs):
//   text: <time>\t<level>\t<target>\t<message>\t<name=value> <name=value> …  (values in Rust Debug form)
//   JSON: {"level":…,"time":…,"scope":…,"message":…,<field>:…}
// Lines as `kubectl logs --timestamps` or a CRI log file carry them are accepted too.

const TIMESTAMP = /^\d{4}-\d\d-\d\dT[\d:.]+(?:Z|[+-]\d\d:?\d\d)$/;
import type { ZtunnelLogRecord } from '../snapshot/evidence.js';
const CRI_PREFIX = /^\S+ (?:stdout|stderr) [FP] /;
const FIELD = /([\w.]+)=("(?:[^"\\]|\\.)*"|\S+)/g;

/** A Rust Debug string: quotes and escapes removed (`\u{…}` included). */
function unquote(value: string): string {
  if (!value.startsWith('"')) return value;
  return value
    .slice(1, -1)
    .replace(/\\u\{([0-9a-fA-F]+)\}/g, (_, hex: string) => String.fromCodePoint(parseInt(hex, 16)))
    .replace(/\\(.)/g, (_, c: string) => ({ n: '\n', t: '\t', r: '\r', '0': '\0' })[c] ?? c);
}

function parseText(line: string, at: string): ZtunnelLogRecord | undefined {
  const [time, level, target, message, fields = ''] = line.split('\t');
  if (!time || !TIMESTAMP.test(time) || !level || target === undefined || message === undefined) return undefined;
  const record: ZtunnelLogRecord = { time, level: level.trim(), target, message: message.trim(), fields: {}, at };
  for (const m of fields.matchAll(FIELD)) record.fields[m[1]] = unquote(m[2]);
  return record;
}

function parseJson(line: string, at: string): ZtunnelLogRecord | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const { level, time, scope, message, ...rest } = value as Record<string, unknown>;
  if (typeof level !== 'string' || typeof message !== 'string') return undefined;
  const fields: Record<string, string> = {};
  for (const [k, v] of Object.entries(rest)) if (v !== null && typeof v !== 'object') fields[k] = String(v);
  return { time: typeof time === 'string' ? time : undefined, level, target: String(scope ?? ''), message, fields, at };
}

/** A log line without the prefix `kubectl logs --timestamps` or a CRI log file puts before it. */
export function stripLogPrefix(raw: string): string {
  let line = raw.replace(CRI_PREFIX, '');
  const space = line.indexOf(' ');
  if (space > 0 && TIMESTAMP.test(line.slice(0, space)) && !line.slice(0, space).includes('\t'))
    line = line.slice(space + 1);
  return line;
}

/** A ztunnel record, or undefined when the line is not one. */
export function parseZtunnelLine(line: string, at: string): ZtunnelLogRecord | undefined {
  return line.startsWith('{') ? parseJson(line, at) : parseText(line, at);
}

/** Every ztunnel record in a log text; other lines (and blank ones) are counted, not kept. */
export function parseZtunnelLogs(text: string, source: string): { records: ZtunnelLogRecord[]; skipped: number } {
  const records: ZtunnelLogRecord[] = [];
  let skipped = 0;
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = stripLogPrefix(raw);
    if (!line.trim()) return;
    const record = parseZtunnelLine(line, `${source}:${i + 1}`);
    if (record) records.push(record);
    else skipped++;
  });
  return { records, skipped };
}
