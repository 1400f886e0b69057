// Runtime evidence (issue 16): what the dataplane itself recorded, beside the configuration. It comes
// from files (`--logs`, `--config-dump`, a dump made with `--with-logs`) or from the live cluster
// (pods/log, and with `--ztunnel-admin` ztunnel's config dump through a port-forward); both give
// this one type, which the diagnosis reads.
import { readText } from './read-text.js';
import { InputError } from '../errors.js';
import { parseZtunnelLine, startsZtunnelRecord } from './ztunnel-logs.js';
import { parseEnvoyAccessLine, startsEnvoyRecord } from './envoy-access-log.js';
import { parseZtunnelConfigDump } from './ztunnel-config-dump.js';
import { appendAll, maxOf } from '../arrays.js';
import type { ZtunnelLogRecord, EnvoyAccessRecord, EvidenceSource, RuntimeEvidence } from '../snapshot/evidence.js';

export function emptyEvidence(): RuntimeEvidence {
  return { ztunnelLogs: [], proxyLogs: [], configDumps: [], sources: [], gaps: [] };
}

export function hasEvidence(e: RuntimeEvidence | undefined): e is RuntimeEvidence {
  return !!e && e.ztunnelLogs.length + e.proxyLogs.length + e.configDumps.length + e.gaps.length > 0;
}

/** Physical lines a wrapped record may span: a record wrapped at 80 columns needs about 8. */
const MAX_WRAPPED_LINES = 12;

export interface ParsedLogText {
  ztunnel: ZtunnelLogRecord[];
  envoy: EnvoyAccessRecord[];
  /** Non-blank lines that are part of no record, and the first of them. */
  unread: number;
  example?: { at: string; text: string };
  /** Records put back together from wrapped lines. */
  joined: number;
}

/**
 * The width a text was hard-wrapped at (a terminal copy, `fold`): the longest line length, when at least two
 * lines have it; a wrapped record's lines of that width go on in the next line.
 */
function wrapWidth(lines: string[]): number | undefined {
  const lengths = lines.map((l) => l.length);
  const widest = maxOf(lengths, 0);
  return widest >= 40 && lengths.filter((n) => n === widest).length >= 2 ? widest : undefined;
}

/** Whether a record so far is cut short: an open quote or JSON object, or too few columns to be one. */
function cutShort(text: string, at: string): boolean {
  const quotes = (text.match(/(?<!\\)"/g) ?? []).length;
  if (quotes % 2 === 1) return true;
  return !parseZtunnelLine(text, at) && !parseEnvoyAccessLine(text, at);
}

/**
 * The ztunnel and Envoy records of one log text as people paste it (docs/log-pastes.md): CRLF or CR line
 * ends, any paste prefix, and records wrapped over several lines. A line that starts no record goes on the
 * record before it when that one was cut at the text's wrap width, is cut short (an open quote, too few
 * columns) or the line goes on with fields or indentation; it is joined verbatim, since a wrap keeps the
 * spaces where it breaks. Other lines are counted, with an example.
 */
export function parseLogText(text: string, origin: string): ParsedLogText {
  const out: ParsedLogText = { ztunnel: [], envoy: [], unread: 0, joined: 0 };
  const unread = (at: string, line: string, n = 1) => {
    out.unread += n;
    out.example ??= { at, text: line.trim() };
  };
  let current: { text: string; at: string; parts: number; last: string } | undefined;
  const flush = () => {
    if (!current) return;
    const z = parseZtunnelLine(current.text, current.at);
    const e = z ? undefined : parseEnvoyAccessLine(current.text, current.at);
    const text = current.text.trim().replace(/\s+/g, ' ');
    if (z) out.ztunnel.push({ ...z, text });
    else if (e) out.envoy.push({ ...e, text });
    else unread(current.at, current.text, current.parts);
    if ((z || e) && current.parts > 1) out.joined++;
    current = undefined;
  };
  const lines = text.split(/\r\n|\r|\n/);
  const width = wrapWidth(lines);
  const goesOn = (line: string) =>
    !!current &&
    current.parts < MAX_WRAPPED_LINES &&
    (current.last.length === width || /^\s|^[\w.]+=/.test(line) || cutShort(current.text, current.at));
  lines.forEach((line, i) => {
    const at = `${origin}:${i + 1}`;
    if (!line.trim()) return flush();
    if (startsZtunnelRecord(line) || startsEnvoyRecord(line)) {
      flush();
      current = { text: line, at, parts: 1, last: line };
    } else if (goesOn(line)) {
      current!.text += line;
      current!.parts++;
      current!.last = line;
    } else {
      flush();
      unread(at, line);
    }
  });
  flush();
  return out;
}

/** Adds one log text (a file or a pod's logs) to the evidence; lines that are no record become a gap. */
export function addLogText(into: RuntimeEvidence, text: string, source: Omit<EvidenceSource, 'lines'>): number {
  const parsed = parseLogText(text, source.origin);
  appendAll(into.ztunnelLogs, parsed.ztunnel);
  appendAll(into.proxyLogs, parsed.envoy);
  const read = parsed.ztunnel.length + parsed.envoy.length;
  into.sources.push({ ...source, lines: read });
  if (parsed.example) {
    const shown = parsed.example.text.length > 60 ? `${parsed.example.text.slice(0, 57)}...` : parsed.example.text;
    into.gaps.push(
      `${parsed.unread} line${parsed.unread === 1 ? '' : 's'} of ${source.origin} ${
        parsed.unread === 1 ? 'is' : 'are'
      } no ztunnel or Envoy record (e.g. ${parsed.example.at}: ${JSON.stringify(shown)})`,
    );
  }
  return read;
}

/**
 * `--logs` and `--config-dump` files. A file that cannot be read, or holds no record, is a gap beside the
 * verdict (AD909), never an abort: the configuration's answer and the other files' evidence still stand.
 */
export function readEvidenceFiles(logs: string[] = [], dumps: string[] = []): RuntimeEvidence {
  const evidence = emptyEvidence();
  const attempt = (file: string, read: () => void) => {
    try {
      read();
    } catch (e) {
      evidence.gaps.push(`${file}: ${e instanceof Error ? e.message : String(e)}`);
    }
  };
  for (const file of logs) attempt(file, () => addLogText(evidence, readText(file), { origin: file }));
  for (const file of dumps)
    attempt(file, () => {
      const view = parseZtunnelConfigDump(readText(file), file);
      evidence.configDumps.push(view);
      evidence.sources.push({ origin: file, node: view.node, lines: 0 });
    });
  return evidence;
}

/**
 * The time evidence describes, for judging it (a certificate is expired only if it was then): `--at` when
 * given; the time of a live read; else the newest log record; else the newest certificate's start, as a
 * config dump records no time of its own (the dump was taken after every certificate in it was issued).
 */
export function evidenceTime(e: RuntimeEvidence, at?: string): { time: string; from: string } {
  if (at) return { time: at, from: '--at' };
  if (e.readAt) return { time: e.readAt, from: 'read now' };
  const newest = (times: (string | undefined)[]) => {
    let best: number | undefined;
    for (const t of times) {
      const ms = t ? Date.parse(t) : NaN;
      if (!Number.isNaN(ms) && (best === undefined || ms > best)) best = ms;
    }
    return best === undefined ? undefined : new Date(best).toISOString();
  };
  const logged = newest([...e.ztunnelLogs.map((r) => r.time), ...e.proxyLogs.map((r) => r.time)]);
  if (logged) return { time: logged, from: 'the newest log record' };
  const issued = newest(
    e.configDumps.flatMap((v) => v.certificates.flatMap((c) => c.certChain.map((x) => x.validFrom))),
  );
  if (issued) return { time: issued, from: "the newest certificate's start in the config dump" };
  return { time: new Date().toISOString(), from: 'now (the evidence records no time)' };
}

export function mergeEvidence(...parts: (RuntimeEvidence | undefined)[]): RuntimeEvidence {
  const out = emptyEvidence();
  for (const p of parts) {
    if (!p) continue;
    appendAll(out.ztunnelLogs, p.ztunnelLogs);
    appendAll(out.proxyLogs, p.proxyLogs);
    appendAll(out.configDumps, p.configDumps);
    appendAll(out.sources, p.sources);
    appendAll(out.gaps, p.gaps);
    if (p.readAt && (!out.readAt || p.readAt > out.readAt)) out.readAt = p.readAt;
  }
  return out;
}

// A dump made with `--with-logs` carries each proxy's records as one object of this kind, so a ticket
// holds everything and `-f` reads it back into the same evidence.
export const EVIDENCE_GROUP = 'ambient-doctor.io/';
export const EVIDENCE_KIND = 'RuntimeEvidence';
export const EVIDENCE_API_VERSION = 'ambient-doctor.io/v1alpha1';

export interface EvidenceObject {
  apiVersion: typeof EVIDENCE_API_VERSION;
  kind: typeof EVIDENCE_KIND;
  metadata: { name: string; namespace: string };
  spec: { node?: string; image?: string; logs?: string; configDump?: string; gaps?: string[] };
}

/** One dump object per proxy read live. */
export function evidenceObject(
  pod: { namespace: string; name: string; node?: string; image?: string },
  parts: { logs?: string; configDump?: string; gaps?: string[] },
): EvidenceObject {
  return {
    apiVersion: EVIDENCE_API_VERSION,
    kind: EVIDENCE_KIND,
    metadata: { name: pod.name, namespace: pod.namespace },
    spec: {
      ...(pod.node ? { node: pod.node } : {}),
      ...(pod.image ? { image: pod.image } : {}),
      ...(parts.logs !== undefined ? { logs: parts.logs } : {}),
      ...(parts.configDump !== undefined ? { configDump: parts.configDump } : {}),
      ...(parts.gaps?.length ? { gaps: parts.gaps } : {}),
    },
  };
}

/** Reads an evidence object of a dump into the evidence; a malformed one is an input error. */
export function addEvidenceObject(into: RuntimeEvidence, obj: any, origin: string): void {
  const spec = obj?.spec;
  const pod = `${obj?.metadata?.namespace ?? ''}/${obj?.metadata?.name ?? ''}`;
  if (!spec || typeof spec !== 'object') throw new InputError(`${origin}: ${EVIDENCE_KIND} ${pod} has no spec`);
  const node = typeof spec.node === 'string' ? spec.node : undefined;
  const image = typeof spec.image === 'string' ? spec.image : undefined;
  if (typeof spec.logs === 'string') addLogText(into, spec.logs, { origin: `${pod} in ${origin}`, pod, node, image });
  if (typeof spec.configDump === 'string')
    into.configDumps.push(parseZtunnelConfigDump(spec.configDump, `${pod} in ${origin}`, node));
  if (Array.isArray(spec.gaps))
    appendAll(
      into.gaps,
      spec.gaps.filter((g: unknown) => typeof g === 'string'),
    );
}
