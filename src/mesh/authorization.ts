// §4.1-§4.5: how istiod converts an AuthorizationPolicy for ztunnel, and which policies reach
// a destination workload. The conversion is checked against istiod's goldens
// (../shared/conformance/istio-ambient-authz-conversion).
import ipaddr from 'ipaddr.js';
import type {
  AuthorizationPolicyFact,
  AuthorizationRule,
  AuthorizationSource,
  MeshSettings,
  PodFact,
} from '../snapshot/types.js';
import { parseIdentity, stringMatches } from './ztunnel-rbac.js';
import { ANNOTATION_DRY_RUN } from './constants.js';
import { selectorMatches } from './labels.js';
import { goParseBoolTrue } from './go-values.js';
import type {
  CidrMatch,
  RbacClause,
  RbacGroup,
  RbacMatch,
  RbacPolicy,
  RbacScope,
  ServiceAccountMatch,
  StringMatch,
} from './ztunnel-rbac.js';

/** §4.2: the only `when` keys ztunnel can evaluate. */
export const L4_WHEN_KEYS: ReadonlySet<string> = new Set([
  'source.ip',
  'source.namespace',
  'source.principal',
  'destination.ip',
  'destination.port',
]);
/** §4.2: the source fields ztunnel cannot evaluate. */
export const L7_SOURCE_FIELDS = [
  'requestPrincipals',
  'notRequestPrincipals',
  'remoteIpBlocks',
  'notRemoteIpBlocks',
] as const;
/** §4.4, §12.5: the source fields only an HTTP request has (a JWT), so an Envoy TCP chain cannot match them. */
export const HTTP_ONLY_SOURCE_FIELDS = ['requestPrincipals', 'notRequestPrincipals'] as const;
/** The operation fields only an HTTP request has. */
export const L7_OPERATION_FIELDS = ['hosts', 'notHosts', 'methods', 'notMethods', 'paths', 'notPaths'] as const;

export function toStringMatch(value: string): StringMatch {
  if (value === '*') return { presence: {} };
  if (value.startsWith('*')) return { suffix: value.slice(1) };
  if (value.endsWith('*')) return { prefix: value.slice(0, -1) };
  return { exact: value };
}

export function toCidr(value: string): CidrMatch | undefined {
  try {
    if (value.includes('/')) {
      const [addr, len] = ipaddr.parseCIDR(value);
      return { address: addr.toString(), length: len };
    }
    const addr = ipaddr.parse(value);
    return { address: addr.toString(), length: addr.kind() === 'ipv6' ? 128 : 32 };
  } catch {
    return undefined;
  }
}

function toPort(value: string): number | undefined {
  if (!/^\d+$/.test(value.trim())) return undefined;
  const n = Number(value);
  return n >= 0 && n <= 65535 ? n : undefined;
}

function toServiceAccount(value: string, policyNamespace: string): ServiceAccountMatch {
  const slash = value.indexOf('/');
  return slash >= 0
    ? { namespace: value.slice(0, slash), serviceAccount: value.slice(slash + 1) }
    : { namespace: policyNamespace, serviceAccount: value };
}

/** What conversion did to one AuthorizationPolicy, for findings. */
export interface ConversionReport {
  /** ALLOW rules dropped for HTTP fields: rule index → fields found. */
  droppedRules: { index: number; fields: string[] }[];
  /** DENY rules whose HTTP fields were removed: rule index → fields, and whether the rule became a no-op. */
  strippedRules: { index: number; fields: string[]; noOp: boolean }[];
  /** Values istiod drops silently (non-numeric ports, unparsable IPs). */
  droppedValues: string[];
  /** Principals written with spiffe://, which never match (§4.2). */
  spiffePrincipals: string[];
}

export interface ConversionResult {
  /** undefined when nothing is sent to ztunnel. */
  policy?: RbacPolicy;
  /** Why nothing was sent, when policy is undefined. */
  notSent?: 'targetRefs' | 'CUSTOM' | 'AUDIT' | 'dry-run' | 'invalid';
  report: ConversionReport;
}

function pushIfAny<T>(m: RbacMatch, key: keyof RbacMatch, values: T[]): void {
  if (values.length > 0) (m as Record<string, unknown>)[key] = values;
}

function convertRule(
  rule: AuthorizationRule,
  policyNamespace: string,
  report: ConversionReport,
): { group: RbacGroup; l7Fields: string[] } {
  const l7Fields: string[] = [];
  const clauses: RbacClause[] = [];
  const strings = (values: string[] | undefined) => (values ?? []).map(toStringMatch);
  const cidrs = (values: string[] | undefined) =>
    (values ?? []).flatMap((v) => {
      const c = toCidr(v);
      if (!c) report.droppedValues.push(`ipBlock "${v}"`);
      return c ? [c] : [];
    });
  const ports = (values: string[] | undefined) =>
    (values ?? []).flatMap((v) => {
      const p = toPort(String(v));
      if (p === undefined) report.droppedValues.push(`port "${v}"`);
      return p === undefined ? [] : [p];
    });
  const principals = (values: string[] | undefined) => {
    for (const v of values ?? []) if (v.startsWith('spiffe://')) report.spiffePrincipals.push(v);
    return strings(values);
  };

  if (rule.to && rule.to.length > 0) {
    clauses.push({
      matches: rule.to.map(({ operation = {} }) => {
        for (const f of L7_OPERATION_FIELDS) if (operation[f]?.length) l7Fields.push(f);
        const m: RbacMatch = {};
        pushIfAny(m, 'destinationPorts', ports(operation.ports));
        pushIfAny(m, 'notDestinationPorts', ports(operation.notPorts));
        return m;
      }),
    });
  }
  if (rule.from && rule.from.length > 0) {
    clauses.push({
      matches: rule.from.map(({ source = {} }) => {
        for (const f of L7_SOURCE_FIELDS) if (source[f]?.length) l7Fields.push(f);
        const m: RbacMatch = {};
        pushIfAny(m, 'namespaces', strings(source.namespaces));
        pushIfAny(m, 'notNamespaces', strings(source.notNamespaces));
        pushIfAny(m, 'notPrincipals', principals(source.notPrincipals));
        pushIfAny(
          m,
          'notServiceAccounts',
          (source.notServiceAccounts ?? []).map((s) => toServiceAccount(s, policyNamespace)),
        );
        pushIfAny(m, 'notSourceIps', cidrs(source.notIpBlocks));
        pushIfAny(m, 'principals', principals(source.principals));
        pushIfAny(
          m,
          'serviceAccounts',
          (source.serviceAccounts ?? []).map((s) => toServiceAccount(s, policyNamespace)),
        );
        pushIfAny(m, 'sourceIps', cidrs(source.ipBlocks));
        return m;
      }),
    });
  }
  for (const cond of rule.when ?? []) {
    const m: RbacMatch = {};
    if (!L4_WHEN_KEYS.has(cond.key)) {
      l7Fields.push(cond.key);
    } else if (cond.key === 'source.ip') {
      pushIfAny(m, 'sourceIps', cidrs(cond.values));
      pushIfAny(m, 'notSourceIps', cidrs(cond.notValues));
    } else if (cond.key === 'source.namespace') {
      pushIfAny(m, 'namespaces', strings(cond.values));
      pushIfAny(m, 'notNamespaces', strings(cond.notValues));
    } else if (cond.key === 'source.principal') {
      pushIfAny(m, 'principals', principals(cond.values));
      pushIfAny(m, 'notPrincipals', principals(cond.notValues));
    } else if (cond.key === 'destination.ip') {
      pushIfAny(m, 'destinationIps', cidrs(cond.values));
      pushIfAny(m, 'notDestinationIps', cidrs(cond.notValues));
    } else if (cond.key === 'destination.port') {
      pushIfAny(m, 'destinationPorts', ports(cond.values));
      pushIfAny(m, 'notDestinationPorts', ports(cond.notValues));
    }
    clauses.push({ matches: [m] });
  }
  return { group: { rules: clauses }, l7Fields };
}

/** istiod reads the annotation with strconv.ParseBool (pilot/pkg/serviceregistry/ambient/authorization.go). */
export function isDryRun(ap: AuthorizationPolicyFact): boolean {
  return goParseBoolTrue(ap.meta.annotations[ANNOTATION_DRY_RUN]);
}

/** §4.4: dry-run is ignored (so enforced) up to 1.28 and dropped from 1.29 on. */
export function dryRunEnforced(istioVersion: string | undefined): boolean | undefined {
  if (!istioVersion) return undefined;
  const [major, minor] = istioVersion.split('.').map(Number);
  return major === 1 && minor <= 28;
}

export function scopeOf(ap: AuthorizationPolicyFact, rootNamespace: string): RbacScope {
  if (ap.selector) return 'WORKLOAD_SELECTOR';
  return ap.meta.namespace === rootNamespace ? 'GLOBAL' : 'NAMESPACE';
}

export function convertAuthorizationPolicy(
  ap: AuthorizationPolicyFact,
  mesh: Pick<MeshSettings, 'rootNamespace' | 'istioVersion'>,
): ConversionResult {
  const report: ConversionReport = { droppedRules: [], strippedRules: [], droppedValues: [], spiffePrincipals: [] };
  if (ap.targetRefs.length > 0) return { notSent: ap.selector ? 'invalid' : 'targetRefs', report };
  if (ap.action === 'CUSTOM' || ap.action === 'AUDIT') return { notSent: ap.action, report };
  if (ap.action !== 'ALLOW' && ap.action !== 'DENY') return { notSent: 'invalid', report };
  if (isDryRun(ap) && dryRunEnforced(mesh.istioVersion) !== true) return { notSent: 'dry-run', report };

  const groups: RbacGroup[] = [];
  (ap.rules ?? []).forEach((rule, index) => {
    const { group, l7Fields } = convertRule(rule ?? {}, ap.meta.namespace, report);
    if (l7Fields.length > 0 && ap.action === 'ALLOW') {
      report.droppedRules.push({ index, fields: l7Fields });
      return;
    }
    if (l7Fields.length > 0) {
      const noOp = group.rules.some((c) => c.matches.length > 0 && c.matches.every((m) => Object.keys(m).length === 0));
      report.strippedRules.push({ index, fields: l7Fields, noOp });
    }
    groups.push(group);
  });
  return {
    policy: {
      name: ap.meta.name,
      namespace: ap.meta.namespace,
      scope: scopeOf(ap, mesh.rootNamespace),
      action: ap.action,
      groups,
    },
    report,
  };
}

export interface PredictedCondition {
  status: 'True' | 'False';
  reason: string;
}

/**
 * §4.8: the ZtunnelAccepted condition istiod writes. Its order: dry-run first (so a dry-run
 * targetRefs policy gets one too), then targetRefs (no condition), then the action, then L7 fields.
 */
export function predictedZtunnelAccepted(
  ap: AuthorizationPolicyFact,
  conversion: ConversionResult,
  mesh: Pick<MeshSettings, 'istioVersion'>,
): PredictedCondition | undefined {
  if (isDryRun(ap) && dryRunEnforced(mesh.istioVersion) !== true)
    return { status: 'False', reason: 'UnsupportedValue' };
  if (ap.targetRefs.length > 0) return undefined;
  if (!conversion.policy) return { status: 'False', reason: 'UnsupportedValue' };
  const l7 = conversion.report.droppedRules.length + conversion.report.strippedRules.length > 0;
  return { status: 'True', reason: l7 ? 'UnsupportedValue' : 'Accepted' };
}

/** §4.1: the policies whose scope covers a destination pod at its ztunnel (targetRefs excluded). */
export function policiesInScope(
  pod: PodFact,
  policies: AuthorizationPolicyFact[],
  rootNamespace: string,
): AuthorizationPolicyFact[] {
  return policies.filter((ap) => {
    if (ap.targetRefs.length > 0) return false;
    const ns = ap.meta.namespace;
    if (ap.selector) {
      return (ns === pod.meta.namespace || ns === rootNamespace) && selectorMatches(ap.selector, pod.meta.labels);
    }
    return ns === pod.meta.namespace || ns === rootNamespace;
  });
}

/**
 * Issue 30, intent before fault: whether a rule of the policy is written for this client (its principal,
 * namespace or service account, `not` fields honoured; a rule without `from` covers every client) on one of
 * these ports (a rule without ports covers them all). An ALLOW that covers a client means its connection; a
 * DENY that covers it keeps it out on purpose. Other fields (ipBlocks, JWT, `when`) do not name a client.
 */
export function policyNamesClient(ap: AuthorizationPolicyFact, identity: string, ports: number[]): boolean {
  const id = parseIdentity(identity);
  const hit = (values: string[] | undefined, value: string) =>
    values?.some((v) => stringMatches(toStringMatch(v), value)) ?? false;
  const field = (pos: string[] | undefined, neg: string[] | undefined, value: string) =>
    (!pos?.length || hit(pos, value)) && !(neg?.length && hit(neg, value));
  const account = (sa: string) => {
    const [ns, name] = sa.includes('/') ? sa.split('/', 2) : [ap.meta.namespace, sa];
    return id?.namespace === ns && id.serviceAccount === name;
  };
  const identityFields = (s: AuthorizationSource) =>
    [s.principals, s.notPrincipals, s.namespaces, s.notNamespaces, s.serviceAccounts, s.notServiceAccounts].some(
      (v) => v?.length,
    );
  const sourceNames = (s: AuthorizationSource) =>
    identityFields(s) &&
    field(s.principals, s.notPrincipals, identity) &&
    field(s.namespaces, s.notNamespaces, id?.namespace ?? '') &&
    (!s.serviceAccounts?.length || s.serviceAccounts.some(account)) &&
    !s.notServiceAccounts?.some(account);
  const portNamed = (rule: AuthorizationRule) =>
    !rule.to?.length ||
    rule.to.some((t) => !t?.operation?.ports?.length || t.operation.ports.some((p) => ports.includes(Number(p))));
  return (ap.rules ?? []).some(
    (rule) =>
      !!rule && (!rule.from?.length || rule.from.some((f) => !!f?.source && sourceNames(f.source))) && portNamed(rule),
  );
}
