// Issue 29: evidence is judged at its own time, not the reading machine's clock. Every scenario with runtime
// evidence gives the same report whatever the clock says: the day its files were written, or a year later.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { buildSnapshot } from '../src/input/normalize.js';
import { hasEvidence } from '../src/input/evidence.js';
import { lastCopies, loadScenarios } from './support/scenarios.js';
import { runScenarioOn } from './support/run-scenario.js';

const withEvidence = loadScenarios().filter((s) => {
  if (s.command !== 'explain') return false;
  if (s.flags.logs || s.flags.configDump) return true;
  return hasEvidence(buildSnapshot(lastCopies(s.objects)).evidence);
});

const reportAt = (s: (typeof withEvidence)[number], clock: string) => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(new Date(clock));
  try {
    return JSON.stringify(runScenarioOn(s, buildSnapshot(lastCopies(s.objects))));
  } finally {
    vi.useRealTimers();
  }
};

describe('evidence judged at its own time', () => {
  afterEach(() => vi.useRealTimers());
  it('has evidence scenarios to check', () => expect(withEvidence.length).toBeGreaterThan(10));
  it.each(withEvidence.map((s) => [s.name, s] as const))('%s: the same report a year later', (_name, s) => {
    expect(reportAt(s, '2027-12-01T00:00:00Z')).toBe(reportAt(s, '2026-11-30T21:00:00Z'));
  });
});
