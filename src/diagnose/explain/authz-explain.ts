// Words and YAML for AuthorizationPolicy findings: why a rule did not match, and rewrites.
import type { AuthorizationPolicyFact, AuthorizationRule } from '../../snapshot/types.js';
import {
  L4_WHEN_KEYS,
  L7_OPERATION_FIELDS,
  L7_SOURCE_FIELDS,
  type ConversionResult,
} from '../../mesh/authorization.js';
import type { Manifest, Remedy } from '../../findings/finding.js';
import type { WaypointDecision } from '../../mesh/waypoint-authorization.js';
import { refTo, type ObjectRef } from '../../snapshot/ref.js';
import {
  cidrContains,
  clauseMatches,
  isEmptyMatch,
  stringMatches,
  type RbacConnection,
  type RbacMatch,
  type StringMatch,
} from '../../mesh/ztunnel-rbac.js';

const show = (m: StringMatch) =>
  'exact' in m ? m.exact : 'prefix' in m ? `${m.prefix}*` : 'suffix' in m ? `*${m.suffix}` : '*';

/** The first field of a match that rejects the connection, in words. */
function failingField(m: RbacMatch, conn: RbacConnection): string {
  if (isEmptyMatch(m)) return 'a match with no L4 fields left, which never matches';
  const id = conn.identity ?? '';
  const ns = conn.identity?.match(/\/ns\/([^/]+)\//)?.[1] ?? '';
  const peer = conn.identity ? `identity ${conn.identity}` : 'plaintext (no identity)';
  if (m.principals?.length && !m.principals.some((p) => stringMatches(p, id))) {
    const spiffe = m.principals.some((p) => 'exact' in p && p.exact.startsWith('spiffe://'));
    return (
      `principals [${m.principals.map(show).join(', ')}] do not match ` +
      `${peer}${spiffe ? ' (the spiffe:// prefix never matches)' : ''}`
    );
  }
  if (m.notPrincipals?.some((p) => stringMatches(p, id)))
    return `notPrincipals [${m.notPrincipals.map(show).join(', ')}] exclude ${peer}`;
  if (m.namespaces?.length && !m.namespaces.some((p) => stringMatches(p, ns)))
    return `namespaces [${m.namespaces.map(show).join(', ')}] do not match ${conn.identity ? `namespace ${ns}` : peer}`;
  if (m.notNamespaces?.some((p) => stringMatches(p, ns))) return `notNamespaces exclude namespace ${ns}`;
  if (m.serviceAccounts?.length)
    return (
      `serviceAccounts [${m.serviceAccounts.map((s) => `${s.namespace}/${s.serviceAccount}`).join(', ')}] do not ` +
      `match ${peer}`
    );
  if (m.notServiceAccounts?.length) return `notServiceAccounts exclude ${peer}`;
  if (m.sourceIps?.length && !m.sourceIps.some((c) => cidrContains(c, conn.sourceIp)))
    return (
      `ipBlocks [${m.sourceIps.map((c) => `${c.address}/${c.length}`).join(', ')}] do not contain the peer ` +
      `address ${conn.sourceIp ?? '(unknown)'}`
    );
  if (m.notSourceIps?.some((c) => cidrContains(c, conn.sourceIp)))
    return `notIpBlocks contain the peer address ${conn.sourceIp}`;
  if (m.destinationIps?.length && !m.destinationIps.some((c) => cidrContains(c, conn.destinationIp)))
    return `destination.ip does not contain ${conn.destinationIp ?? '(unknown)'}`;
  if (m.destinationPorts?.length && !m.destinationPorts.includes(conn.destinationPort))
    return `ports [${m.destinationPorts.join(', ')}] do not include target port ${conn.destinationPort}`;
  if (m.notDestinationPorts?.includes(conn.destinationPort))
    return `notPorts exclude target port ${conn.destinationPort}`;
  return 'does not match';
}

export function explainRuleMismatch(ap: AuthorizationPolicyFact, conv: ConversionResult, conn: RbacConnection): string {
  const policy = conv.policy;
  if (!policy || policy.groups.length === 0) {
    const dropped = conv.report.droppedRules.length;
    return dropped > 0
      ? `all ${dropped} rule(s) use HTTP fields and were dropped, leaving none.`
      : 'it has no rules, so it matches nothing.';
  }
  const keptIndexes = (ap.rules ?? [])
    .map((_, i) => i)
    .filter((i) => !conv.report.droppedRules.some((d) => d.index === i));
  const parts = policy.groups.map((g, gi) => {
    const clause = g.rules.find((c) => !clauseMatches(c, conn));
    const ruleNo = (keptIndexes[gi] ?? gi) + 1;
    if (!clause) return `rule ${ruleNo} matches`;
    const why = clause.matches.map((m) => failingField(m, conn));
    return `rule ${ruleNo}: ${[...new Set(why)].join('; or ')}`;
  });
  const dropped = conv.report.droppedRules.map(
    (d) => `rule ${d.index + 1} was dropped for HTTP fields (${d.fields.join(', ')})`,
  );
  return `${[...parts, ...dropped].join('; ')}.`;
}

const L7_SOURCE: readonly string[] = L7_SOURCE_FIELDS;
const L7_OPERATION: readonly string[] = L7_OPERATION_FIELDS;

function stripL7(rule: AuthorizationRule): AuthorizationRule | undefined {
  const out: AuthorizationRule = {};
  const from = (rule.from ?? [])
    .map((f) => Object.fromEntries(Object.entries(f.source ?? {}).filter(([k]) => !L7_SOURCE.includes(k))))
    .filter((s) => Object.keys(s).length > 0)
    .map((source) => ({ source }));
  const to = (rule.to ?? [])
    .map((t) => Object.fromEntries(Object.entries(t.operation ?? {}).filter(([k]) => !L7_OPERATION.includes(k))))
    .filter((o) => Object.keys(o).length > 0)
    .map((operation) => ({ operation }));
  const when = (rule.when ?? []).filter((w) => L4_WHEN_KEYS.has(w.key));
  if (from.length) out.from = from;
  if (to.length) out.to = to;
  if (when.length) out.when = when;
  return Object.keys(out).length > 0 ? out : undefined;
}

function header(ap: AuthorizationPolicyFact, name = ap.meta.name) {
  return {
    apiVersion: 'security.istio.io/v1',
    kind: 'AuthorizationPolicy',
    metadata: { name, namespace: ap.meta.namespace },
  };
}

/** A rewrite keeps the action and, for CUSTOM, its provider (the API server refuses CUSTOM without one). */
const actionOf = (ap: AuthorizationPolicyFact) => ({
  action: ap.action,
  ...(ap.provider ? { provider: { name: ap.provider } } : {}),
});

/** §4.3: the same policy with its HTTP fields removed, so ztunnel enforces what is left. */
export function l4OnlyPolicyFix(ap: AuthorizationPolicyFact): Manifest {
  const rules = (ap.rules ?? []).map(stripL7).filter((r): r is AuthorizationRule => !!r);
  const spec = {
    ...(ap.selector ? { selector: ap.selector } : {}),
    ...actionOf(ap),
    rules: rules.length ? rules : [{}],
  };
  return { ...header(ap), spec };
}

/** §4.1: the policy's rules at the waypoint in front of the Service (or the Gateway itself). */
export function targetRefPolicyFix(
  ap: AuthorizationPolicyFact,
  target: { kind: 'Service' | 'Gateway'; name: string } | undefined,
  name = `${ap.meta.name}-l7`,
): Manifest {
  const ref =
    target?.kind === 'Gateway'
      ? { kind: 'Gateway', group: 'gateway.networking.k8s.io', name: target.name }
      : { kind: 'Service', group: '', name: target?.name ?? '<service>' };
  return { ...header(ap, name), spec: { targetRefs: [ref], ...actionOf(ap), rules: ap.rules ?? [] } };
}

/** The rule index in the policy for the converted group that decided (dropped rules are not groups). */
export function ruleIndexOf(ap: AuthorizationPolicyFact, groupIndex: number, conv: ConversionResult): number {
  const keptIndexes = (ap.rules ?? [])
    .map((_, i) => i)
    .filter((i) => !conv.report.droppedRules.some((d) => d.index === i));
  return keptIndexes[groupIndex] ?? groupIndex;
}

/**
 * §4.4: the DENY with the matching rule narrowed so that it no longer matches this client (its
 * principal, or its address when it has none); everyone else the rule denied stays denied.
 */
export function exemptFromRuleRemedy(
  ap: AuthorizationPolicyFact,
  ruleIndex: number,
  client: { principal?: string; ip?: string; path?: string },
): Remedy {
  const key = client.principal ? 'notPrincipals' : 'notIpBlocks';
  const positive = client.principal ? 'principals' : 'ipBlocks';
  const id = client.principal ?? `${client.ip ?? '0.0.0.0'}/32`;
  const rules = (ap.rules ?? []).flatMap((rule, i) => {
    if (i !== ruleIndex) return [rule];
    const from = rule.from?.length ? rule.from : [{ source: {} }];
    const others = {
      ...rule,
      from: from.map((f) => {
        const source = (f.source ?? {}) as Record<string, string[] | undefined>;
        return { source: { ...source, [key]: [...(source[key] ?? []), id] } };
      }),
    };
    if (!client.path) return [others];
    // §4.1: at a proxy that decides per request, the client keeps the rule for every other path: a copy of
    // the rule for the client alone, with the asked path excepted (fields of one rule AND together).
    const to = rule.to?.length ? rule.to : [{ operation: {} }];
    const mine = {
      ...rule,
      from: [{ source: { [positive]: [id] } }],
      to: to.map((t) => ({
        operation: { ...t.operation, notPaths: [...(t.operation?.notPaths ?? []), client.path!] },
      })),
    };
    return [others, mine];
  });
  const who = client.principal ?? client.ip ?? 'the client';
  const what = client.path ? `${who} on ${client.path}` : who;
  return {
    title: `Exempt ${what} from rule ${ruleIndex + 1} of AuthorizationPolicy ${ap.meta.namespace}/${ap.meta.name}`,
    apply: [
      {
        // Only the rules change: the printed object is the existing one with them replaced (fixes/proof.ts),
        // so its selector or targetRef(s), as written, stay.
        ...header(ap),
        spec: { ...actionOf(ap), rules },
      },
    ],
  };
}

/** §4.4, §12.5: what an Envoy decision (waypoint or sidecar) that cannot be made waits on, and which policies. */
export function undecidedAtEnvoy(decision: WaypointDecision): { names: string; depends: string; objects: ObjectRef[] } {
  const refs = [...(decision.decisive ? [decision.decisive] : []), ...decision.custom];
  return {
    names: refs.map((ap) => `AuthorizationPolicy ${ap.meta.namespace}/${ap.meta.name}`).join(', '),
    depends: decision.custom.length
      ? 'an external authorizer (a CUSTOM policy whose rules match)'
      : 'request attributes the input cannot know (JWT claims, request principals or other request attributes)',
    objects: refs.map((ap) => refTo('AuthorizationPolicy', ap.meta)),
  };
}
