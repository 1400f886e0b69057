// What the tool writes for others to read or apply: dumps without server bookkeeping, fixes without
// empty selector parts, fix names that fit what the fix selects.
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { dumpList } from '../src/input/dump.js';
import { printedRemedy, withoutEmptySelectorParts } from '../src/findings/finding.js';
import { fixTarget, targetName } from '../src/diagnose/fixes/fixes.js';
import type { PodFact } from '../src/snapshot/types.js';
import { applyChange } from '../src/input/apply.js';
import { buildSnapshot } from '../src/input/normalize.js';

describe('dump', () => {
  it("drops managedFields and kubectl's last-applied-configuration, keeps other annotations", () => {
    const [pod] = dumpList([
      {
        origin: 'cluster',
        object: {
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: {
            name: 'curl',
            namespace: 'test',
            managedFields: [{ manager: 'kubectl' }],
            resourceVersion: '42',
            annotations: {
              'kubectl.kubernetes.io/last-applied-configuration': '{"apiVersion":"v1","kind":"Pod"}',
              'ambient.istio.io/redirection': 'enabled',
            },
          },
        },
      },
    ]).items as { metadata: Record<string, unknown> }[];
    expect(pod.metadata).toEqual({
      name: 'curl',
      namespace: 'test',
      annotations: { 'ambient.istio.io/redirection': 'enabled' },
    });
  });

  it('drops the annotations map when last-applied-configuration was all it held', () => {
    const [ns] = dumpList([
      {
        origin: 'cluster',
        object: {
          apiVersion: 'v1',
          kind: 'Namespace',
          metadata: { name: 'test', annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{}' } },
        },
      },
    ]).items as { metadata: Record<string, unknown> }[];
    expect(ns.metadata).toEqual({ name: 'test' });
  });
});

describe('fix manifests', () => {
  it('leave out matchExpressions: [] and matchLabels: {} (a selector means the same without them)', () => {
    const policy = {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'x', namespace: 'hello' },
      spec: {
        podSelector: { matchLabels: { app: 'helloworld' }, matchExpressions: [] },
        ingress: [{ from: [{ namespaceSelector: { matchLabels: {}, matchExpressions: [] } }] }],
        // Empty lists elsewhere mean something ("no ingress allowed") and stay.
        egress: [],
      },
    };
    expect(withoutEmptySelectorParts(policy)).toEqual({
      ...policy,
      spec: {
        podSelector: { matchLabels: { app: 'helloworld' } },
        ingress: [{ from: [{ namespaceSelector: {} }] }],
        egress: [],
      },
    });
    const text = printedRemedy({ title: 't', apply: [policy] }).manifests;
    expect(text).not.toContain('matchExpressions');
    expect(parse(text).spec.ingress[0].from[0].namespaceSelector).toEqual({});
  });

  it('are named after the labels they select, not after one pod of them', () => {
    const pod = {
      meta: { name: 'helloworld-v1-7d9f8c6b5-abcde', namespace: 'hello', labels: { app: 'helloworld', version: 'v1' } },
      owner: { kind: 'ReplicaSet', name: 'helloworld-v1-7d9f8c6b5' },
    } as unknown as PodFact;
    // The Service's selector picks v1 and v2: the name must not say v1.
    expect(targetName(fixTarget(pod, { app: 'helloworld' }))).toBe('helloworld');
    expect(targetName(fixTarget(pod))).toBe('helloworld-v1');
  });
});

describe('proving a fix on a copy of the input', () => {
  it('changes the copy of an object the snapshot uses: the last one when the input has it twice (AD904)', () => {
    const ns = (labels: Record<string, string>, origin: string) => ({
      origin,
      object: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'hello', labels } },
    });
    const objects = [ns({ a: '1' }, 'base.yaml'), ns({ b: '2' }, 'scenario.yaml')];
    const change = {
      apply: [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'hello', labels: { c: '3' } } }],
    };
    const after = buildSnapshot(applyChange(objects, { ...change, delete: [] }), 'files');
    const labels = after.namespaces.get('hello')?.meta.labels ?? {};
    expect(labels).toMatchObject({ b: '2', c: '3' });
    expect(labels.a).toBeUndefined();
  });
});
