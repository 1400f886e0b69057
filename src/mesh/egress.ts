// §9: egress reaches the egress waypoint only when ztunnel sees the ServiceEntry's VIP. That
// needs an address (spec.addresses, or one allocated in status) and, for clients that resolve
// the host by name, DNS capture.
import type { MeshSettings, PodFact, ServiceEntryFact } from '../snapshot/types.js';
import { ANNOTATION_DNS_CAPTURE } from './constants.js';
import { olderThan } from './versions.js';

/** Why this client bypasses the egress waypoint, or undefined when it does not. */
export function egressBypassReason(
  client: PodFact,
  entry: ServiceEntryFact,
  addressedByIp: boolean,
  mesh: MeshSettings,
): string | undefined {
  const entryName = `ServiceEntry ${entry.meta.namespace}/${entry.meta.name}`;
  const hasVip = entry.addresses.length > 0 || entry.statusAddresses.length > 0;
  const annotation = client.meta.annotations[ANNOTATION_DNS_CAPTURE];
  // §9: istio-cni captures DNS by default from 1.25; an older release (when known) does not.
  const dnsCapture =
    annotation !== undefined ? annotation === 'true' : (mesh.dnsCapture ?? !olderThan(mesh.istioVersion, '1.25'));
  if (entry.resolution === 'NONE' && !entry.addresses.length)
    return `${entryName} has resolution NONE, so no VIP is allocated`;
  if (!hasVip) {
    return (
      `${entryName} has no spec.addresses and no allocated status.addresses (auto-allocation is off before 1.25 ` +
      `or disabled)`
    );
  }
  if (addressedByIp || dnsCapture) return undefined;
  const why =
    annotation !== undefined
      ? `annotation ${ANNOTATION_DNS_CAPTURE}=${annotation}`
      : 'istio-cni AMBIENT_DNS_CAPTURE=false';
  return (
    `DNS capture is off for Pod ${client.meta.namespace}/${client.meta.name} (${why}), so the client resolves ` +
    `the real IP`
  );
}
