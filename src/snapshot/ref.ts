// A reference to a Kubernetes object, as a value: built once where the object is known, shown
// as "Kind namespace/name" (or "Kind name" for cluster-scoped kinds) and never parsed back.
import type { ObjectMeta } from './types.js';

export interface ObjectRef {
  kind: string;
  namespace?: string;
  name: string;
  /** The file the object was read from (file input only). */
  origin?: string;
}

// Origins that name no file: live objects, objects a proof applied.
const NOT_A_FILE = new Set(['cluster', 'fix', '']);

type RefMeta = Pick<ObjectMeta, 'name' | 'namespace'> & { origin?: string };

export function refTo(kind: string, meta: RefMeta): ObjectRef {
  const ref: ObjectRef = meta.namespace
    ? { kind, namespace: meta.namespace, name: meta.name }
    : { kind, name: meta.name };
  if (meta.origin && !NOT_A_FILE.has(meta.origin)) ref.origin = meta.origin;
  return ref;
}

export const namespaceRef = (name: string): ObjectRef => ({ kind: 'Namespace', name });
export const podRef = (pod: { meta: RefMeta }): ObjectRef => refTo('Pod', pod.meta);

export function refText(ref: ObjectRef): string {
  return ref.namespace ? `${ref.kind} ${ref.namespace}/${ref.name}` : `${ref.kind} ${ref.name}`;
}
