// Hostile values planted in scenarios without changing what the scenarios mean: every name the
// cluster lets a user choose (object names, namespaces, service accounts, label values) gets a
// suffix, the same suffix wherever that name appears (selectors, principals, hosts, arguments), so
// the same findings and fixes come out, now carrying the hostile text. Names Istio gives a meaning
// (istio-system, the istio ConfigMaps, default) are left alone.
import type { SourcedObject } from '../../src/input/files.js';
import type { Scenario } from './scenarios.js';

const RESERVED = new Set([
  'default',
  'istio-system',
  'kube-system',
  'istio',
  'istio-cni-config',
  'cilium-config',
  'istio-waypoint',
  'istiod',
  'ztunnel',
  'istio-cni-node',
  'waypoint',
  'ambient',
  'true',
  'false',
  'enabled',
  'disabled',
  'none',
  'all',
  'service',
  'workload',
]);

/** Where a name ends inside a longer value: hosts, principals, `ns/name`, `name:port`, `k=v`. */
const DELIMITER = /([./:=,\s[\]@]+)/;

function chosenNames(objects: SourcedObject[]): Set<string> {
  const names = new Set<string>();
  const add = (v: unknown) => {
    if (typeof v === 'string' && v.length > 0 && !RESERVED.has(v) && !v.includes('.') && !v.includes('/')) names.add(v);
  };
  for (const { object: o } of objects) {
    add(o?.metadata?.name);
    add(o?.metadata?.namespace);
    add(o?.spec?.serviceAccountName);
    for (const v of Object.values(o?.metadata?.labels ?? {})) add(v);
  }
  return names;
}

/** The value with each chosen name replaced by `taint(name)`. */
function retext(value: string, names: Set<string>, taint: (name: string) => string): string {
  return value
    .split(DELIMITER)
    .map((part) => (names.has(part) ? taint(part) : part))
    .join('');
}

function rewrite(value: unknown, names: Set<string>, taint: (name: string) => string): unknown {
  if (typeof value === 'string') return retext(value, names, taint);
  if (Array.isArray(value)) return value.map((v) => rewrite(v, names, taint));
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  // Keys are rewritten too (a matchLabels key is a label key, never a chosen name, so it stays).
  for (const [k, v] of Object.entries(value)) out[retext(k, names, taint)] = rewrite(v, names, taint);
  return out;
}

/**
 * The scenario with every chosen name tainted, consistently across objects, arguments and flags; with
 * `keepArguments`, the names the arguments use stay as they are.
 */
export function taintScenario(s: Scenario, taint: (name: string) => string, keepArguments = false): Scenario {
  const names = chosenNames(s.objects);
  // The CLI checks the names it is given (DNS labels), so the asked ends keep theirs when told to.
  if (keepArguments)
    for (const a of [...s.args, s.flags.namespace ?? '']) for (const part of a.split(DELIMITER)) names.delete(part);
  const re = (v: string) => retext(v, names, taint);
  return {
    ...s,
    args: s.args.map(re),
    flags: {
      ...s.flags,
      ...(s.flags.namespace ? { namespace: re(s.flags.namespace) } : {}),
    },
    objects: s.objects.map((o) => ({ ...o, object: rewrite(o.object, names, taint) as SourcedObject['object'] })),
  };
}
