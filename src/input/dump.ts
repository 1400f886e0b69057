// What `dump` writes: the objects a live read used, as one `kind: List` that -f reads back.
import { dump as toYaml } from 'js-yaml';
import type { SourcedObject } from './files.js';

/** Drops server bookkeeping the diagnosis never reads, so the file stays readable. */
export function dumpList(objects: SourcedObject[]): { apiVersion: 'v1'; kind: 'List'; items: unknown[] } {
  const items = objects.map(({ object }) => {
    const { managedFields: _m, resourceVersion: _r, uid: _u, generation: _g, ...metadata } = object.metadata ?? {};
    return { ...object, metadata };
  });
  return { apiVersion: 'v1', kind: 'List', items };
}

export function renderDump(objects: SourcedObject[], format: 'yaml' | 'json'): string {
  const list = dumpList(objects);
  return format === 'json' ? `${JSON.stringify(list, null, 2)}\n` : toYaml(list, { lineWidth: -1, noRefs: true });
}
