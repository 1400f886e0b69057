// Istio's mesh config (the `mesh` key of ConfigMap istio or istio-<revision>), read in one place for
// both readers: the snapshot's settings (normalize.ts) and the live read's follow-up reads (cluster.ts).
// [I:pkg/config/mesh/mesh.go ApplyMeshConfig; manifests/charts/istio-control/istio-discovery/templates/configmap.yaml]
import type { MeshSettings } from '../snapshot/types.js';
import { MESH_CONFIGMAP_PREFIX } from '../mesh/constants.js';
import { loadYamlDocuments } from './yaml.js';

/** istiod reads its mesh config from ConfigMap `istio`, or `istio-<revision>` for a revision. */
export const isMeshConfigMap = (name: string): boolean =>
  name === MESH_CONFIGMAP_PREFIX || name.startsWith(`${MESH_CONFIGMAP_PREFIX}-`);

export interface MeshConfigFacts {
  rootNamespace: string;
  trustDomain?: string;
  outboundTrafficPolicy?: string;
  extensionProviders: NonNullable<MeshSettings['extensionProviders']>;
}

/**
 * The settings the tool reads from a mesh config; undefined when it is not YAML (Istio's defaults then
 * apply). §4.6: without rootNamespace the chart's value is the namespace istiod runs in, the ConfigMap's.
 */
export function readMeshConfig(text: string, configMapNamespace: string, where: string): MeshConfigFacts | undefined {
  let mesh: any;
  try {
    const parsed = loadYamlDocuments(text, where)[0];
    mesh = parsed && typeof parsed === 'object' ? parsed : {};
  } catch {
    return undefined;
  }
  return {
    rootNamespace: mesh.rootNamespace ? String(mesh.rootNamespace) : configMapNamespace,
    ...(mesh.trustDomain ? { trustDomain: String(mesh.trustDomain) } : {}),
    ...(mesh.outboundTrafficPolicy?.mode ? { outboundTrafficPolicy: String(mesh.outboundTrafficPolicy.mode) } : {}),
    extensionProviders: (Array.isArray(mesh.extensionProviders) ? mesh.extensionProviders : [])
      .filter((p: any) => p && typeof p === 'object')
      .map((p: any) => {
        const authz = p.envoyExtAuthzHttp ?? p.envoyExtAuthzGrpc;
        return {
          name: String(p.name ?? ''),
          kind: p.envoyExtAuthzHttp ? 'ext_authz_http' : p.envoyExtAuthzGrpc ? 'ext_authz_grpc' : 'other',
          ...(authz?.service ? { service: String(authz.service) } : {}),
          ...(authz?.failOpen === true ? { failOpen: true } : {}),
        };
      }),
  };
}
