// The policy model ztunnel evaluates and its matcher (§4.2, §4.4; §4.9):
// groups OR → rules (clauses) AND → matches OR → fields AND. An empty match never matches.
import ipaddr from 'ipaddr.js';

export type StringMatch =
  { exact: string } | { prefix: string } | { suffix: string } | { presence: Record<string, never> };

export interface CidrMatch {
  address: string;
  length: number;
}

export interface ServiceAccountMatch {
  namespace: string;
  serviceAccount: string;
}

export interface RbacMatch {
  principals?: StringMatch[];
  notPrincipals?: StringMatch[];
  namespaces?: StringMatch[];
  notNamespaces?: StringMatch[];
  serviceAccounts?: ServiceAccountMatch[];
  notServiceAccounts?: ServiceAccountMatch[];
  sourceIps?: CidrMatch[];
  notSourceIps?: CidrMatch[];
  destinationIps?: CidrMatch[];
  notDestinationIps?: CidrMatch[];
  destinationPorts?: number[];
  notDestinationPorts?: number[];
}

export interface RbacClause {
  matches: RbacMatch[];
}

export interface RbacGroup {
  rules: RbacClause[];
}

export type RbacScope = 'GLOBAL' | 'NAMESPACE' | 'WORKLOAD_SELECTOR';

export interface RbacPolicy {
  name: string;
  namespace: string;
  scope: RbacScope;
  action: 'ALLOW' | 'DENY';
  groups: RbacGroup[];
  dryRun?: boolean;
}

/** What ztunnel knows about an inbound connection. */
export interface RbacConnection {
  /** SPIFFE identity without `spiffe://`, e.g. cluster.local/ns/test/sa/default; absent for plaintext. */
  identity?: string;
  sourceIp?: string;
  destinationIp?: string;
  /** The target port after the HBONE tunnel is unwrapped (§3.1, §4.2). */
  destinationPort: number;
}

export function stringMatches(m: StringMatch, value: string): boolean {
  // Property reads rather than `in`: this runs for every identity of a matrix.
  const { exact, prefix, suffix } = m as { exact?: string; prefix?: string; suffix?: string };
  if (exact !== undefined) return value === exact;
  if (prefix !== undefined) return value !== '' && value.startsWith(prefix);
  if (suffix !== undefined) return value !== '' && value.endsWith(suffix);
  return value !== '';
}

/** A string field of a match: some positive pattern must match, no negative one may. */
function stringFieldOk(pos: StringMatch[] | undefined, neg: StringMatch[] | undefined, value: string): boolean {
  if (pos && pos.length > 0) {
    let hit = false;
    for (const p of pos) if ((hit = stringMatches(p, value))) break;
    if (!hit) return false;
  }
  if (neg) for (const p of neg) if (stringMatches(p, value)) return false;
  return true;
}

export function cidrContains(c: CidrMatch, ip: string | undefined): boolean {
  if (!ip || !ipaddr.isValid(ip) || !ipaddr.isValid(c.address)) return false;
  const addr = ipaddr.process(ip);
  const net = ipaddr.process(c.address);
  if (addr.kind() !== net.kind()) return false;
  return addr.match(net, c.length);
}

interface Identity {
  trustDomain: string;
  namespace: string;
  serviceAccount: string;
}

export function parseIdentity(identity: string | undefined): Identity | undefined {
  const m = identity?.match(/^([^/]+)\/ns\/([^/]+)\/sa\/([^/]+)$/);
  return m ? { trustDomain: m[1], namespace: m[2], serviceAccount: m[3] } : undefined;
}

/** Positive lists need a hit, negative lists need no hit, empty lists are ignored. */
function fieldOk<T>(pos: T[] | undefined, neg: T[] | undefined, hit: (x: T) => boolean): boolean {
  if (pos && pos.length > 0 && !pos.some(hit)) return false;
  if (neg && neg.length > 0 && neg.some(hit)) return false;
  return true;
}

export function isEmptyMatch(m: RbacMatch): boolean {
  return Object.values(m).every((v) => !Array.isArray(v) || v.length === 0);
}

/** `id` is conn.identity parsed, when the caller has it already (a matrix matches one identity many times). */
export function matchMatches(m: RbacMatch, conn: RbacConnection, id = parseIdentity(conn.identity)): boolean {
  // Each field is looked at only when the match has it: this runs for every cell of a matrix.
  if (!stringFieldOk(m.principals, m.notPrincipals, conn.identity ?? '')) return false;
  if (!stringFieldOk(m.namespaces, m.notNamespaces, id?.namespace ?? '')) return false;
  if (m.serviceAccounts || m.notServiceAccounts) {
    const sa = (x: ServiceAccountMatch) =>
      !!id && id.namespace === x.namespace && id.serviceAccount === x.serviceAccount;
    if (!fieldOk(m.serviceAccounts, m.notServiceAccounts, sa)) return false;
  }
  if ((m.sourceIps || m.notSourceIps) && !fieldOk(m.sourceIps, m.notSourceIps, (c) => cidrContains(c, conn.sourceIp)))
    return false;
  if (
    (m.destinationIps || m.notDestinationIps) &&
    !fieldOk(m.destinationIps, m.notDestinationIps, (c) => cidrContains(c, conn.destinationIp))
  )
    return false;
  if (!m.destinationPorts && !m.notDestinationPorts) return true;
  return fieldOk(m.destinationPorts, m.notDestinationPorts, (p) => p === conn.destinationPort);
}

export function clauseMatches(clause: RbacClause, conn: RbacConnection): boolean {
  if (clause.matches.length === 0) return true;
  // An empty match is skipped, so a clause holding only empty matches matches nothing.
  return clause.matches.some((m) => !isEmptyMatch(m) && matchMatches(m, conn));
}

export function groupMatches(group: RbacGroup, conn: RbacConnection): boolean {
  return group.rules.every((c) => clauseMatches(c, conn));
}

/** Index of the first matching group, or -1. A policy with no groups matches nothing. */
export function matchingGroup(policy: RbacPolicy, conn: RbacConnection): number {
  return policy.groups.findIndex((g) => groupMatches(g, conn));
}

export interface RbacDecision {
  allowed: boolean;
  reason: 'no-policy' | 'denied' | 'allowed' | 'not-allowed';
  decisive?: RbacPolicy;
  groupIndex?: number;
  /** ALLOW policies that applied but did not match (when reason is not-allowed). */
  unmatchedAllows: RbacPolicy[];
}

/** §4.4 order: enforced DENY → no enforced ALLOW means allow → any ALLOW match → reject. */
export function assertRbac(policies: RbacPolicy[], conn: RbacConnection): RbacDecision {
  const enforced = policies.filter((p) => !p.dryRun);
  for (const p of enforced.filter((x) => x.action === 'DENY')) {
    const g = matchingGroup(p, conn);
    if (g >= 0) return { allowed: false, reason: 'denied', decisive: p, groupIndex: g, unmatchedAllows: [] };
  }
  const allows = enforced.filter((x) => x.action === 'ALLOW');
  if (allows.length === 0) return { allowed: true, reason: 'no-policy', unmatchedAllows: [] };
  for (const p of allows) {
    const g = matchingGroup(p, conn);
    if (g >= 0) return { allowed: true, reason: 'allowed', decisive: p, groupIndex: g, unmatchedAllows: [] };
  }
  return { allowed: false, reason: 'not-allowed', unmatchedAllows: allows };
}
