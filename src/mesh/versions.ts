// Which Istio release the rules that differ by version assume (issue 16): read from the components'
// images, the istio-cni ConfigMap, or ztunnel's own config dump, and said with where it was read.
import type { PodFact, Snapshot } from '../snapshot/types.js';

export interface ReadVersion {
  version: string;
  /** Where it was read, e.g. "image docker.io/istio/ztunnel:1.29.1 of istio-system/ztunnel-aaaaa". */
  from: string;
}

const TAG = /:(\d+\.\d+(?:\.\d+)?)(?:[-@]|$)/;

export function versionOfImage(image: string | undefined): string | undefined {
  return image?.match(TAG)?.[1];
}

/** True when `version` is known and older than `than` ("1.24"); unknown versions are not older. */
export function olderThan(version: string | undefined, than: string): boolean {
  if (!version) return false;
  const [a = 0, b = 0] = version.split('.').map(Number);
  const [c = 0, d = 0] = than.split('.').map(Number);
  return a < c || (a === c && b < d);
}

function ofPod(pod: PodFact): ReadVersion | undefined {
  for (const c of pod.containers) {
    const version = versionOfImage(c.image);
    if (version) return { version, from: `image ${c.image} of ${pod.meta.namespace}/${pod.meta.name}` };
  }
  return undefined;
}

/** The ztunnel on a node (or any ztunnel when the node is unknown), by its image. */
export function ztunnelVersion(snapshot: Snapshot, node?: string): ReadVersion | undefined {
  const onNode = node ? snapshot.ztunnels.filter((z) => z.nodeName === node) : [];
  for (const z of [...onNode, ...snapshot.ztunnels]) {
    const v = ofPod(z);
    if (v) return v;
  }
  return undefined;
}

export interface IstioVersionFact {
  /** The release the version-dependent rules assume; absent when nothing in the input shows it. */
  version?: string;
  from: string;
  /** ztunnel releases by image, when they differ from the control plane's. */
  ztunnel?: string[];
}

/** The release the rules that differ by version assume (dry-run §4.4, DNS capture §9, log texts §2.5). */
export function istioVersionOf(snapshot: Snapshot): IstioVersionFact {
  const { istioVersion, istioVersionFrom } = snapshot.mesh;
  const ztunnel = [...new Set(snapshot.ztunnels.map((z) => ofPod(z)?.version).filter((v): v is string => !!v))];
  const differing = ztunnel.filter((v) => v !== istioVersion);
  return {
    ...(istioVersion ? { version: istioVersion } : {}),
    from: istioVersion
      ? (istioVersionFrom ?? 'the input')
      : 'nothing in the input shows it (istio-cni ConfigMap, istiod or ztunnel image): the newest rules apply',
    ...(differing.length ? { ztunnel: ztunnel.sort() } : {}),
  };
}
