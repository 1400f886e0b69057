// §4.2, §4.7: the SPIFFE identity (without the spiffe:// prefix, as ztunnel compares it) that a
// workload presents, and the one a waypoint presents on its hop to the destination.
import type { GatewayFact, PodFact } from '../snapshot/types.js';
import { waypointServiceAccount } from './waypoints.js';

export function identityOf(pod: PodFact, trustDomain: string): string {
  return `${trustDomain}/ns/${pod.meta.namespace}/sa/${pod.serviceAccount}`;
}

export function waypointIdentity(gateway: GatewayFact, trustDomain: string): string {
  return `${trustDomain}/ns/${gateway.meta.namespace}/sa/${waypointServiceAccount(gateway)}`;
}
