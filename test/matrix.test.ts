// The matrix and explain use one engine: for every scenario, every matrix cell (A, B, port)
// equals `explain A B:port` (B addressed by pod, as the matrix does).
import { describe, expect, it } from 'vitest';
import { buildSnapshot } from '../src/input/normalize.js';
import { explain } from '../src/diagnose/explain.js';
import { matrix } from '../src/diagnose/matrix.js';
import { UserFacingError } from '../src/errors.js';
import { loadScenarios } from './support/scenarios.js';

const scenarios = loadScenarios().filter((s) => !s.expect.error && s.command === 'explain');

describe('matrix cells equal explain', () => {
  it.each(scenarios.map((s) => [s.name, s] as const))('%s', (_n, s) => {
    const snapshot = buildSnapshot(s.objects);
    const probe = explain(snapshot, {
      source: s.args[0],
      destination: s.args[1],
      namespace: 'default',
      port: s.flags.port,
    });
    const port = probe.destination.targetPort ?? probe.destination.port;
    const report = matrix(snapshot, { namespaces: 'all', port });
    let compared = 0;
    for (const cell of report.cells) {
      const src = snapshot.pods.find(
        (p) =>
          `${p.meta.namespace}/${p.owner?.name ?? p.meta.name}` === cell.source.replace(/\[\w+\]$/, '') ||
          `${p.meta.namespace}/${p.meta.name}` === cell.source.replace(/\[\w+\]$/, ''),
      )!;
      const dst = snapshot.pods.find(
        (p) =>
          `${p.meta.namespace}/${p.owner?.name ?? p.meta.name}` === cell.destination.replace(/\[\w+\]$/, '') ||
          `${p.meta.namespace}/${p.meta.name}` === cell.destination.replace(/\[\w+\]$/, ''),
      )!;
      let r;
      try {
        r = explain(snapshot, {
          source: `${src.meta.namespace}/${src.meta.name}`,
          destination: `${dst.meta.namespace}/pod/${dst.meta.name}:${cell.port}`,
          namespace: 'default',
        });
      } catch (err) {
        // The pod does not declare the port: explain refuses the question, the matrix still answers it.
        if (err instanceof UserFacingError) continue;
        throw err;
      }
      compared++;
      expect(
        { outcome: cell.outcome, enforcedBy: cell.enforcedBy, symptom: cell.symptom },
        `${cell.source} -> ${cell.destination}:${cell.port}`,
      ).toEqual({
        outcome: r.verdict.outcome,
        enforcedBy: r.verdict.enforcedBy,
        symptom: r.verdict.symptom,
      });
    }
    expect(report.cells.length === 0 || compared > 0).toBe(true);
  });
});
