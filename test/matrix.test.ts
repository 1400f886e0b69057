// The matrix and explain use one engine: for every scenario, every matrix cell (A, B, port)
// equals `explain A B:port` (B addressed by pod, as the matrix does).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseManifestText } from '../src/input/files.js';
import { buildSnapshot } from '../src/input/normalize.js';
import { explain } from '../src/diagnose/explain/explain.js';
import { matrix } from '../src/diagnose/matrix/matrix.js';
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

// §6.5: with --service-ports a cell addresses the Service, so its waypoint and policies apply; each
// such cell equals `explain A SERVICE.NS:PORT` restricted to the same destination pod.
describe('matrix --service-ports addresses the Service', () => {
  const withWaypoint = loadScenarios().filter((s) =>
    ['wp-03-lesson-web-client-403', 'wp-02-lesson-targetrefs-allows-get'].includes(s.name),
  );
  it.each(withWaypoint.map((s) => [s.name, s] as const))('%s', (_n, s) => {
    const snapshot = buildSnapshot(s.objects);
    const report = matrix(snapshot, { namespaces: 'all', servicePorts: true });
    const cells = report.cells.filter((c) => c.service === 'hello/helloworld:5000' && !c.source.startsWith('hello/'));
    expect(cells.length).toBeGreaterThan(0);
    for (const cell of cells) {
      const src = snapshot.pods.find((p) => cell.source.startsWith(`${p.meta.namespace}/${p.meta.name}`))!;
      const r = explain(snapshot, {
        source: `${src.meta.namespace}/${src.meta.name}`,
        destination: 'helloworld.hello:5000',
        namespace: 'default',
      });
      expect({ outcome: cell.outcome, symptom: cell.symptom, code: cell.code }, cell.source).toEqual({
        outcome: r.verdict.outcome,
        symptom: r.verdict.symptom,
        code: r.verdict.outcome === 'allowed' ? undefined : r.findings[0].code,
      });
    }
    // The lesson's web client is stopped by the waypoint (403), not waved through by pod addressing.
    if (s.name === 'wp-03-lesson-web-client-403') {
      expect(cells.find((c) => c.source.startsWith('web/'))).toMatchObject({ outcome: 'denied', code: 'AD808' });
    }
  });
});

// Issue 30: the first clients of many Services are gateway pods, and host-network pods are clients too: both
// are rows (sources) without a column, and each of their cells equals explain.
describe('matrix sources that are never destinations', () => {
  const read = (f: string) => parseManifestText(readFileSync(f, 'utf8'), f);
  const root = join(import.meta.dirname);
  const hostPod = {
    object: {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'node-exporter-x1', namespace: 'monitoring', labels: { app: 'node-exporter' } },
      spec: { nodeName: 'node-a', hostNetwork: true, containers: [{ name: 'exporter', image: 'prom/node-exporter' }] },
      status: { phase: 'Running', podIP: '192.168.0.11', conditions: [{ type: 'Ready', status: 'True' }] },
    },
    origin: 'test',
  };
  const snapshot = buildSnapshot([
    ...read(join(root, 'scenarios', '_bases', 'istio.yaml')),
    ...read(join(root, 'healthy-meshes', 'bookinfo-waypoint-l7.yaml')),
    hostPod,
  ]);
  const report = matrix(snapshot, { namespaces: 'all', servicePorts: true });

  it('lists the Gateway API gateway pod and the host-network pod as sources only', () => {
    expect(report.sourcesOnly).toEqual([
      'default/bookinfo-gateway-istio-6f6fb947df-svwtn[Pod]',
      'monitoring/node-exporter-x1[Pod]',
    ]);
    for (const s of report.sourcesOnly!) {
      expect(report.cells.some((c) => c.source === s)).toBe(true);
      expect(report.cells.some((c) => c.destination === s)).toBe(false);
    }
  });

  it('answers as explain does for each of their cells', () => {
    const cells = report.cells.filter((c) => report.sourcesOnly!.includes(c.source));
    expect(cells.length).toBeGreaterThan(0);
    const podOf = (w: string) =>
      snapshot.pods.find((p) => `${p.meta.namespace}/${p.owner?.name ?? p.meta.name}` === w.replace(/\[\w+\]$/, ''))!;
    for (const cell of cells) {
      const src = podOf(cell.source);
      const r = explain(snapshot, {
        source: `${src.meta.namespace}/${src.meta.name}`,
        destination: cell.service!.replace(/^([^/]+)\/([^:]+)/, '$2.$1'),
        namespace: 'default',
      });
      expect({ outcome: cell.outcome, symptom: cell.symptom }, `${cell.source} -> ${cell.service}`).toEqual({
        outcome: r.verdict.outcome,
        symptom: r.verdict.symptom,
      });
    }
    // The guide's L4 policy admits the gateway at productpage; the node's plaintext is not admitted there.
    const gw = cells.find(
      (c) => c.source.startsWith('default/bookinfo-gateway') && c.service === 'default/productpage:9080',
    );
    expect(gw?.outcome).toBe('allowed');
  });
});
