// Issue 29: log lines as users really paste them. Every line of test/log-pastes/corpus.yaml (quoted from the
// public issue each cites) is read as pasted and in each damaged form a paste goes through (tabs become
// spaces, a tool's prefix, a wrap at 80 columns, CRLF line ends, a table's cell edges), and must give the
// same record, matched to the same connection and classified as its issue concludes.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseLogText } from '../src/input/evidence.js';
import { ztunnelEvent, proxyEvent } from '../src/diagnose/evidence/logs.js';

interface Case {
  issue: string;
  line: string;
  expect: {
    kind: 'ztunnel' | 'envoy';
    signature: string;
    verdict?: string;
    src?: string;
    dst?: string;
    port?: number;
    workload?: string;
  };
}

const corpus: Case[] = parse(readFileSync(join(import.meta.dirname, 'log-pastes', 'corpus.yaml'), 'utf8'));

/** Hard-wrapped at a width, as a terminal copy or `fold -w` gives it. */
const fold = (line: string, width: number) => line.match(new RegExp(`.{1,${width}}`, 'g'))!.join('\n');

/** Each damaged form of a paste: a name and the text (holding the line twice where the damage needs a neighbour). */
const FORMS: [string, (line: string) => string][] = [
  ['as pasted', (l) => l],
  ['tabs as 4 spaces', (l) => l.replaceAll('\t', '    ')],
  ['tabs as one space', (l) => l.replaceAll('\t', ' ')],
  ['kubectl logs --timestamps', (l) => `2026-12-07T10:00:00.123456789Z ${l}`],
  ['kubectl logs --prefix', (l) => `[pod/ztunnel-abc12/istio-proxy] ${l}`],
  ['stern', (l) => `ztunnel-kk5qg istio-proxy ${l}`],
  ['a log stack ingest time', (l) => `2024-10-29T17:39:45.936Z | ${l}`],
  ['a CRI log file', (l) => `2026-12-07T10:00:00.123456789Z stdout F ${l}`],
  ['a table row', (l) => `| ${l} |`],
  ['wrapped at 80 columns', (l) => `${fold(l, 80)}\n${fold(l, 80)}`],
  ['CRLF line ends', (l) => `${l}\r\n${l}\r\n`],
];

/** What the tool makes of one record: its kind, meaning and the connection it names. */
function classify(text: string) {
  const parsed = parseLogText(text, 'paste');
  const z = parsed.ztunnel[0];
  const e = parsed.envoy[0];
  const event = z ? ztunnelEvent(z) : e ? proxyEvent(e) : undefined;
  return {
    records: parsed.ztunnel.length + parsed.envoy.length,
    unread: parsed.unread,
    kind: z ? 'ztunnel' : e ? 'envoy' : undefined,
    signature: event ? (event.signature?.id ?? 'complete') : 'none',
    verdict: event ? (event.signature?.verdict ?? 'ok') : undefined,
    srcIps: event?.srcIps ?? [],
    dstIps: event?.dstIps ?? [],
    port: event?.port,
    workload: z ? (z.fields.wl ?? (z.fields.uid ? `uid:${z.fields.uid}` : undefined)) : undefined,
  };
}

describe('log lines as pasted (corpus of public issues)', () => {
  it('holds at least 40 lines from at least 15 issues', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(40);
    expect(new Set(corpus.map((c) => c.issue)).size).toBeGreaterThanOrEqual(15);
  });

  const cases = corpus.flatMap((c, i) =>
    FORMS.map(([form, damage]) => [`${c.issue} line ${i + 1}, ${form}`, c, damage] as const),
  );

  it.each(cases)('%s', (_name, c, damage) => {
    const text = damage(c.line);
    const copies = text.includes('\n') && text.split(/\r?\n/).filter((l) => l.trim()).length > 1 ? 2 : 1;
    const got = classify(text);
    const want = c.expect;
    expect(got.records, 'every physical line is part of a record').toBe(copies);
    expect(got.unread).toBe(0);
    expect(got.kind).toBe(want.kind);
    expect(got.signature).toBe(want.signature);
    if (want.verdict) expect(got.verdict).toBe(want.verdict);
    if (want.src) expect(got.srcIps).toContain(want.src);
    if (want.dst) expect(got.dstIps).toContain(want.dst);
    if (want.port !== undefined) expect(got.port).toBe(want.port);
    if (want.workload) expect(got.workload).toBe(want.workload);
  });
});

describe('what cannot be read', () => {
  it('lines that are no record are counted with an example, never an abort', () => {
    const parsed = parseLogText(`${corpus[1].line}\nsome shell prompt $ kubectl logs\n`, 'mixed.log');
    expect(parsed.ztunnel).toHaveLength(1);
    expect(parsed.unread).toBe(1);
    expect(parsed.example).toEqual({ at: 'mixed.log:2', text: 'some shell prompt $ kubectl logs' });
  });
});
