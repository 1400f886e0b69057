// Issue 16: every log signature the tool interprets has a scenario (offline here; test/live/evidence
// serves the same files through kwok), and each scenario's records are read as the signature meant.
import { describe, expect, it } from 'vitest';
import { readEvidenceFiles, mergeEvidence } from '../src/input/evidence.js';
import { LOG_SIGNATURES, signatureOf } from '../src/mesh/ztunnel-log-signatures.js';
import { ENVOY_SIGNATURE_IDS, envoySignatureOf } from '../src/mesh/envoy-log-signatures.js';
import { loadScenarios, scenarioSnapshot } from './support/scenarios.js';

describe('log signatures', () => {
  const seen = new Set<string>();
  for (const s of loadScenarios()) {
    const evidence = mergeEvidence(scenarioSnapshot(s).evidence, readEvidenceFiles(s.flags.logs, s.flags.configDump));
    for (const r of evidence.ztunnelLogs) {
      const sig = r.fields.error ? signatureOf(r.fields.error) : undefined;
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
