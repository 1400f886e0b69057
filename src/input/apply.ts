// What `kubectl apply` would make of the objects: an object with the same kind, namespace and name
// is merged (maps merged key by key, lists and scalars replaced, null removes a key); other objects
// are added; deletions remove. Used to prove a fix on a copy of the input, never on the cluster.
import type { SourcedObject } from './files.js';

export interface ObjectChange {
  apply: Record<string, unknown>[];
  delete: { kind: string; namespace?: string; name: string }[];
}

const keyOf = (kind: unknown, namespace: unknown, name: unknown) =>
  `${String(kind)}/${String(namespace ?? '')}/${String(name)}`;

function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function mergeObject(base: unknown, patch: unknown): unknown {
  if (!isMap(base) || !isMap(patch)) return structuredClone(patch);
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = k in base ? mergeObject(base[k], v) : structuredClone(v);
  }
  return out;
}

export function applyChange(objects: SourcedObject[], change: ObjectChange): SourcedObject[] {
  const deleted = new Set(change.delete.map((d) => keyOf(d.kind, d.namespace, d.name)));
  const out = objects.filter(
    (o) => !deleted.has(keyOf(o.object.kind, o.object.metadata?.namespace, o.object.metadata?.name)),
  );
  for (const m of change.apply) {
    const meta = (m.metadata ?? {}) as { name?: string; namespace?: string };
    const key = keyOf(m.kind, meta.namespace, meta.name);
    // The last copy is the one the snapshot uses (AD904): the change lands on it.
    let i = out.length - 1;
    while (i >= 0 && keyOf(out[i].object.kind, out[i].object.metadata?.namespace, out[i].object.metadata?.name) !== key)
      i--;
    if (i >= 0) out[i] = { ...out[i], object: mergeObject(out[i].object, m) as SourcedObject['object'] };
    else out.push({ object: structuredClone(m) as SourcedObject['object'], origin: 'fix' });
  }
  return out;
}

/** What the API server sets and keeps itself: a printed object leaves it out. */
const SERVER_METADATA = [
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'managedFields',
  'selfLink',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
];
const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/** An object as a user would write it: without status, server-managed metadata and kubectl's last-applied copy. */
export function withoutServerFields(object: Record<string, unknown>): Record<string, unknown> {
  const { status: _status, ...rest } = structuredClone(object);
  const meta = isMap(rest.metadata) ? rest.metadata : {};
  for (const key of SERVER_METADATA) delete meta[key];
  if (isMap(meta.annotations)) {
    delete meta.annotations[LAST_APPLIED];
    if (Object.keys(meta.annotations).length === 0) delete meta.annotations;
  }
  return rest;
}

/**
 * The complete object a manifest leaves behind: the existing one (last copy) with the manifest applied,
 * or the manifest itself when the object is new. Printed whole, `kubectl apply` gives the same object
 * whether the live one was made by create, by apply (its last-applied copy omits nothing printed) or by
 * server-side apply under another manager.
 */
export function objectAfter(objects: SourcedObject[], manifest: Record<string, unknown>): Record<string, unknown> {
  const meta = (manifest.metadata ?? {}) as { name?: string; namespace?: string };
  const key = keyOf(manifest.kind, meta.namespace, meta.name);
  const existing = [...objects]
    .reverse()
    .find((o) => keyOf(o.object.kind, o.object.metadata?.namespace, o.object.metadata?.name) === key);
  return withoutServerFields(existing ? (mergeObject(existing.object, manifest) as Record<string, unknown>) : manifest);
}
