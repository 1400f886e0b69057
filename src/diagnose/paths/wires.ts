// What the routes share: how a network hop starts out, and what a stalled dial looks like.
import { ZTUNNEL_CONNECT_TIMEOUT_SECONDS } from '../../mesh/constants.js';
import type { Wire } from '../hops/wire.js';
import type { Hop } from '../report.js';

export const T = ZTUNNEL_CONNECT_TIMEOUT_SECONDS;
/** What a stalled HBONE dial looks like from the source ztunnel (§5, §8). */
export const SOURCE_ZTUNNEL_STALLS: Wire['consequence'] = {
  egress:
    ` The source ztunnel stalls for its ${T} s connect timeout and logs "maybe a NetworkPolicy is blocking HBONE ` +
    `port 15008".`,
  ingress: ` The source ztunnel gives up after ${T} s.`,
};
export const PLAINTEXT: Wire['consequence'] = { egress: '', ingress: '' };

export const networkHop = (from: string, to: string, port: number, protocol: Hop['protocol']): Hop => ({
  from,
  to,
  port,
  protocol,
  result: 'pass',
  layer: 'network',
  evidence: [],
});

/** The route's hops for one source and (for in-cluster routes) one destination pod. */
