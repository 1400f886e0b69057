// A refused read is a gap, never a flip (issue 25). Every scenario is asked again as a live read
// would see it with one resource refused (403) in turn: its objects are absent and a gap names it.
// No verdict may change from allowed to denied or back: each becomes unknown (or a one-line refusal,
// exit 2), or keeps its value, and then a denial keeps its decisive code and the summary names what
// could not be read; what a ConfigMap would have set is named as assumed.
import { describe, expect, it } from 'vitest';
import { buildSnapshot } from '../src/input/normalize.js';
import { UserFacingError } from '../src/errors.js';
import type { SourcedObject } from '../src/input/files.js';
import { loadScenarios } from './support/scenarios.js';
import { runScenarioOn } from './support/run-scenario.js';
import { matrix } from '../src/diagnose/matrix/matrix.js';

/** Each resource the reader asks for (docs/rbac.md), and the kinds of object it returns. */
const RESOURCES: [string, string[]][] = [
  ['pods', ['Pod']],
  ['namespaces', ['Namespace']],
  ['services', ['Service']],
  ['configmaps', ['ConfigMap']],
  ['endpointslices.discovery.k8s.io', ['EndpointSlice']],
  ['networkpolicies.networking.k8s.io', ['NetworkPolicy']],
  ['deployments.apps', ['Deployment']],
  ['statefulsets.apps', ['StatefulSet']],
  ['daemonsets.apps', ['DaemonSet']],
  ['replicasets.apps', ['ReplicaSet']],
  ['jobs.batch', ['Job']],
  ['authorizationpolicies.security.istio.io', ['AuthorizationPolicy']],
  ['peerauthentications.security.istio.io', ['PeerAuthentication']],
  ['serviceentries.networking.istio.io', ['ServiceEntry']],
  ['sidecars.networking.istio.io', ['Sidecar']],
  ['gateways.gateway.networking.k8s.io', ['Gateway']],
  ['gatewayclasses.gateway.networking.k8s.io', ['GatewayClass']],
  ['adminnetworkpolicies.policy.networking.k8s.io', ['AdminNetworkPolicy']],
  ['baselineadminnetworkpolicies.policy.networking.k8s.io', ['BaselineAdminNetworkPolicy']],
];

function ask(s: ReturnType<typeof loadScenarios>[number], objects: SourcedObject[], resource?: string) {
  const gaps = resource
    ? [{ verb: 'list', resource, message: `${resource} is forbidden: User "alice" cannot list resource` }]
    : [];
  try {
    const r = runScenarioOn(s, buildSnapshot(objects, 'cluster', { gaps, notes: [] }));
    return { outcome: r.verdict.outcome, summary: r.verdict.summary, decisive: r.findings[0]?.code };
  } catch (err) {
    if (err instanceof UserFacingError) return { outcome: 'error', summary: err.message, exitCode: err.exitCode };
    throw err;
  }
}

describe('one resource refused in turn, over every scenario', () => {
  const scenarios = loadScenarios().filter(
    (s) => !s.expect.error && s.command !== 'check' && !s.flags.logs && !s.flags.configDump,
  );

  it('never turns allowed into denied or back; what stands names what was not read', () => {
    const flips: string[] = [];
    let runs = 0;
    let unknown = 0;
    for (const s of scenarios) {
      const before = ask(s, s.objects);
      if (before.outcome === 'error' || before.outcome === 'unknown') continue;
      for (const [resource, kinds] of RESOURCES) {
        const objects = s.objects.filter((o) => !kinds.includes(String(o.object?.kind)));
        const after = ask(s, objects, resource);
        runs++;
        const label = `${s.name} with ${resource} refused: ${before.outcome} (${before.decisive}) → ${after.outcome} (${after.decisive ?? ''})`;
        if (after.outcome === 'unknown') {
          unknown++;
          continue;
        }
        if (after.outcome === 'error') {
          if (after.exitCode !== 2) flips.push(`${label}: exit ${after.exitCode} ${after.summary}`);
          continue;
        }
        if (after.outcome !== before.outcome) flips.push(label);
        else if (after.outcome !== 'allowed' && after.decisive !== before.decisive)
          flips.push(`${label}: another cause`);
        else if (
          resource === 'configmaps'
            ? !/defaults are assumed: trust domain/.test(after.summary ?? '')
            : !after.summary?.includes(resource.split('.')[0])
        )
          flips.push(`${label}: the summary does not say what was not read (${after.summary})`);
      }
    }
    console.log(`${runs} runs: ${unknown} unknown; ${flips.length} flips`);
    expect(flips).toEqual([]);
  });
});

describe('matrix with a refused read', () => {
  const s = loadScenarios().find((x) => x.name === 'lesson-02-both-ambient-strict')!;
  const refused = (resource: string, kinds: string[]) =>
    buildSnapshot(
      s.objects.filter((o) => !kinds.includes(String(o.object?.kind))),
      'cluster',
      { gaps: [{ verb: 'list', resource, message: `User "alice" cannot list resource "${resource}"` }], notes: [] },
    );

  it('pods refused: one line naming the refusal (exit 2), never an empty matrix', () => {
    let error: unknown;
    try {
      matrix(refused('pods', ['Pod']), { namespaces: 'all', port: 5000 });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(UserFacingError);
    expect((error as UserFacingError).exitCode).toBe(2);
    expect((error as Error).message).toContain('list pods');
  });

  it('ConfigMaps refused: no cell stands on an assumed trust domain (a cell is not asked again with others)', () => {
    const custom = loadScenarios().find((x) => x.name === 'ap-14-custom-trust-domain')!;
    const snapshot = buildSnapshot(
      custom.objects.filter((o) => o.object?.kind !== 'ConfigMap'),
      'cluster',
      {
        gaps: [{ verb: 'get', resource: 'configmaps', message: 'User "alice" cannot get resource "configmaps"' }],
        notes: [],
      },
    );
    const report = matrix(snapshot, { namespaces: 'all', port: 5000 });
    expect(report.cells.length).toBeGreaterThan(0);
    expect(report.cells.filter((c) => c.outcome !== 'unknown')).toEqual([]);
  });

  it('policies refused: the cells they decide are unknown, and the report says why', () => {
    const report = matrix(refused('authorizationpolicies.security.istio.io', ['AuthorizationPolicy']), {
      namespaces: 'all',
      port: 5000,
    });
    expect(report.cells.length).toBeGreaterThan(0);
    expect(report.cells.every((c) => c.outcome === 'unknown' || c.outcome === 'denied')).toBe(true);
    expect(report.unreadable).toContain('authorizationpolicies');
  });
});

describe('what a scoped live read may call absent (check -n)', () => {
  // check -n test reads test's objects and, beside them, the pods of the mesh's own namespaces.
  const snapshot = buildSnapshot([], 'cluster', {
    gaps: [],
    notes: [],
    scope: ['test'],
    listed: ['pods@istio-system'],
  });
  it.each([
    ['services', 'test', true],
    ['pods', 'istio-system', true],
    ['services', 'istio-system', false],
    ['pods', 'other', false],
    ['pods', undefined, false],
  ] as const)('%s in %s: absence is a fact = %s', (resource, namespace, fact) => {
    expect(snapshot.isAbsenceFact(resource, namespace)).toBe(fact);
  });
  it('files never prove an absence', () => {
    expect(buildSnapshot([], 'files').isAbsenceFact('pods', 'test')).toBe(false);
  });
});
