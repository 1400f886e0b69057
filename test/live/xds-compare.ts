// Issue 26: what istiod pushes to the dataplane against the tool's model of the same objects.
// As ztunnel (istio.workload.Address): every Service of the scenario (in the registry at all, VIPs,
// ports with target ports and the protocol istiod reads, whether endpoints are node-local or
// not-ready ones are used, the endpoints ztunnel may pick) and every pod (node, identity). As each
// waypoint (its listeners): for every Service and port it serves, which chains it builds (HTTP, TCP
// or both when sniffed) and which authorization rules each chain holds, enforced or shadow.
import type { AuthorizationPolicyFact, GatewayFact, ServiceFact, Snapshot } from '../../src/snapshot/types.js';
import { refTo } from '../../src/snapshot/ref.js';
import { servicePortProtocol, type IstioProtocol } from '../../src/mesh/http.js';
import { outsideEndpoints } from '../../src/mesh/services.js';
import {
  customAtEnvoy,
  effectiveRule,
  policiesAtWaypoint,
  providerServiceLookup,
} from '../../src/mesh/waypoint-authorization.js';
import { isDryRun } from '../../src/mesh/authorization.js';
import { bindingProblem, waypointBinding } from '../../src/mesh/waypoints.js';
import { serviceTargets } from '../../src/diagnose/explain/resolve-destination.js';
import type { XdsPush } from './istiod.js';

export type Row = { scenario: string; aspect: string; object: string; tool: string; istiod: string };
export interface Rows {
  agree: Row[];
  differ: Row[];
  na: Row[];
}

export const ADDRESS_TYPE = 'type.googleapis.com/istio.workload.Address';
export const LISTENER_TYPE = 'type.googleapis.com/envoy.config.listener.v3.Listener';

/** workloadapi.AppProtocol as istiod derives it (pilot/pkg/serviceregistry/ambient toAppProtocolFromProtocol). */
function appProtocolOf(p: IstioProtocol): string {
  const byProtocol: Partial<Record<IstioProtocol, string>> = {
    HTTP: 'HTTP11',
    HTTP2: 'HTTP2',
    GRPC: 'GRPC',
    TLS: 'TLS',
    HTTPS: 'TLS',
    TCP: 'TCP',
  };
  return byProtocol[p] ?? 'UNKNOWN';
}

/** An address as protojson gives it: base64 of 4 or 16 bytes. */
function ipText(b64: string): string {
  const bytes = Buffer.from(b64, 'base64');
  if (bytes.length === 4) return [...bytes].join('.');
  if (bytes.length === 16) {
    const groups: string[] = [];
    for (let i = 0; i < 16; i += 2) groups.push(bytes.readUInt16BE(i).toString(16));
    return groups.join(':').replace(/(^|:)0(:0)+(:|$)/, '::');
  }
  return b64;
}

const sorted = (list: Iterable<string>) => [...new Set(list)].sort().join(', ') || 'none';

function rows(
  scenario: string,
): Rows & { note(aspect: string, object: string, tool: string, istiod?: string, why?: string): void } {
  const r: Rows = { agree: [], differ: [], na: [] };
  return {
    ...r,
    note(aspect, object, tool, istiod, why) {
      const row = { scenario, aspect, object, tool, istiod: istiod ?? why ?? '(not listed)' };
      if (istiod === undefined) r.na.push(row);
      else if (tool === istiod) r.agree.push(row);
      else r.differ.push(row);
    },
  };
}

/** The ztunnel view: Services and workloads. */
export function compareZtunnelPush(scenario: string, snapshot: Snapshot, push: XdsPush): Rows {
  const out = rows(scenario);
  const resources = push[ADDRESS_TYPE] ?? [];
  const services = resources.filter((r) => r.service).map((r) => r.service);
  const workloads = resources.filter((r) => r.workload).map((r) => r.workload);
  for (const svc of snapshot.services) {
    const object = `Service ${svc.meta.namespace}/${svc.meta.name}`;
    const host = `${svc.meta.name}.${svc.meta.namespace}.svc.cluster.local`;
    const x = services.find((s) => s.hostname === host);
    out.note('in ztunnel registry', object, svc.type === 'ExternalName' ? 'no' : 'yes', x ? 'yes' : 'no');
    if (!x || svc.type === 'ExternalName') continue;
    const vips = sorted((x.addresses ?? []).map((a: any) => ipText(a.address)));
    // A Service written without a clusterIP gets one from the API server: the scenario cannot state it.
    if (svc.clusterIPs.length === 0 && !svc.headless)
      out.note('service VIPs', object, 'none', undefined, `the API server allocated ${vips}; the scenario states none`);
    else out.note('service VIPs', object, sorted(svc.clusterIPs), vips);
    out.note(
      'service ports',
      object,
      sorted(
        svc.ports.map(
          (p) =>
            `${p.port}->${typeof p.targetPort === 'number' ? p.targetPort : 0}/${appProtocolOf(servicePortProtocol(p))}`,
        ),
      ),
      sorted((x.ports ?? []).map((p: any) => `${p.servicePort}->${p.targetPort ?? 0}/${p.appProtocol ?? 'UNKNOWN'}`)),
    );
    const lb = x.loadBalancing ?? {};
    const nodeLocal = lb.mode === 'STRICT' && JSON.stringify(lb.routingPreference) === '["NODE"]';
    out.note(
      'endpoint choice',
      object,
      `${svc.internalTrafficPolicy === 'Local' ? 'node-local' : 'any node'}, ${
        svc.publishNotReadyAddresses ? 'not-ready endpoints used' : 'ready endpoints only'
      }`,
      `${nodeLocal ? 'node-local' : 'any node'}, ${
        lb.healthPolicy === 'ALLOW_ALL' ? 'not-ready endpoints used' : 'ready endpoints only'
      }`,
    );
    // The endpoints ztunnel may pick for the first port: pods by name, other workloads by address.
    const key = `${svc.meta.namespace}/${host}`;
    const usable = workloads.filter(
      (w) => w.services?.[key] && (w.status !== 'UNHEALTHY' || lb.healthPolicy === 'ALLOW_ALL'),
    );
    const istiodEndpoints = usable.map((w) =>
      String(w.uid ?? '').includes('/Pod/') ? `pod ${w.name}` : `address ${sorted((w.addresses ?? []).map(ipText))}`,
    );
    const sp = svc.ports[0];
    const toolEndpoints = sp
      ? [
          ...serviceTargets(snapshot, svc, sp).targets.map((t) => `pod ${t.pod.meta.name}`),
          ...outsideEndpoints(snapshot, svc).map((a) => `address ${a}`),
        ]
      : [];
    const synthesized = sp ? serviceTargets(snapshot, svc, sp).targets.filter((t) => !t.pod.observed) : [];
    if (synthesized.length > 0) {
      const names = synthesized.map((t) => t.pod.meta.name).join(', ');
      out.note(
        'service endpoints',
        object,
        sorted(toolEndpoints),
        undefined,
        `${names}: made from a workload template, no pod exists`,
      );
    } else if (!svc.headless) out.note('service endpoints', object, sorted(toolEndpoints), sorted(istiodEndpoints));
  }
  for (const pod of snapshot.pods) {
    const w = workloads.find((x) => x.namespace === pod.meta.namespace && x.name === pod.meta.name);
    const object = `Pod ${pod.meta.namespace}/${pod.meta.name}`;
    if (!w) {
      const why = pod.observed
        ? 'istiod lists no workload for it (no IP, or not a pod istiod models)'
        : 'made from a workload template, no pod exists';
      out.note('workload', object, 'listed', undefined, why);
      continue;
    }
    out.note('workload node', object, pod.nodeName ?? 'none', w.node ?? 'none');
    out.note('workload identity', object, pod.serviceAccount || 'default', w.serviceAccount ?? 'default');
  }
  return out;
}

/** The Services bound to this waypoint, addressed by VIP, as the tool binds them (§6). */
export function servicesOfWaypoint(snapshot: Snapshot, gateway: GatewayFact): ServiceFact[] {
  return snapshot.services.filter((svc) => {
    if (svc.type === 'ExternalName') return false;
    const object = { ref: refTo('Service', svc.meta), meta: svc.meta };
    const binding = waypointBinding(object, snapshot.namespaces.get(svc.meta.namespace), snapshot.gateways);
    if (!binding || binding.namespace !== gateway.meta.namespace || binding.name !== gateway.meta.name) return false;
    const inherited = binding.labelledObject.kind === 'Namespace';
    return !bindingProblem(binding, 'service', svc.meta.namespace, snapshot, inherited);
  });
}

/** The rules the tool puts on one chain, as the builder names them. */
function toolRules(attached: AuthorizationPolicyFact[], chain: 'HTTP' | 'TCP', snapshot: Snapshot): string {
  const entries: string[] = [];
  const { asDeny, ignored } = customAtEnvoy(
    attached.filter((ap) => !isDryRun(ap)),
    chain,
    snapshot.mesh.extensionProviders,
    providerServiceLookup(snapshot),
  );
  const policies = attached.filter((ap) => !ignored.includes(ap));
  const actionOf = (ap: AuthorizationPolicyFact) => (asDeny.has(ap) ? 'DENY' : ap.action);
  // An RBAC filter per action with an enforced policy, even when none of its rules is kept (deny-all for ALLOW).
  for (const action of ['ALLOW', 'DENY', 'AUDIT'])
    if (policies.some((ap) => actionOf(ap) === action && !isDryRun(ap))) entries.push(`${action} filter`);
  for (const ap of policies) {
    const action = actionOf(ap);
    const section = action === 'CUSTOM' ? 'ext_authz' : isDryRun(ap) ? `shadow ${action}` : action;
    const prefix = `ns[${ap.meta.namespace}]-policy[${ap.meta.name}]`;
    const suffix = asDeny.has(ap) ? '-deny-due-to-bad-CUSTOM-action' : '';
    if ((ap.rules ?? []).length === 0) entries.push(`${section} ${prefix}-rule[0]${suffix}`);
    for (const [i, rule] of (ap.rules ?? []).entries())
      if (effectiveRule(rule, chain, ap.action)) entries.push(`${section} ${prefix}-rule[${i}]${suffix}`);
  }
  return sorted(entries);
}

/** The RBAC rules on one of istiod's filter chains. */
function istiodRules(chain: any): string {
  const entries: string[] = [];
  const take = (config: any) => {
    for (const [field, shadow] of [
      ['rules', false],
      ['shadowRules', true],
    ] as const) {
      const rules = config?.[field];
      if (!rules) continue;
      const action = rules.action === 'DENY' ? 'DENY' : rules.action === 'LOG' ? 'AUDIT' : 'ALLOW';
      // CUSTOM with a provider istiod cannot use becomes a DENY filter (builder.go getBadCustomDenyRules).
      const bad = (n: string) => n.endsWith('-deny-due-to-bad-CUSTOM-action');
      const names = Object.keys(rules.policies ?? {});
      if (!shadow && !names.some((n) => n.startsWith('istio-ext-authz') && !bad(n))) entries.push(`${action} filter`);
      for (const name of names) {
        const custom = name.startsWith('istio-ext-authz') && !bad(name);
        entries.push(
          `${custom ? 'ext_authz' : shadow ? `shadow ${action}` : action} ${name.slice(name.indexOf('ns['))}`,
        );
      }
    }
  };
  for (const f of chain.filters ?? []) {
    if (f.name === 'envoy.filters.network.rbac') take(f.typedConfig);
    for (const h of f.typedConfig?.httpFilters ?? []) if (h.name === 'envoy.filters.http.rbac') take(h.typedConfig);
  }
  return sorted(entries);
}

/** The waypoint view: chains per Service port and the rules on each. */
export function compareWaypointPush(scenario: string, snapshot: Snapshot, gateway: GatewayFact, push: XdsPush): Rows {
  const out = rows(scenario);
  const gw = `${gateway.meta.namespace}/${gateway.meta.name}`;
  const main = (push[LISTENER_TYPE] ?? []).find((l) => l.name === 'main_internal');
  const chains: { port: number; protocol: string; host: string; chain: any }[] = [];
  for (const chain of main?.filterChains ?? []) {
    const m = String(chain.name ?? '').match(/^inbound-vip\|(\d+)\|(\w+)\|(.+)$/);
    if (m) chains.push({ port: Number(m[1]), protocol: m[2], host: m[3], chain });
  }
  const own = `${gateway.meta.name}.${gateway.meta.namespace}.svc.cluster.local`;
  const bound = servicesOfWaypoint(snapshot, gateway);
  const hostOf = (s: ServiceFact) => `${s.meta.name}.${s.meta.namespace}.svc.cluster.local`;
  const served = chains.filter((c) => c.host !== own);
  out.note(
    'services the waypoint serves',
    `Gateway ${gw}`,
    sorted(bound.map(hostOf)),
    sorted(served.filter((c) => snapshot.services.some((s) => hostOf(s) === c.host)).map((c) => c.host)),
  );
  for (const svc of bound) {
    for (const p of svc.ports) {
      if ((p.protocol ?? 'TCP') === 'UDP') continue;
      const object = `Service ${svc.meta.namespace}/${svc.meta.name} port ${p.port} at ${gw}`;
      const declared = servicePortProtocol(p);
      const toolChains =
        declared === 'Unsupported'
          ? ['http', 'tcp']
          : ['HTTP', 'HTTP2', 'HTTP_PROXY', 'GRPC', 'GRPC-Web'].includes(declared)
            ? ['http']
            : ['tcp'];
      const mine = chains.filter((c) => c.host === hostOf(svc) && c.port === p.port);
      out.note('waypoint chains', object, sorted(toolChains), sorted(mine.map((c) => c.protocol)));
      const policies = policiesAtWaypoint(
        gateway,
        { service: svc },
        snapshot.authorizationPolicies,
        snapshot.mesh.rootNamespace,
      );
      for (const c of mine) {
        const chain = c.protocol === 'http' ? 'HTTP' : 'TCP';
        out.note(`rules on the ${chain} chain`, object, toolRules(policies, chain, snapshot), istiodRules(c.chain));
      }
    }
  }
  return out;
}

/**
 * The sidecar view: the inbound listener's chains (per Service port and the passthrough ones), and
 * the rules on its HTTP and on its TCP chains (the same policies on every chain of one kind).
 */
export function compareSidecarPush(
  scenario: string,
  snapshot: Snapshot,
  pod: Snapshot['pods'][number],
  policies: AuthorizationPolicyFact[],
  push: XdsPush,
): Rows {
  const out = rows(scenario);
  const object = `Pod ${pod.meta.namespace}/${pod.meta.name} (sidecar)`;
  const inbound = (push[LISTENER_TYPE] ?? []).find((l) => l.name === 'virtualInbound');
  if (!inbound) {
    out.note('sidecar inbound', object, 'built', undefined);
    return out;
  }
  const byKind: Record<'HTTP' | 'TCP', string[]> = { HTTP: [], TCP: [] };
  for (const chain of inbound.filterChains ?? []) {
    if (/blackhole/i.test(String(chain.name ?? ''))) continue;
    const http = (chain.filters ?? []).some((f: any) => f.name === 'envoy.filters.network.http_connection_manager');
    byKind[http ? 'HTTP' : 'TCP'].push(istiodRules(chain));
  }
  for (const kind of ['HTTP', 'TCP'] as const) {
    const seen = [...new Set(byKind[kind])];
    if (seen.length === 0) continue;
    out.note(`rules on the sidecar's ${kind} chains`, object, toolRules(policies, kind, snapshot), seen.join(' | '));
  }
  return out;
}
