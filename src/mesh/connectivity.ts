// Allowed connections between every pair of workloads (and external IPv4 ranges) under
// Kubernetes NetworkPolicy: the base of a reachability matrix. Port and address spaces are cut
// at every boundary a policy mentions, so one query per piece decides the whole piece.
import ipaddr from 'ipaddr.js';
import type { PodFact, Snapshot } from '../snapshot/types.js';
import {
  evaluateNetworkPolicy,
  indexNetworkPolicies,
  peerMatches,
  NETWORK_POLICY_SOURCE_KEY,
  type NetEndpoint,
} from './network-policy.js';

export const PROTOCOLS = ['SCTP', 'TCP', 'UDP'] as const;
const MAX_PORT = 65535;
const MAX_IP = 2 ** 32 - 1;

export interface Peer {
  /** `ns/name[Kind]` for workloads, `a.b.c.d-e.f.g.h[External]` for address ranges. */
  name: string;
  pod?: PodFact;
  /** For external ranges: any address inside the range. */
  ip?: string;
}

/** Port ranges per protocol, inclusive, merged. */
export type ConnectionSet = Record<(typeof PROTOCOLS)[number], [number, number][]>;

export function workloadName(pod: PodFact): string {
  const owner = pod.owner;
  return owner ? `${pod.meta.namespace}/${owner.name}[${owner.kind}]` : `${pod.meta.namespace}/${pod.meta.name}[Pod]`;
}

const ipToInt = (ip: string) =>
  ipaddr.IPv4.parse(ip)
    .toByteArray()
    .reduce((n, b) => n * 256 + b, 0);
const intToIp = (n: number) => [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');

/** The coarsest split of the IPv4 space that every ipBlock (cidr and except) of one direction respects. */
export function externalRanges(snapshot: Snapshot, direction: 'ingress' | 'egress'): Peer[] {
  const cuts = new Set<number>([0, MAX_IP + 1]);
  const range = (cidr: string): [number, number] | undefined => {
    if (!ipaddr.isValidCIDR(cidr)) return undefined;
    const [addr, len] = ipaddr.parseCIDR(cidr);
    if (addr.kind() !== 'ipv4') return undefined;
    const size = 2 ** (32 - len);
    const start = Math.floor(ipToInt(addr.toString()) / size) * size;
    return [start, start + size - 1];
  };
  for (const anp of snapshot.adminNetworkPolicies) {
    for (const rule of anp[direction]) {
      for (const network of rule.peers.flatMap((p) => p.networks ?? [])) {
        const r = range(network);
        if (r) {
          cuts.add(r[0]);
          cuts.add(r[1] + 1);
        }
      }
    }
  }
  for (const np of snapshot.networkPolicies) {
    for (const rule of np[direction]) {
      for (const peer of rule.peers ?? []) {
        const block = peer.ipBlock && range(peer.ipBlock.cidr);
        if (!block) continue;
        // The set an ipBlock stands for (cidr minus except), as merged intervals: its edges are the cuts.
        let parts: [number, number][] = [block];
        for (const ex of peer.ipBlock!.except ?? []) {
          const e = range(ex);
          if (!e) continue;
          parts = parts.flatMap(([a, b]): [number, number][] =>
            e[1] < a || e[0] > b
              ? [[a, b]]
              : (
                  [
                    [a, e[0] - 1],
                    [e[1] + 1, b],
                  ] as [number, number][]
                ).filter(([x, y]) => x <= y),
          );
        }
        for (const [a, b] of parts) {
          cuts.add(a);
          cuts.add(b + 1);
        }
      }
    }
  }
  const sorted = [...cuts].sort((a, b) => a - b);
  return sorted
    .slice(0, -1)
    .map((start, i) => ({ name: `${intToIp(start)}-${intToIp(sorted[i + 1] - 1)}[External]`, ip: intToIp(start) }));
}

/** Numbered ports and range ends of one protocol (the same for every destination), and the
 * port names whose numbers depend on the destination pod. */
interface FixedCuts {
  cuts: number[];
  netpolNames: Set<string>;
  adminNames: Set<string>;
}

/** Port boundaries of one protocol that hold for every destination: numbered ports and range ends. */
function fixedPortCuts(snapshot: Snapshot, protocol: string): FixedCuts {
  const cuts = new Set<number>([1, MAX_PORT + 1]);
  const netpolNames = new Set<string>();
  const adminNames = new Set<string>();
  for (const np of snapshot.networkPolicies) {
    for (const rule of [...np.ingress, ...np.egress]) {
      for (const p of rule.ports ?? []) {
        if ((p.protocol ?? 'TCP') !== protocol || p.port === undefined) continue;
        if (typeof p.port === 'number' || /^\d+$/.test(String(p.port))) {
          cuts.add(Number(p.port));
          cuts.add((p.endPort ?? Number(p.port)) + 1);
        } else netpolNames.add(String(p.port));
      }
    }
  }
  for (const anp of snapshot.adminNetworkPolicies) {
    for (const rule of [...anp.ingress, ...anp.egress]) {
      for (const p of rule.ports ?? []) {
        if (p.namedPort !== undefined) adminNames.add(p.namedPort);
        else if (p.protocol === protocol && p.start !== undefined) {
          cuts.add(p.start);
          cuts.add((p.end ?? p.start) + 1);
        }
      }
    }
  }
  return { cuts: [...cuts], netpolNames, adminNames };
}

// The policies are read once per snapshot, not once per pair: a matrix of 1,000 workloads has
// a million pairs. Snapshots are not changed after they are built.
interface ConnectivityContext {
  index: ReturnType<typeof indexNetworkPolicies>;
  fixed: Map<string, FixedCuts>;
  perDestination: WeakMap<PodFact, Map<string, number[]>>;
  withoutDestination: Map<string, number[]>;
}
const contexts = new WeakMap<Snapshot, ConnectivityContext>();

function contextOf(snapshot: Snapshot): ConnectivityContext {
  let ctx = contexts.get(snapshot);
  if (!ctx) {
    const fixed = new Map(PROTOCOLS.map((p) => [p, fixedPortCuts(snapshot, p)] as const));
    ctx = {
      index: indexNetworkPolicies(snapshot.networkPolicies, snapshot.adminNetworkPolicies),
      fixed,
      perDestination: new WeakMap(),
      withoutDestination: new Map(),
    };
    contexts.set(snapshot, ctx);
  }
  return ctx;
}

/** Port boundaries per protocol: every numbered port, range end and the destination's named ports. */
function portCuts(ctx: ConnectivityContext, dst: PodFact | undefined, protocol: string): number[] {
  let cache = dst ? ctx.perDestination.get(dst) : ctx.withoutDestination;
  if (!cache) ctx.perDestination.set(dst!, (cache = new Map()));
  const known = cache.get(protocol);
  if (known) return known;
  const { cuts: fixed, netpolNames, adminNames } = ctx.fixed.get(protocol)!;
  const cuts = new Set(fixed);
  for (const c of dst?.containers ?? []) {
    for (const cp of c.ports) {
      if (cp.name === undefined) continue;
      // NetworkPolicy named ports resolve whatever the protocol; AdminNetworkPolicy ones per protocol.
      if (netpolNames.has(cp.name) || (adminNames.has(cp.name) && cp.protocol === protocol)) {
        cuts.add(cp.containerPort);
        cuts.add(cp.containerPort + 1);
      }
    }
  }
  const sorted = [...cuts].filter((c) => c >= 1 && c <= MAX_PORT + 1).sort((a, b) => a - b);
  cache.set(protocol, sorted);
  return sorted;
}

export interface ConnectivityOptions {
  /** np-guard's convention: an ipBlock never matches a pod (Kubernetes leaves it to the CNI). */
  ipBlocksMatchPods: boolean;
}

export function allowedConnections(
  snapshot: Snapshot,
  src: Peer,
  dst: Peer,
  options: ConnectivityOptions,
): ConnectionSet {
  const ctx = contextOf(snapshot);
  const endpoint = (p: Peer): NetEndpoint =>
    p.pod
      ? {
          pod: p.pod,
          ip: options.ipBlocksMatchPods ? p.pod.podIPs[0] : undefined,
          namespaceLabels: snapshot.namespaces.get(p.pod.meta.namespace)?.meta.labels,
        }
      : { ip: p.ip };
  const out = { SCTP: [], TCP: [], UDP: [] } as ConnectionSet;
  for (const protocol of PROTOCOLS) {
    const cuts = portCuts(ctx, dst.pod, protocol);
    for (let i = 0; i < cuts.length - 1; i++) {
      const v = evaluateNetworkPolicy(ctx.index, { src: endpoint(src), dst: endpoint(dst), port: cuts[i], protocol });
      if (!v.allowed) continue;
      const ranges = out[protocol];
      const last = ranges[ranges.length - 1];
      if (last && last[1] + 1 === cuts[i]) last[1] = cuts[i + 1] - 1;
      else ranges.push([cuts[i], cuts[i + 1] - 1]);
    }
  }
  return out;
}

export function describeConnections(set: ConnectionSet): string | undefined {
  const full = PROTOCOLS.every((p) => set[p].length === 1 && set[p][0][0] === 1 && set[p][0][1] === MAX_PORT);
  if (full) return 'All Connections';
  const parts = PROTOCOLS.filter((p) => set[p].length > 0).map(
    (p) => `${p} ${set[p].map(([a, b]) => (a === b ? `${a}` : `${a}-${b}`)).join(',')}`,
  );
  return parts.length ? parts.join(',') : undefined;
}

/** Every workload (one pod stands for its owner) and every external range of the snapshot. */
export function peersOf(snapshot: Snapshot): Peer[] {
  const byName = new Map<string, Peer>();
  for (const pod of snapshot.pods) {
    if (pod.hostNetwork) continue;
    const name = workloadName(pod);
    if (!byName.has(name)) byName.set(name, { name, pod });
  }
  return [...byName.values()];
}

/**
 * For one destination pod, what NetworkPolicy reads of a source pod (§5): the egress policies that
 * select it (evaluated against the fixed destination) and whether each peer of the destination's
 * ingress policies matches it. Sources with equal keys are allowed the same connections (issue 13:
 * a 1,000-workload list in one evaluation per kind of source). Undefined with admin network
 * policies, whose subjects and peers this key does not follow.
 */
function sourceKeys(snapshot: Snapshot, dst: PodFact, options: ConnectivityOptions) {
  const index = contextOf(snapshot).index;
  if (index.admin.length > 0 || index.baseline.length > 0) return undefined;
  const peers = NETWORK_POLICY_SOURCE_KEY.ingressPeers(index, dst);
  return (src: PodFact): string => {
    const ep: NetEndpoint = {
      pod: src,
      ip: options.ipBlocksMatchPods ? src.podIPs[0] : undefined,
      namespaceLabels: snapshot.namespaces.get(src.meta.namespace)?.meta.labels,
    };
    let key = `${NETWORK_POLICY_SOURCE_KEY.egress(index, src)}|`;
    for (const { peer, namespace } of peers) key += String(peerMatches(peer, namespace, ep));
    return key;
  };
}

/**
 * np-guard-style list: `src => dst : connections`, one line per pair with anything allowed.
 * @public (the NetworkPolicy conformance script and the matrix benchmark import it from dist/)
 */
export function connectivityList(snapshot: Snapshot, options: ConnectivityOptions): string[] {
  const workloads = peersOf(snapshot);
  const lines: string[] = [];
  for (const dst of workloads) {
    const keyOf = dst.pod ? sourceKeys(snapshot, dst.pod, options) : undefined;
    const decided = new Map<string, string | undefined>();
    for (const src of workloads) {
      if (src === dst) continue;
      const key = keyOf && src.pod ? keyOf(src.pod) : undefined;
      let text = key === undefined ? undefined : decided.get(key);
      if (key === undefined || !decided.has(key)) {
        text = describeConnections(allowedConnections(snapshot, src, dst, options));
        if (key !== undefined) decided.set(key, text);
      }
      if (text) lines.push(`${src.name} => ${dst.name} : ${text}`);
    }
  }
  // External ranges, cut by the ipBlocks of the direction they are used in.
  for (const w of workloads) {
    for (const ext of externalRanges(snapshot, 'egress')) {
      const text = describeConnections(allowedConnections(snapshot, w, ext, options));
      if (text) lines.push(`${w.name} => ${ext.name} : ${text}`);
    }
    for (const ext of externalRanges(snapshot, 'ingress')) {
      const text = describeConnections(allowedConnections(snapshot, ext, w, options));
      if (text) lines.push(`${ext.name} => ${w.name} : ${text}`);
    }
  }
  return lines.sort();
}
