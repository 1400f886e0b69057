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
