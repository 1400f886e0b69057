// Where the test API server binary is, and why the live tests would have to be skipped.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

export const TESTENV_BIN = join(import.meta.dirname, '..', '..', '.testenv', 'bin', 'k8s-testenv');

/** Istio's and Gateway API's own CRDs, extracted from the pinned modules by scripts/istiod-build.sh. */
export const REAL_CRDS = join(import.meta.dirname, '..', '..', '.testenv', 'crds');
export const PILOT_DISCOVERY_BIN = join(import.meta.dirname, '..', '..', '.testenv', 'bin', 'pilot-discovery');
/** The xDS client that poses as a proxy (test/istiod/xds), built by scripts/istiod-build.sh. */
export const XDS_BIN = join(import.meta.dirname, '..', '..', '.testenv', 'bin', 'xds');

export function liveSkipReason(): string {
  if (!existsSync(TESTENV_BIN))
    return `${TESTENV_BIN} is not built (needs Go; run scripts/testenv-build.sh, which .ci/run always does)`;
  if (!existsSync(join(REAL_CRDS, 'istio.yaml')))
    return `${REAL_CRDS} is missing (needs Go; run scripts/istiod-build.sh, which .ci/run always does)`;
  return '';
}

/** The real CRD files, Istio's first; the AdminNetworkPolicy CRDs are in neither module (hand-written). */
export function crdFiles(): string[] {
  return [
    join(REAL_CRDS, 'istio.yaml'),
    ...readdirSync(REAL_CRDS)
      .filter((f) => f.startsWith('gateway-api-'))
      .sort()
      .map((f) => join(REAL_CRDS, f)),
    join(import.meta.dirname, 'crds', 'network-policy-api.yaml'),
  ];
}
