// §4.1, §4.4, §5: AuthorizationPolicies at a waypoint (Envoy). Only targetRefs policies
// attach there; they see the client's identity and, for HTTP, the request.
import type {
  AuthorizationPolicyFact,
  AuthorizationRule,
  GatewayFact,
  ServiceEntryFact,
  ServiceFact,
} from '../snapshot/types.js';
import type { MeshSettings, Snapshot } from '../snapshot/types.js';
import { refTo } from '../snapshot/ref.js';
import {
  HTTP_ONLY_SOURCE_FIELDS,
  isDryRun,
  L7_OPERATION_FIELDS,
  toCidr,
  toStringMatch,
  type PredictedCondition,
} from './authorization.js';
import { predictedWaypointBound } from './waypoints.js';
import { endpointsOfService, serviceHostname } from './services.js';
import { cidrContains, parseIdentity, stringMatches } from './ztunnel-rbac.js';

export interface WaypointRequest {
  protocol: 'HTTP' | 'TCP';
  method: string;
  path: string;
  host: string;
  headers: Record<string, string>;
  /** The client's identity (without spiffe://) and address, as the waypoint sees them. */
  identity?: string;
  sourceIp?: string;
  /** The port the client addressed (the Service port). */
  port: number;
  /** Why the proxy builds this chain for the port (declared protocol, or what sniffing sees). */
  chainWhy?: string;
}

/** §4.1: the targetRefs policies a waypoint applies for traffic to this Service or ServiceEntry. */
export function policiesAtWaypoint(
  gateway: GatewayFact,
  target: { service?: ServiceFact; serviceEntry?: ServiceEntryFact },
  policies: AuthorizationPolicyFact[],
  rootNamespace: string,
): AuthorizationPolicyFact[] {
  return policies.filter((ap) =>
    ap.targetRefs.some((ref) => {
      const group = ref.group ?? '';
      if (ref.namespace && ref.namespace !== ap.meta.namespace) return false; // cross-namespace refs never match
      if (ref.kind === 'Gateway' && group === 'gateway.networking.k8s.io')
        return ap.meta.namespace === gateway.meta.namespace && ref.name === gateway.meta.name;
      if (ref.kind === 'GatewayClass')
        return ap.meta.namespace === rootNamespace && ref.name === gateway.gatewayClassName;
      if (ref.kind === 'Service' && group === '' && target.service)
        return ap.meta.namespace === target.service.meta.namespace && ref.name === target.service.meta.name;
      if (ref.kind === 'ServiceEntry' && target.serviceEntry)
        return ap.meta.namespace === target.serviceEntry.meta.namespace && ref.name === target.serviceEntry.meta.name;
      return false;
    }),
  );
}

/**
 * §4.8: the WaypointAccepted condition istiod writes on a targetRefs policy: one answer per
 * target, folded into one condition (one target: its own reason; several: Accepted when all bind,
 * PartiallyInvalid when some do, Invalid when none does).
 */
export function predictedWaypointAccepted(
  ap: AuthorizationPolicyFact,
  snapshot: Pick<Snapshot, 'gatewayClasses' | 'namespaces' | 'gateways' | 'services' | 'serviceEntries' | 'mesh'>,
): PredictedCondition | undefined {
  if (ap.targetRefs.length === 0) return undefined;
  const answers = ap.targetRefs.map((ref): PredictedCondition => {
    const namespace = ref.namespace || ap.meta.namespace;
    const bound = (reason = 'Accepted'): PredictedCondition => ({ status: 'True', reason });
    const unbound = (reason: string): PredictedCondition => ({ status: 'False', reason });
    switch (ref.kind) {
      case 'GatewayClass': {
        if (namespace !== snapshot.mesh.rootNamespace) return unbound('Invalid');
        const cls = snapshot.gatewayClasses.find((c) => c.name === ref.name);
        if (!cls) return unbound('TargetNotFound');
        return cls.controllerName === 'istio.io/mesh-controller' ? bound() : unbound('Invalid');
      }
      case 'Gateway': {
        // Any Gateway with addresses is in istiod's waypoint index (§6.4).
        const gw = snapshot.gateways.find((g) => g.meta.namespace === namespace && g.meta.name === ref.name);
        return gw && gw.statusAddresses.length > 0 ? bound() : unbound('TargetNotFound');
      }
      case 'Service':
      case 'ServiceEntry': {
        const list = ref.kind === 'Service' ? snapshot.services : snapshot.serviceEntries;
        const target = list.find((o) => o.meta.namespace === namespace && o.meta.name === ref.name);
        if (!target) return unbound('TargetNotFound');
        const waypoint = predictedWaypointBound({ ref: refTo(ref.kind, target.meta), meta: target.meta }, snapshot);
        return waypoint?.status === 'True' ? bound() : unbound('AncestorNotBound');
      }
      default:
        return unbound('unknown');
    }
  });
  if (answers.length === 1) return answers[0];
  const boundCount = answers.filter((a) => a.status === 'True').length;
  if (boundCount === 0) return { status: 'False', reason: 'Invalid' };
  return { status: 'True', reason: boundCount === answers.length ? 'Accepted' : 'PartiallyInvalid' };
}

type Tri = boolean | 'unknown';
const and = (a: Tri, b: Tri): Tri =>
  a === false || b === false ? false : a === 'unknown' || b === 'unknown' ? 'unknown' : true;
const or = (a: Tri, b: Tri): Tri =>
  a === true || b === true ? true : a === 'unknown' || b === 'unknown' ? 'unknown' : false;

const anyString = (patterns: string[] | undefined, value: string) =>
  (patterns ?? []).some((p) => stringMatches(toStringMatch(p), value));

/** Positive list must hit, negative list must not; empty lists are ignored. */
function field(pos: string[] | undefined, neg: string[] | undefined, hit: (p: string[]) => boolean): boolean {
  if (pos?.length && !hit(pos)) return false;
  if (neg?.length && hit(neg)) return false;
  return true;
}

const WHEN_KEYS = new Set([
  'source.ip',
  'remote.ip',
  'source.namespace',
  'source.serviceAccount',
  'source.trustDomain',
  'source.principal',
  'request.auth.principal',
  'request.auth.audiences',
  'request.auth.presenter',
  'destination.ip',
  'destination.port',
  'connection.sni',
]);
const WHEN_PREFIXES = ['request.headers[', 'request.auth.claims[', 'experimental.envoy.filters.'];

/** Conditions only an HTTP request carries (the generators that refuse forTCP). */
function httpOnlyKey(key: string): boolean {
  return key.startsWith('request.headers[') || key.startsWith('request.auth.');
}

function hasHttpFields(rule: AuthorizationRule): boolean {
  return (
    (rule.from ?? []).some(({ source }) => HTTP_ONLY_SOURCE_FIELDS.some((f) => source?.[f]?.length)) ||
    (rule.to ?? []).some(({ operation }) => L7_OPERATION_FIELDS.some((f) => operation?.[f]?.length)) ||
    (rule.when ?? []).some((c) => httpOnlyKey(c.key))
  );
}

function without<T extends object>(value: T | undefined, fields: readonly string[]): T | undefined {
  if (!value) return value;
  const copy: Record<string, unknown> = { ...(value as Record<string, unknown>) };
  for (const f of fields) delete copy[f];
  return copy as T;
}

/**
 * What one rule becomes on a chain, as istiod's policy builder makes it (pilot/pkg/security/authz/
 * model/model.go New and Generate, rule.checkError; builder/builder.go Builder.build): a rule with
 * an unknown `when` key is skipped on every chain; on a TCP chain, an ALLOW rule with any HTTP field
 * (in any `from`, `to` or `when` entry) is dropped whole, and a DENY, AUDIT or CUSTOM rule keeps its
 * other fields (an entry left with none matches everything). Undefined: the rule never matches.
 */
export function effectiveRule(
  rule: AuthorizationRule | null | undefined,
  chain: 'HTTP' | 'TCP',
  action: string,
): AuthorizationRule | undefined {
  if (!rule) return undefined;
  if ((rule.when ?? []).some((c) => !WHEN_KEYS.has(c.key) && !WHEN_PREFIXES.some((p) => c.key.startsWith(p))))
    return undefined;
  if (chain === 'HTTP' || !hasHttpFields(rule)) return rule;
  if (action === 'ALLOW') return undefined;
  return {
    ...rule,
    ...(rule.from
      ? { from: rule.from.map((f) => ({ ...f, source: without(f.source, HTTP_ONLY_SOURCE_FIELDS) })) }
      : {}),
    ...(rule.to ? { to: rule.to.map((t) => ({ ...t, operation: without(t.operation, L7_OPERATION_FIELDS) })) } : {}),
    ...(rule.when ? { when: rule.when.filter((c) => !httpOnlyKey(c.key)) } : {}),
  };
}

function ruleMatches(rule: AuthorizationRule, req: WaypointRequest, policyNamespace: string): Tri {
  const id = parseIdentity(req.identity);
  const principal = req.identity ?? '';
  const ns = id?.namespace ?? '';
  const ips = (list: string[]) =>
    list.some((c) => {
      const cidr = toCidr(c);
      return !!cidr && cidrContains(cidr, req.sourceIp);
    });
  let result: Tri = true;
  if (rule.from?.length) {
    let any: Tri = false;
    for (const { source = {} } of rule.from) {
      let m: Tri =
        field(source.principals, source.notPrincipals, (l) => anyString(l, principal)) &&
        field(source.namespaces, source.notNamespaces, (l) => anyString(l, ns)) &&
        field(source.ipBlocks, source.notIpBlocks, ips) &&
        field(source.remoteIpBlocks, source.notRemoteIpBlocks, ips) &&
        field(source.serviceAccounts, source.notServiceAccounts, (l) =>
          l.some(
            (sa) => (sa.includes('/') ? sa : `${policyNamespace}/${sa}`) === `${id?.namespace}/${id?.serviceAccount}`,
          ),
        );
      // A JWT's principal is not in the input.
      if (m && (source.requestPrincipals?.length || source.notRequestPrincipals?.length)) m = 'unknown';
      any = or(any, m);
    }
    result = and(result, any);
  }
  if (rule.to?.length) {
    let any: Tri = false;
    for (const { operation = {} } of rule.to) {
      const portOk = field(operation.ports, operation.notPorts, (l) => l.includes(String(req.port)));
      const httpOk =
        field(operation.methods, operation.notMethods, (l) => anyString(l, req.method)) &&
        field(operation.paths, operation.notPaths, (l) => anyString(l, req.path)) &&
        field(operation.hosts, operation.notHosts, (l) =>
          anyString(
            l.map((h) => h.toLowerCase()),
            req.host.toLowerCase(),
          ),
        );
      any = or(any, portOk && httpOk);
    }
    result = and(result, any);
  }
  for (const cond of rule.when ?? []) {
    let value: string | undefined;
    const header = cond.key.match(/^request\.headers\[(.+)\]$/i);
    if (header) value = req.headers[header[1].toLowerCase()] ?? '';
    else if (cond.key === 'source.namespace') value = ns;
    else if (cond.key === 'source.principal') value = principal;
    else if (cond.key === 'destination.port') value = String(req.port);
    else if (cond.key === 'source.ip' || cond.key === 'remote.ip') {
      result = and(result, field(cond.values, cond.notValues, ips));
      continue;
    }
    if (value === undefined) {
      // JWT claims, SNI and other attributes the input cannot know.
      result = and(result, 'unknown');
      continue;
    }
    result = and(
      result,
      field(cond.values, cond.notValues, (l) => anyString(l, value!)),
    );
  }
  return result;
}

/** A rule on the request's chain: never matches when the builder drops it. */
function matchesOnChain(
  rule: AuthorizationRule | null | undefined,
  req: WaypointRequest,
  ap: AuthorizationPolicyFact,
): Tri {
  const effective = effectiveRule(rule, req.protocol, ap.action);
  return effective ? ruleMatches(effective, req, ap.meta.namespace) : false;
}

/** A policy as an Envoy proxy holds it: dry-run ones are shadow rules. */
export function policyAtEnvoyText(p: AuthorizationPolicyFact): string {
  return `${p.action} ${p.meta.namespace}/${p.meta.name}${isDryRun(p) ? ' (dry-run: logged, not enforced)' : ''}`;
}

/**
 * CUSTOM policies as istiod builds them for one chain (pilot/pkg/security/authz/builder/builder.go
 * buildHTTP/buildTCP, getBadCustomDenyRules; extauthz.go processExtensionProvider, getExtAuthz): a
 * provider missing from meshConfig.extensionProviders, or not an ext_authz one, or several providers on
 * one proxy (PILOT_ENABLE_MULTIPLE_CUSTOM_AUTHZ_PROVIDERS is off by default), turn the CUSTOM rules into
 * DENY rules; an HTTP ext_authz provider is not applied to a TCP chain at all. Unknown providers
 * (mesh config not read) leave CUSTOM to the external authorizer.
 */
export function customAtEnvoy(
  policies: AuthorizationPolicyFact[],
  chain: 'HTTP' | 'TCP',
  providers: MeshSettings['extensionProviders'],
  serviceKnown: (service: string) => boolean | 'unknown' = () => 'unknown',
): { asDeny: Map<AuthorizationPolicyFact, string>; ignored: AuthorizationPolicyFact[] } {
  const asDeny = new Map<AuthorizationPolicyFact, string>();
  const ignored: AuthorizationPolicyFact[] = [];
  const custom = policies.filter((p) => p.action === 'CUSTOM');
  if (!providers || custom.length === 0) return { asDeny, ignored };
  const names = [...new Set(custom.map((p) => p.provider ?? ''))];
  for (const p of custom) {
    const provider = providers.find((x) => x.name === p.provider);
    if (names.length > 1)
      asDeny.set(p, `several CUSTOM providers (${names.join(', ')}) on one proxy, which istiod refuses by default`);
    else if (!provider) asDeny.set(p, `its provider "${p.provider ?? ''}" is not in meshConfig.extensionProviders`);
    else if (provider.kind === 'other') asDeny.set(p, `its provider "${provider.name}" is not an ext_authz provider`);
    else if (serviceKnown(provider.service ?? '') === false)
      asDeny.set(p, `its provider's service ${provider.service ?? '(none)'} is not in the registry`);
    else if (provider.kind === 'ext_authz_http' && chain === 'TCP') ignored.push(p);
  }
  return { asDeny, ignored };
}

/**
 * An ext_authz provider's service as written: "NS/HOST" or "HOST"; for a cluster host
 * (NAME.NAMESPACE.svc…), the Service it names.
 */
export function providerServiceRef(service: string): {
  namespace?: string;
  host: string;
  service?: { name: string; namespace: string };
} {
  const [namespace, host] = service.includes('/') ? service.split('/', 2) : [undefined, service];
  const m = host.match(/^([^.]+)\.([^.]+)\.svc(?:\.|$)/);
  return {
    ...(namespace ? { namespace } : {}),
    host,
    ...(m ? { service: { name: m[1], namespace: namespace ?? m[2] } } : {}),
  };
}

/**
 * model.LookupCluster (pilot/pkg/model/telemetry_logging.go): an ext_authz provider's service, "NS/HOST"
 * or a HOST unique in the registry, must be a Service or ServiceEntry host. Unknown when the namespace
 * it names is not in the input.
 */
export function providerServiceLookup(
  snapshot: Pick<Snapshot, 'services' | 'serviceEntries' | 'namespaces'>,
): (service: string) => boolean | 'unknown' {
  return (service) => {
    const { namespace, host, service: named } = providerServiceRef(service);
    const hosts = [
      ...snapshot.services.map((s) => ({
        ns: s.meta.namespace,
        host: serviceHostname(s),
      })),
      ...snapshot.serviceEntries.flatMap((se) => se.hosts.map((h) => ({ ns: se.meta.namespace, host: h }))),
    ].filter((h) => h.host === host && (!namespace || h.ns === namespace));
    if (hosts.length > 0) return namespace ? true : new Set(hosts.map((h) => h.ns)).size === 1;
    const inNamespace = namespace ?? named?.namespace;
    const read = inNamespace ? snapshot.namespaces.get(inNamespace) : undefined;
    return read && !read.implied ? false : 'unknown';
  };
}

export interface WaypointDecision {
  allowed: Tri;
  reason: 'no-policy' | 'denied' | 'allowed' | 'not-allowed' | 'unknown';
  decisive?: AuthorizationPolicyFact;
  ruleIndex?: number;
  /** CUSTOM policies whose rules match (or may match): the external authorizer decides. */
  custom: AuthorizationPolicyFact[];
  /** The decisive policy is CUSTOM that istiod turned into DENY rules, or whose authorizer is down, and why. */
  customAsDeny?: string;
  /** The decisive CUSTOM policy's external authorizer has no ready endpoint (its Service, as written). */
  authorizerDown?: string;
}

/**
 * §12.5: whether an ext_authz provider's Service has a ready endpoint: its EndpointSlices when the input
 * holds them, else the pods its selector matches. Unknown when neither is there and their absence is
 * not a fact (files), or when the service is not a cluster Service of the input.
 */
export function providerServiceReady(
  snapshot: Pick<Snapshot, 'services' | 'endpointSlices' | 'pods' | 'isAbsenceFact'>,
): (service: string) => boolean | 'unknown' {
  return (service) => {
    const named = providerServiceRef(service).service;
    const svc = named
      ? snapshot.services.find((s) => s.meta.namespace === named.namespace && s.meta.name === named.name)
      : undefined;
    if (!svc || svc.externalName) return 'unknown';
    const ns = svc.meta.namespace;
    const slices = snapshot.endpointSlices.filter((s) => s.meta.namespace === ns && s.serviceName === svc.meta.name);
    if (slices.length > 0)
      return slices.some((s) =>
        s.endpoints.some((e) => e.addresses.length > 0 && (e.ready || svc.publishNotReadyAddresses)),
      );
    if (svc.selector && Object.keys(svc.selector).length > 0) {
      const pods = endpointsOfService(snapshot as Snapshot, svc);
      if (pods.some((p) => p.ready || svc.publishNotReadyAddresses)) return true;
      if (pods.length > 0 || snapshot.isAbsenceFact('pods', ns)) return false;
      return 'unknown';
    }
    return snapshot.isAbsenceFact('endpointslices', ns) ? false : 'unknown';
  };
}

/**
 * §4.4, §12.5 in Envoy (a waypoint or a sidecar): CUSTOM, then DENY, then ALLOW (implicit deny
 * once any ALLOW applies). The external authorizer is called only when a CUSTOM rule matches, so a
 * request no CUSTOM rule matches is decided by DENY and ALLOW alone.
 */
export function evaluateAtEnvoy(
  attached: AuthorizationPolicyFact[],
  req: WaypointRequest,
  providers?: MeshSettings['extensionProviders'],
  serviceKnown?: (service: string) => boolean | 'unknown',
  serviceReady: (service: string) => boolean | 'unknown' = () => 'unknown',
): WaypointDecision {
  // Dry-run policies become Envoy shadow rules, logged and never enforced, in every release
  // (pilot/pkg/security/authz/builder/builder.go isDryRun, Builder.build).
  const enforced = attached.filter((p) => !isDryRun(p));
  const { asDeny, ignored } = customAtEnvoy(enforced, req.protocol, providers, serviceKnown);
  // §12.5: an authorizer Envoy cannot reach fails the requests it checks, unless the provider fails open
  // (pilot/pkg/security/authz/builder/extauthz.go: FailureModeAllow is the provider's failOpen; Envoy then
  // answers status_on_error, 403 by default, or closes a TCP connection).
  // With failOpen, Envoy passes the request on unchecked: the policy then decides nothing.
  const down = new Map<AuthorizationPolicyFact, string>();
  for (const p of [...enforced]) {
    if (p.action !== 'CUSTOM' || asDeny.has(p) || ignored.includes(p)) continue;
    const provider = providers?.find((x) => x.name === p.provider);
    if (!provider?.service || serviceReady(provider.service) !== false) continue;
    if (provider.failOpen) {
      ignored.push(p);
      continue;
    }
    down.set(p, provider.service);
    asDeny.set(
      p,
      `its external authorizer ${provider.service} has no ready endpoint and the provider does not fail open`,
    );
  }
  const policies = enforced
    .filter((p) => !ignored.includes(p))
    .map((p) => (asDeny.has(p) ? { ...p, action: 'DENY' } : p));
  const original = new Map(policies.map((p, i) => [p, enforced.filter((x) => !ignored.includes(x))[i]]));
  const decision = decideAtEnvoy(policies, req);
  const decisive = decision.decisive && original.get(decision.decisive);
  return {
    ...decision,
    decisive,
    custom: decision.custom.map((p) => original.get(p) ?? p),
    ...(decisive && asDeny.has(decisive) ? { customAsDeny: asDeny.get(decisive) } : {}),
    ...(decisive && down.has(decisive) ? { authorizerDown: down.get(decisive) } : {}),
  };
}

function decideAtEnvoy(policies: AuthorizationPolicyFact[], req: WaypointRequest): WaypointDecision {
  const matching = (ap: AuthorizationPolicyFact): Tri =>
    (ap.rules ?? []).reduce<Tri>((any, rule) => or(any, matchesOnChain(rule, req, ap)), false);
  const custom = policies.filter((p) => p.action === 'CUSTOM' && matching(p) !== false);
  const first = (action: string): { ap: AuthorizationPolicyFact; index: number; m: Tri } | undefined => {
    let unknown: { ap: AuthorizationPolicyFact; index: number; m: Tri } | undefined;
    for (const ap of policies.filter((p) => p.action === action)) {
      for (const [index, rule] of (ap.rules ?? []).entries()) {
        const m = matchesOnChain(rule, req, ap);
        if (m === true) return { ap, index, m };
        if (m === 'unknown') unknown ??= { ap, index, m };
      }
    }
    return unknown;
  };
  // DENY and ALLOW alone; a request they refuse is refused whatever the authorizer says.
  const rbac = ((): WaypointDecision => {
    const deny = first('DENY');
    if (deny?.m === true) return { allowed: false, reason: 'denied', decisive: deny.ap, ruleIndex: deny.index, custom };
    if (deny?.m === 'unknown')
      return { allowed: 'unknown', reason: 'unknown', decisive: deny.ap, ruleIndex: deny.index, custom };
    if (!policies.some((p) => p.action === 'ALLOW')) return { allowed: true, reason: 'no-policy', custom };
    const allow = first('ALLOW');
    if (allow?.m === true)
      return { allowed: true, reason: 'allowed', decisive: allow.ap, ruleIndex: allow.index, custom };
    if (allow?.m === 'unknown')
      return { allowed: 'unknown', reason: 'unknown', decisive: allow.ap, ruleIndex: allow.index, custom };
    return { allowed: false, reason: 'not-allowed', custom };
  })();
  if (rbac.allowed === false || custom.length === 0) return rbac;
  return { allowed: 'unknown', reason: 'unknown', custom };
}
