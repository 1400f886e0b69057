// §1.2: a networking.istio.io Sidecar resource configures sidecar proxies. An ambient pod has none, so a Sidecar
// that selects only ambient pods changes nothing (istioctl IST0167, I:pkg/config/analysis/analyzers/sidecar/
// selector.go). One in the root namespace without a selector is the mesh's default for sidecars: not judged.
import type { PodFact, SidecarResourceFact } from '../snapshot/types.js';
import { mapSelectorMatches } from './labels.js';
import type { DataplaneMode } from './enrollment.js';

/** The ambient pods a Sidecar selects, when it selects no pod that runs a sidecar; undefined otherwise. */
export function ambientOnlySelection(
  sidecar: SidecarResourceFact,
  pods: PodFact[],
  rootNamespace: string,
  modeOf: (pod: PodFact) => DataplaneMode,
): PodFact[] | undefined {
  const ns = sidecar.meta.namespace;
  if (ns === rootNamespace && !sidecar.selector) return undefined;
  const selected = pods.filter(
    (p) => p.meta.namespace === ns && (!sidecar.selector || mapSelectorMatches(sidecar.selector, p.meta.labels)),
  );
  const modes = selected.map(modeOf);
  if (selected.length === 0 || modes.some((m) => m !== 'ambient')) return undefined;
  return selected;
}
