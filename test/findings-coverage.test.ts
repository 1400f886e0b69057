// Every finding code in the catalogue is produced by at least one scenario (any finding, not only
// the decisive one), or, for codes only a live cluster can produce, asserted by a live test.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FINDINGS } from '../src/findings/catalogue.js';
import { loadScenarios, scenarioSnapshot } from './support/scenarios.js';
import { runScenarioOn } from './support/run-scenario.js';

const LIVE = join(import.meta.dirname, 'live');

/** Codes a live test checks by name, e.g. `toContain('AD803')` or `f.code === 'AD902'`. */
function codesAssertedLive(): Set<string> {
  const out = new Set<string>();
  for (const f of readdirSync(LIVE).filter((n) => n.endsWith('.test.ts'))) {
    const text = readFileSync(join(LIVE, f), 'utf8');
    for (const m of text.matchAll(/['"](AD\d{3})['"]/g)) out.add(m[1]);
  }
  return out;
}

describe('finding codes in use', () => {
  const produced = new Set<string>();
  for (const s of loadScenarios()) {
    if (s.expect.error) continue;
    for (const f of runScenarioOn(s, scenarioSnapshot(s)).findings) produced.add(f.code);
  }
  const live = codesAssertedLive();

  it('every catalogue code is produced by a scenario or asserted by a live test', () => {
    const unused = Object.keys(FINDINGS).filter((c) => !produced.has(c) && !live.has(c));
    expect(unused).toEqual([]);
  });

  it('scenarios produce no code outside the catalogue', () => {
    expect([...produced].filter((c) => !(c in FINDINGS))).toEqual([]);
  });
});
