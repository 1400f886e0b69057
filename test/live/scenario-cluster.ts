// Puts one scenario's objects into the live test cluster, replacing the previous scenario's.
// Adaptations, none of which changes what the tool reads: containers get an image (the API
// requires one), owner references get a uid and apiVersion, status is written through the
// status subresource, namespaces are relabelled instead of deleted (nothing finalizes them
// without controller-manager), and objects with creationTimestamp are created in that order,
// more than a second apart, so "the oldest wins" holds as offline.
import { isDeepStrictEqual } from 'node:util';
import type { SourcedObject } from '../../src/input/files.js';
import { FIXTURE_KINDS, TestWriter } from './cluster.js';
import { EVIDENCE_KIND } from '../../src/input/evidence.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const SYSTEM_NAMESPACES = new Set(['kube-system', 'kube-public', 'kube-node-lease']);

function withImages(spec: any): any {
  if (!spec) return spec;
  const fix = (list: any[] | undefined) => list?.map((c) => ({ image: 'registry.invalid/app:1', ...c }));
  return {
    ...spec,
    containers: fix(spec.containers) ?? [{ name: 'app', image: 'registry.invalid/app:1' }],
    ...(spec.initContainers ? { initContainers: fix(spec.initContainers) } : {}),
  };
}

export function prepare(obj: any): any {
  const { status: _status, ...rest } = obj;
  const metadata = { ...(obj.metadata ?? {}) };
  delete metadata.creationTimestamp;
  if (!metadata.namespace && !['Namespace', 'AdminNetworkPolicy', 'BaselineAdminNetworkPolicy'].includes(obj.kind))
    metadata.namespace = 'default';
  if (metadata.ownerReferences) {
    metadata.ownerReferences = metadata.ownerReferences.map((o: any, i: number) => ({
      apiVersion: o.apiVersion ?? 'apps/v1',
      uid: o.uid ?? `00000000-0000-0000-0000-${String(i + 1).padStart(12, '0')}`,
      ...o,
    }));
  }
  const out: any = { ...rest, metadata };
  if (obj.kind === 'Pod') out.spec = withImages(obj.spec);
  if (obj.spec?.template?.spec)
    out.spec = { ...obj.spec, template: { ...obj.spec.template, spec: withImages(obj.spec.template.spec) } };
  if (obj.kind === 'Service' && !obj.spec?.ports?.length && obj.spec?.clusterIP !== 'None')
    out.spec = { ...obj.spec, ports: [{ port: 80 }] };
  return out;
}

export class ScenarioCluster {
  private readonly namespaces = new Set<string>();

  constructor(readonly writer: TestWriter) {}

  /** The cluster's namespaces and their metadata, as the last reset listed them. */
  private listed = new Map<string, any>();

  private async reset(): Promise<void> {
    // Cluster-scoped admin policies of the previous scenario.
    for (const kind of ['AdminNetworkPolicy', 'BaselineAdminNetworkPolicy']) await this.writer.deleteAll(kind, '');
    // Other test files may have loaded fixtures into the same cluster: clear every namespace but the system ones,
    // one list per kind across the cluster.
    const all = await this.writer.request('GET', '/api/v1/namespaces');
    this.listed = new Map((all.body.items ?? []).map((ns: any) => [ns.metadata.name, ns]));
    for (const name of this.listed.keys()) if (!SYSTEM_NAMESPACES.has(name)) this.namespaces.add(name);
    // A system namespace a scenario wrote into is cleared like the others.
    const keep = new Set([...SYSTEM_NAMESPACES].filter((ns) => !this.namespaces.has(ns)));
    const held = await Promise.all(FIXTURE_KINDS.map((k) => this.writer.deleteEverywhereBut(k, keep)));
    // Wait until the pods are gone, so a pod by the same name can be created again.
    if (held[FIXTURE_KINDS.indexOf('Pod')].size === 0) return;
    for (let i = 0; i < 100; i++) {
      const r = await this.writer.request('GET', '/api/v1/pods');
      if (!(r.body.items ?? []).some((p: any) => !keep.has(p.metadata.namespace))) break;
      await sleep(100);
    }
  }

  async load(objects: SourcedObject[]): Promise<void> {
    await this.reset();
    // What a dump carries besides objects (RuntimeEvidence) is no cluster object.
    const raw: any[] = objects.map((o) => o.object).filter((o) => o.kind !== EVIDENCE_KIND);
    const namespaceObjects = new Map(raw.filter((o) => o.kind === 'Namespace').map((o) => [o.metadata.name, o]));
    const wanted = new Set<string>([
      ...namespaceObjects.keys(),
      ...raw
        .filter((o) => !['Namespace', 'AdminNetworkPolicy', 'BaselineAdminNetworkPolicy'].includes(o.kind))
        .map((o) => o.metadata?.namespace ?? 'default'),
    ]);
    // Every namespace the cluster has from earlier scenarios is reset to this scenario's labels.
    for (const ns of new Set([...this.namespaces, ...wanted])) {
      const spec = namespaceObjects.get(ns);
      const labels = { ...(spec?.metadata?.labels ?? {}), 'kubernetes.io/metadata.name': ns };
      const annotations = spec?.metadata?.annotations ?? {};
      const current = this.listed.get(ns);
      if (!current) {
        await this.writer.must('POST', '/api/v1/namespaces', {
          apiVersion: 'v1',
          kind: 'Namespace',
          metadata: { name: ns, labels, annotations },
        });
      } else if (
        !isDeepStrictEqual([current.metadata.labels ?? {}, current.metadata.annotations ?? {}], [labels, annotations])
      ) {
        await this.writer.must('PUT', `/api/v1/namespaces/${ns}`, {
          ...current,
          metadata: { ...current.metadata, labels, annotations },
        });
      }
      this.namespaces.add(ns);
    }
    const clusterScoped = new Set(['AdminNetworkPolicy', 'BaselineAdminNetworkPolicy']);
    const others = raw
      .filter((o) => o.kind !== 'Namespace')
      .map((o) => (clusterScoped.has(o.kind) ? { ...o, metadata: { ...o.metadata, namespace: undefined } } : o));
    const timed = others
      .filter((o) => o.metadata?.creationTimestamp)
      .sort((a, b) => String(a.metadata.creationTimestamp).localeCompare(String(b.metadata.creationTimestamp)));
    const untimed = others.filter((o) => !o.metadata?.creationTimestamp);
    await Promise.all(untimed.map((o) => this.writer.createOrReplace(prepare(o))));
    for (const [i, o] of timed.entries()) {
      if (i > 0) await sleep(1100);
      await this.writer.createOrReplace(prepare(o));
    }
    await Promise.all(
      others
        .filter((o) => o.status && Object.keys(o.status).length > 0)
        .map((o) => this.writer.patchStatus(withRequiredConditionFields(o))),
    );
  }
}

/**
 * Gateway API's real CRDs require lastTransitionTime, reason and message on every status condition
 * (metav1.Condition); scenarios write only what the tool reads. Filled in where absent.
 */
function withRequiredConditionFields(o: any): any {
  if (!String(o.apiVersion ?? '').startsWith('gateway.networking.k8s.io/')) return o;
  const fill = (conditions: any[] | undefined) =>
    conditions?.map((c) => ({
      lastTransitionTime: '2026-01-01T00:00:00Z',
      reason: c.status === 'True' ? c.type : 'Pending',
      message: '',
      ...c,
    }));
  const status = { ...o.status, conditions: fill(o.status.conditions) };
  if (Array.isArray(status.listeners))
    status.listeners = status.listeners.map((l: any) => ({ ...l, conditions: fill(l.conditions) ?? [] }));
  return { ...o, status };
}
