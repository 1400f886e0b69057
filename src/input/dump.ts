// What `dump` writes: the objects a live read used, as one `kind: List` that -f reads back.
import { dump as toYaml } from 'js-yaml';
import { compareText } from '../order.js';
import type { SourcedObject } from './files.js';

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

// Live reads finish in any order; the dump is sorted so the same cluster gives the same file:
// Namespaces first, then by kind, namespace and name.
function dumpKey({ object }: SourcedObject): string {
  const rank = object.kind === 'Namespace' ? 0 : 1;
  return `${rank}/${object.kind}/${object.metadata?.namespace ?? ''}/${object.metadata?.name ?? ''}`;
}

/** Drops server bookkeeping the diagnosis never reads, so the file stays readable. */
export function dumpList(objects: SourcedObject[]): { apiVersion: 'v1'; kind: 'List'; items: unknown[] } {
  const items = [...objects]
    .sort((a, b) => compareText(dumpKey(a), dumpKey(b)))
    .map(({ object }) => {
      const { managedFields: _m, resourceVersion: _r, uid: _u, generation: _g, ...metadata } = object.metadata ?? {};
      // kubectl apply's copy of the whole object doubles the file and is never read.
      const { [LAST_APPLIED]: _l, ...annotations } = (metadata.annotations ?? {}) as Record<string, string>;
      if (metadata.annotations) {
        if (Object.keys(annotations).length > 0) metadata.annotations = annotations;
        else delete metadata.annotations;
      }
      return { ...object, metadata };
    });
  return { apiVersion: 'v1', kind: 'List', items };
}

export function renderDump(objects: SourcedObject[], format: 'yaml' | 'json'): string {
  const list = dumpList(objects);
  return format === 'json' ? `${JSON.stringify(list, null, 2)}\n` : toYaml(list, { lineWidth: -1, noRefs: true });
}
