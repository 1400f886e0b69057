// §4.6, §7, §1.1, §11 (evidence): when the ConfigMaps that hold the mesh's settings could not be
// read, Istio's defaults are assumed (trust domain, root namespace, istio-cni's probe addresses and
// excluded namespaces, its version). The question is asked again with each setting otherwise; when
// any changes the answer the verdict is unknown, else it stands and names what it assumed.
import type { Snapshot } from '../../snapshot/types.js';
import type { Manifest } from '../../findings/finding.js';
import {
  CNI_CONFIGMAP,
  CNI_KEY_EXCLUDE_NAMESPACES,
  CNI_KEY_PROBE_SNAT_IPV4,
  CNI_KEY_PROBE_SNAT_IPV6,
  MESH_CONFIGMAP_PREFIX,
} from '../../mesh/constants.js';
import type { Asked } from '../fixes/proof.js';

const configMap = (name: string, data: Record<string, string>): Manifest => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: 'istio-system' },
  data,
});

/** Each setting a ConfigMap could hold, set to something other than the default, with its words. */
function otherSettings(snapshot: Snapshot, onPath: string[]): { what: string; change: Manifest }[] {
  const m = snapshot.mesh;
  return [
    {
      what: `a trust domain other than ${m.trustDomain}`,
      change: configMap(MESH_CONFIGMAP_PREFIX, { mesh: 'trustDomain: assumed-otherwise.example\n' }),
    },
    {
      what: `a root namespace other than ${m.rootNamespace}`,
      change: configMap(MESH_CONFIGMAP_PREFIX, { mesh: 'rootNamespace: assumed-otherwise-root\n' }),
    },
    {
      what: "istio-cni's probe source addresses set otherwise",
      change: configMap(CNI_CONFIGMAP, {
        [CNI_KEY_PROBE_SNAT_IPV4]: '169.254.7.1',
        [CNI_KEY_PROBE_SNAT_IPV6]: 'fd16:9254:7127:1337::1',
      }),
    },
    {
      what: `istio-cni excluding namespace ${[...new Set(onPath)].join(', ')}`,
      change: configMap(CNI_CONFIGMAP, { [CNI_KEY_EXCLUDE_NAMESPACES]: [...new Set(onPath)].join(',') }),
    },
    ...['1.24.0', '1.28.0', '1.30.0'].map((version) => ({
      what: `Istio ${version}`,
      change: configMap(CNI_CONFIGMAP, { CURRENT_AGENT_VERSION: version }),
    })),
  ];
}

/** unknown: why the verdict cannot stand on the defaults; undefined when no other setting changes it. */
export function checkAssumedSettings(
  snapshot: Snapshot,
  onPath: string[],
  answer: Asked,
  ask: (s: Snapshot) => Asked,
): string | undefined {
  if (!snapshot.gaps.some((g) => g.resource === 'configmaps') || answer.outcome === 'unknown') return undefined;
  for (const { what, change } of otherSettings(snapshot, onPath)) {
    const asked = ask(snapshot.withChange({ apply: [change], delete: [] }));
    if (asked.outcome !== answer.outcome)
      return (
        `ConfigMaps could not be read (forbidden), and the answer depends on them: with ${what} it would be ` +
        `${asked.outcome}, not ${answer.outcome}.`
      );
  }
  return undefined;
}
