// Issue 16: every log signature the tool interprets has a scenario (offline here; test/live/evidence
// serves the same files through kwok), and each scenario's records are read as the signature meant.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readEvidenceFiles, mergeEvidence } from '../src/input/evidence.js';
import { LOG_SIGNATURES, signatureOf } from '../src/mesh/ztunnel-log-signatures.js';
import { ENVOY_REPLIES, ENVOY_SIGNATURE_IDS, envoySignatureOf } from '../src/mesh/envoy-log-signatures.js';
import { loadScenarios, scenarioSnapshot } from './support/scenarios.js';
import { loggedError } from '../src/diagnose/evidence/logs.js';

describe('log signatures', () => {
  const seen = new Set<string>();
  for (const s of loadScenarios()) {
    const evidence = mergeEvidence(scenarioSnapshot(s).evidence, readEvidenceFiles(s.flags.logs, s.flags.configDump));
    for (const r of evidence.ztunnelLogs) {
      // ztunnel's own error lines carry the error as their message (istio/istio#57259).
      const text = loggedError(r, !r.fields['src.addr'] && !!(r.fields.wl ?? r.fields.uid));
      const sig = text ? signatureOf(text) : undefined;
      if (sig) seen.add(sig.id);
    }
    for (const r of evidence.proxyLogs) {
      const sig = envoySignatureOf(r);
      if (sig) seen.add(sig.id);
    }
  }

  it.each(LOG_SIGNATURES.map((s) => [s.id, s.text] as const))('ztunnel %s has a scenario', (id) => {
    expect(seen.has(id), `no scenario holds a ztunnel record with this error`).toBe(true);
  });
  it.each(ENVOY_SIGNATURE_IDS.map((id) => [id] as const))('Envoy %s has a scenario', (id) => {
    expect(seen.has(id), `no scenario holds an Envoy record with this signature`).toBe(true);
  });
  it('the most specific signature wins', () => {
    const deny = 'connection closed due to policy rejection: explicitly denied by: hello/x';
    expect(signatureOf(deny)?.id).toBe('explicit-deny');
    expect(signatureOf('connection closed due to policy rejection')?.id).toBe('policy-rejection');
    expect(signatureOf('connection closed due to policy rejection: workload not found')?.id).toBe(
      'rejection-workload-not-found',
    );
  });
});

// Issue 27: the signature table is the only place a ztunnel text is written. Code quotes it by id
// (ztunnelLogs), so a text changed in one place cannot go stale in another; the docs pages quote it
// exactly (a backtick span that shares three words in a row with a signature is part of its text).
describe('quoted ztunnel log texts are signatures', () => {
  const ROOT = join(import.meta.dirname, '..');
  const TABLES = new Set(['src/mesh/ztunnel-log-signatures.ts', 'src/mesh/envoy-log-signatures.ts']);
  const texts = [
    ...(LOG_SIGNATURES as readonly { text: string; quoted?: string }[]).flatMap((s) =>
      s.quoted ? [s.text, s.quoted] : [s.text],
    ),
    ...Object.values(ENVOY_REPLIES),
  ];
  const sources = (readdirSync(join(ROOT, 'src'), { recursive: true }) as string[])
    .filter((f) => f.endsWith('.ts'))
    .map((f) => `src/${f}`)
    .filter((f) => !TABLES.has(f));

  it('no source file outside the tables writes a signature text', () => {
    const written = sources.flatMap((f) => {
      const text = readFileSync(join(ROOT, f), 'utf8');
      return texts.filter((t) => t.length > 12 && text.includes(t)).map((t) => `${f}: "${t}"`);
    });
    expect(written).toEqual([]);
  });

  it('every docs page quotes ztunnel texts exactly', () => {
    const runs = (s: string) => {
      const words = s.toLowerCase().split(/\s+/);
      return words.slice(0, -2).map((_, i) => words.slice(i, i + 3).join(' '));
    };
    const known = new Set(texts.flatMap(runs));
    const pages = readdirSync(join(ROOT, 'docs', 'findings')).filter((f) => f.endsWith('.md'));
    const misquoted: string[] = [];
    let quoted = 0;
    for (const page of pages) {
      for (const [, span] of readFileSync(join(ROOT, 'docs', 'findings', page), 'utf8').matchAll(/`([^`\n]+)`/g)) {
        if (!runs(span).some((r) => known.has(r))) continue;
        quoted++;
        // A policy name after the text (`explicitly denied by: <ns>/<name>`) is the log's own detail, a
        // status code before a reply (`403 RBAC: access denied`) the reply's.
        const text = span.replace(/ (<ns>\/<name>|\S+\/\S+)$/, '').replace(/^\d{3} /, '');
        if (!texts.some((t) => t.includes(text))) misquoted.push(`${page}: ${span}`);
      }
    }
    expect(misquoted).toEqual([]);
    expect(quoted).toBeGreaterThanOrEqual(5);
  });
});
