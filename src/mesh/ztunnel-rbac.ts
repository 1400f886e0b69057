// The policy model ztunnel evaluates and its matcher (§4.2, §4.4; ztunnel-authz.md §1-§3):
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
  if ('exact' in m) return value === m.exact;
  if ('prefix' in m) return value !== '' && value.startsWith(m.prefix);
  if ('suffix' in m) return value !== '' && value.endsWith(m.suffix);
  return value !== '';
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

export function matchMatches(m: RbacMatch, conn: RbacConnection): boolean {
  const principal = conn.identity ?? '';
  const id = parseIdentity(conn.identity);
  const ns = id?.namespace ?? '';
  const sa = (x: ServiceAccountMatch) => !!id && id.namespace === x.namespace && id.serviceAccount === x.serviceAccount;
  return (
    fieldOk(m.principals, m.notPrincipals, (p) => stringMatches(p, principal)) &&
    fieldOk(m.namespaces, m.notNamespaces, (p) => stringMatches(p, ns)) &&
    fieldOk(m.serviceAccounts, m.notServiceAccounts, sa) &&
    fieldOk(m.sourceIps, m.notSourceIps, (c) => cidrContains(c, conn.sourceIp)) &&
    fieldOk(m.destinationIps, m.notDestinationIps, (c) => cidrContains(c, conn.destinationIp)) &&
    fieldOk(m.destinationPorts, m.notDestinationPorts, (p) => p === conn.destinationPort)
  );
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
