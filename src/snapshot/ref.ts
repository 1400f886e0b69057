// A reference to a Kubernetes object, as a value: built once where the object is known, shown
// as "Kind namespace/name" (or "Kind name" for cluster-scoped kinds) and never parsed back.
import type { ObjectMeta } from './types.js';

export interface ObjectRef {
  kind: string;
  namespace?: string;
  name: string;
}

export function refTo(kind: string, meta: Pick<ObjectMeta, 'name' | 'namespace'>): ObjectRef {
  return meta.namespace ? { kind, namespace: meta.namespace, name: meta.name } : { kind, name: meta.name };
}

export const namespaceRef = (name: string): ObjectRef => ({ kind: 'Namespace', name });
export const podRef = (pod: { meta: Pick<ObjectMeta, 'name' | 'namespace'> }): ObjectRef => refTo('Pod', pod.meta);

export function refText(ref: ObjectRef): string {
  return ref.namespace ? `${ref.kind} ${ref.namespace}/${ref.name}` : `${ref.kind} ${ref.name}`;
}
