// Issue 14: the tool's model against real istiod. Every scenario with Istio objects is loaded
// into the test API server without the conditions Istio writes itself; istiod (pilot-discovery at
// the pinned version) computes its ztunnel view; then, object by object, the tool's model and
// istiod's are compared:
// - enrolment: HBONE (captured by ztunnel, or a sidecar that terminates HBONE) vs TCP per pod;
// - waypoint binding of every Service and pod;
// - which policies istiod sends to ztunnel for each pod, by name: workload-scoped (converted
//   PeerAuthentication, selector AuthorizationPolicies) and namespace- and mesh-wide ones.
// What istiod does not model (NetworkPolicy, ztunnel presence per node, readiness) never enters a
// comparison; pods istiod does not list (no IP, host network) are "not comparable".
// Then the tool is run live, after istiod has written its conditions, and must give the verdict
// it gives offline from the scenario's own files.
import { inject, describe, expect, it, beforeAll, afterAll } from 'vitest';
import { buildSnapshot } from '../../src/input/normalize.js';
import type { SourcedObject } from '../../src/input/files.js';
import { createContext, enrollmentOf, policiesAt, conversionOf, mtlsOf } from '../../src/diagnose/context.js';
import { bindingProblem, predictedWaypointBound, waypointBinding } from '../../src/mesh/waypoints.js';
import { predictedZtunnelAccepted } from '../../src/mesh/authorization.js';
import { predictedWaypointAccepted } from '../../src/mesh/waypoint-authorization.js';
import { podRef, refTo, type ObjectRef } from '../../src/snapshot/ref.js';
import { LABEL_TUNNEL, STATIC_STRICT_POLICY } from '../../src/mesh/constants.js';
import { staticStrictPolicy } from '../../src/mesh/peer-authentication.js';
import type { ObjectMeta, Snapshot } from '../../src/snapshot/types.js';
import { lastCopies, loadScenarios, type Scenario } from '../support/scenarios.js';
import { outcomeOf, runScenarioOn, type Outcome } from '../support/run-scenario.js';
import { liveRead } from './live-read.js';
import { TestWriter } from './cluster.js';
import { ScenarioCluster } from './scenario-cluster.js';
import {
  MESH_CONFIG,
  istiodSkipReason,
  startIstiod,
  xdsSkipReason,
  type Ambientz,
  type Istiod,
  type XdsProxy,
  type XdsPush,
} from './istiod.js';
import {
  compareSidecarPush,
  compareWaypointPush,
  compareZtunnelPush,
  LISTENER_TYPE,
  servicesOfWaypoint,
} from './xds-compare.js';

const kubeconfig = inject('kubeconfig');
const skip = inject('liveSkip') || istiodSkipReason() || xdsSkipReason();

const ISTIOD_MESH_CONFIGMAP = {
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'istio', namespace: 'istio-system' },
  data: { mesh: MESH_CONFIG },
};

/** The minor version of the istiod under test (test/istiod/go.mod: the 1.30/1.31 line). */
const ISTIOD_MINOR = 30;

type Result = { scenario: string; aspect: string; object: string; tool: string; istiod: string };

/** Conditions only Istio writes (real-istio-and-kwok.md): removed so that istiod writes them. */
function withoutIstioStatus(objects: SourcedObject[]): SourcedObject[] {
  return objects.map((o) => {
    const obj: any = structuredClone(o.object);
    if (obj.status?.conditions && /istio\.io|gateway\.networking\.k8s\.io/.test(obj.apiVersion ?? ''))
      delete obj.status.conditions;
    if (obj.kind === 'Service' && obj.status?.conditions)
      obj.status.conditions = obj.status.conditions.filter((c: any) => !String(c.type).startsWith('istio.io/'));
    return { ...o, object: obj };
  });
}

function hasIstioObjects(s: Scenario): boolean {
  return s.objects.some((o) => /istio\.io|gateway\.networking\.k8s\.io/.test(String(o.object.apiVersion ?? '')));
}

/** Services whose endpoints istiod computes other than "a selector over pods" (compared through xDS). */
function hasServiceShapes(s: Scenario): boolean {
  return s.objects.some((o) => {
    const spec = o.object.kind === 'Service' ? o.object.spec : undefined;
    return (
      !!spec &&
      (spec.type === 'ExternalName' ||
        !spec.selector ||
        !!spec.internalTrafficPolicy ||
        !!spec.publishNotReadyAddresses)
    );
  });
}

/** The Istio version a scenario states when it is older than the istiod under test. */
function olderThanIstiod(snapshot: Snapshot): string | undefined {
  const [major, minor] = (snapshot.mesh.istioVersion ?? '').split('.').map(Number);
  return major === 1 && minor < ISTIOD_MINOR ? snapshot.mesh.istioVersion : undefined;
}

/** The tool's model of what istiod computes, for the comparison. */
function compare(name: string, snapshot: Snapshot, z: Ambientz): { agree: Result[]; differ: Result[]; na: Result[] } {
  const agree: Result[] = [];
  const differ: Result[] = [];
  const na: Result[] = [];
  const ctx = createContext(snapshot, 'verdict');
  const root = snapshot.mesh.rootNamespace;
  // A scenario written for an older Istio (its istiod or CNI image says so) may differ from the
  // istiod under test where behaviour changed between versions (e.g. dry-run, §4.5): such a
  // difference is not comparable, said with the version.
  const older = olderThanIstiod(snapshot);
  const note = (aspect: string, object: string, tool: string, istiod: string | undefined) => {
    const r = { scenario: name, aspect, object, tool, istiod: istiod ?? '(not listed)' };
    if (istiod === undefined) na.push(r);
    else if (tool === istiod) agree.push(r);
    else if (older) na.push({ ...r, istiod: `${r.istiod} (scenario is for Istio ${older})` });
    else differ.push(r);
  };
  for (const pod of snapshot.pods) {
    if (pod.meta.namespace === 'istio-system' && pod.meta.labels.app === 'ztunnel') continue;
    const w = z.workloads.find((x) => x.namespace === pod.meta.namespace && x.name === pod.meta.name);
    const enr = enrollmentOf(ctx, pod);
    const hbone =
      (enr.mode === 'ambient' && enr.captured) || (enr.mode === 'sidecar' && pod.meta.labels[LABEL_TUNNEL] === 'http');
    const object = `Pod ${pod.meta.namespace}/${pod.meta.name}`;
    note(
      'enrolment',
      object,
      hbone ? 'HBONE' : 'TCP',
      w ? (w.tunnelProtocol === 'HBONE' ? 'HBONE' : 'TCP') : undefined,
    );
    if (!w) continue;
    note(
      'workload waypoint',
      object,
      effectiveWaypoint(snapshot, { ref: podRef(pod), meta: pod.meta }, 'pod-ip'),
      waypointOf(w.waypoint, snapshot),
    );
    // §3.1, §4.1: the workload-scoped policies ztunnel gets: converted PeerAuthentication and selector policies.
    const workloadScoped = [
      ...mtlsOf(ctx, pod).policies.map((p) => `${p.namespace}/${p.name}`),
      ...policiesAt(ctx, pod)
        .filter((ap) => ap.selector && conversionOf(ctx, ap).policy)
        .map((ap) => `${ap.meta.namespace}/${ap.meta.name}`),
    ];
    note('workload policies at ztunnel', object, list(workloadScoped), list(w.authorizationPolicies ?? []));
    // Namespace-wide policies of the pod's namespace and mesh-wide ones of the root namespace.
    const wide = policiesAt(ctx, pod)
      .filter((ap) => !ap.selector && conversionOf(ctx, ap).policy)
      .map((ap) => `${ap.meta.namespace}/${ap.meta.name}`);
    const istiodWide = z.policies
      .filter(
        (p) => (p.scope === 'NAMESPACE' && p.namespace === pod.meta.namespace) || (!p.scope && p.namespace === root),
      )
      .map((p) => `${p.namespace}/${p.name}`);
    note('namespace and mesh policies at ztunnel', object, list(wide), list(istiodWide));
  }
  // §3.1, §4.2: the converted form of every policy istiod sends, against the tool's conversion.
  const converted = new Map<string, unknown>();
  // §3.1: the static STRICT policy exists as soon as any PeerAuthentication does.
  if (snapshot.peerAuthentications.length > 0)
    converted.set(`${root}/${STATIC_STRICT_POLICY}`, staticStrictPolicy(root).groups);
  for (const pod of snapshot.pods)
    for (const p of mtlsOf(ctx, pod).policies) converted.set(`${p.namespace}/${p.name}`, p.groups);
  for (const ap of snapshot.authorizationPolicies) {
    const policy = conversionOf(ctx, ap).policy;
    converted.set(`${ap.meta.namespace}/${ap.meta.name}`, policy ? policy.groups : 'not sent');
  }
  for (const p of z.policies) {
    const key = `${p.namespace}/${p.name}`;
    const tool = converted.get(key);
    note(
      'converted form',
      `policy ${key}`,
      tool === undefined ? 'unknown to the tool' : canonical(tool),
      canonical(p.groups ?? []),
    );
  }
  for (const svc of snapshot.services) {
    const s = z.services.find((x) => x.namespace === svc.meta.namespace && x.name === svc.meta.name);
    note(
      'service waypoint',
      `Service ${svc.meta.namespace}/${svc.meta.name}`,
      effectiveWaypoint(snapshot, { ref: refTo('Service', svc.meta), meta: svc.meta }, 'service'),
      s ? waypointOf(s.waypoint, snapshot) : undefined,
    );
  }
  return { agree, differ, na };
}

/**
 * §4.8, §6.4: the conditions istiod wrote (read back live) against the tool's prediction from the
 * scenario's own objects: WaypointBound on Services and ServiceEntries, ZtunnelAccepted and
 * WaypointAccepted on AuthorizationPolicies. Compared by status and reason (messages carry names
 * and Go formatting the tool does not need to reproduce).
 */
function compareConditions(name: string, stated: Snapshot, live: Snapshot) {
  const agree: Result[] = [];
  const differ: Result[] = [];
  const text = (c: { status: string; reason?: string } | undefined) => (c ? `${c.status} ${c.reason ?? ''}` : 'absent');
  const written = (conditions: { type: string; status: string; reason?: string }[], type: string) =>
    text(conditions.find((c) => c.type === type));
  const same = <T extends { meta: ObjectMeta }>(list: T[], o: { meta: ObjectMeta }) =>
    list.find((x) => x.meta.namespace === o.meta.namespace && x.meta.name === o.meta.name);
  const na: Result[] = [];
  const older = olderThanIstiod(stated);
  const note = (aspect: string, object: string, tool: string, istiod: string) => {
    const r = { scenario: name, aspect, object, tool, istiod };
    if (tool === istiod) agree.push(r);
    else if (older) na.push({ ...r, istiod: `${istiod} (scenario is for Istio ${older})` });
    else differ.push(r);
  };
  for (const [kind, list, liveList] of [
    ['Service', stated.services, live.services],
    ['ServiceEntry', stated.serviceEntries, live.serviceEntries],
  ] as const) {
    for (const o of list) {
      const l = same<{ meta: ObjectMeta; conditions: any[] }>(liveList, o);
      if (!l) continue;
      const predicted = predictedWaypointBound({ ref: refTo(kind, o.meta), meta: o.meta }, stated);
      note(
        'WaypointBound condition',
        `${kind} ${o.meta.namespace}/${o.meta.name}`,
        text(predicted),
        written(l.conditions, 'istio.io/WaypointBound'),
      );
    }
  }
  const ctx = createContext(stated, 'verdict');
  for (const ap of stated.authorizationPolicies) {
    const l = same(live.authorizationPolicies, ap);
    if (!l) continue;
    const object = `AuthorizationPolicy ${ap.meta.namespace}/${ap.meta.name}`;
    const ztunnel = predictedZtunnelAccepted(ap, conversionOf(ctx, ap), stated.mesh);
    note('ZtunnelAccepted condition', object, text(ztunnel), written(l.conditions, 'ZtunnelAccepted'));
    const waypoint = predictedWaypointAccepted(ap, stated);
    note('WaypointAccepted condition', object, text(waypoint), written(l.conditions, 'WaypointAccepted'));
  }
  return { agree, differ, na };
}

/** One text for a policy's groups: keys sorted, IP addresses from base64 bytes to text, empty lists dropped. */
function canonical(value: unknown): string {
  const walk = (v: any, key?: string): any => {
    if (Array.isArray(v)) return v.length === 0 ? undefined : v.map((x) => walk(x));
    if (v && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(v).sort()) {
        const x = walk(v[k], k);
        if (x !== undefined) out[k] = x;
      }
      return out;
    }
    if (key === 'address' && typeof v === 'string') return addressText(v);
    return v;
  };
  return typeof value === 'string' ? value : JSON.stringify(walk(value) ?? []);
}

/** ambientz writes an address as base64: of the address text, or of its 4 bytes. */
function addressText(value: string): string {
  if (/^[\d.]+$|:/.test(value)) return value;
  const bytes = Buffer.from(value, 'base64');
  const text = bytes.toString('latin1');
  if (/^[\d.]+$|^[\da-f:]+$/i.test(text)) return text;
  return bytes.length === 4 ? [...bytes].join('.') : value;
}

const list = (names: string[]) => [...new Set(names)].sort().join(', ') || 'none';

/** §6.2-§6.5: the waypoint the tool routes through, for traffic addressed to a Service or a pod IP. */
function effectiveWaypoint(
  snapshot: Snapshot,
  object: { ref: ObjectRef; meta: ObjectMeta },
  addressedBy: 'service' | 'pod-ip',
): string {
  const binding = waypointBinding(object, snapshot.namespaces.get(object.meta.namespace), snapshot.gateways);
  if (!binding) return 'none';
  const inherited = binding.labelledObject.kind === 'Namespace';
  if (bindingProblem(binding, addressedBy, object.meta.namespace, snapshot, inherited)) return 'none';
  return `${binding.namespace}/${binding.name}`;
}

/** ambientz gives a waypoint as an address (IP bytes in base64) or a hostname: named here as namespace/name. */
function waypointOf(waypoint: unknown, snapshot: Snapshot): string {
  if (!waypoint) return 'none';
  const w = waypoint as { address?: { address?: string }; hostname?: { hostname?: string; namespace?: string } };
  if (w.hostname?.hostname) {
    const [name, namespace] = w.hostname.hostname.split('.');
    return `${namespace}/${name}`;
  }
  const ip = w.address?.address ? addressText(w.address.address) : undefined;
  if (ip) {
    const gateway = snapshot.gateways.find((g) => g.statusAddresses.includes(ip));
    if (gateway) return `${gateway.meta.namespace}/${gateway.meta.name}`;
    const service = snapshot.services.find((s) => s.clusterIPs.includes(ip));
    if (service) return `${service.meta.namespace}/${service.meta.name}`;
    return ip;
  }
  return JSON.stringify(waypoint);
}

describe.skipIf(!!skip)(`istiod differential${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let istiod: Istiod;
  let cluster: ScenarioCluster;
  const all = { agree: [] as Result[], differ: [] as Result[], na: [] as Result[] };
  const xds = { agree: [] as Result[], differ: [] as Result[], na: [] as Result[] };
  let xdsSeconds = 0;
  const phase = { load: 0, 'settle and compare': 0 };

  /** Issue 26: what istiod pushes, asked as ztunnel and as each waypoint of the scenario. */
  async function xdsDifferential(name: string, snapshot: Snapshot) {
    const out = { agree: [] as Result[], differ: [] as Result[], na: [] as Result[] };
    const add = (r: { agree: Result[]; differ: Result[]; na: Result[] }) => {
      out.agree.push(...r.agree);
      out.differ.push(...r.differ);
      out.na.push(...r.na);
    };
    const ztunnel = await istiod.xds({
      type: 'ztunnel',
      ip: '10.244.250.1',
      pod: 'xds-ztunnel',
      namespace: 'istio-system',
    });
    add(compareZtunnelPush(name, snapshot, ztunnel));
    // Pods with an injected sidecar: what their Envoy holds inbound.
    const ctx = createContext(snapshot, 'verdict');
    const sidecars = snapshot.pods.filter(
      (p) => enrollmentOf(ctx, p).mode === 'sidecar' && p.podIPs.length > 0 && p.meta.labels.app !== 'ztunnel',
    );
    for (const pod of sidecars) {
      const push = await istiod.xds({
        type: 'sidecar',
        ip: pod.podIPs[0],
        pod: pod.meta.name,
        namespace: pod.meta.namespace,
        serviceAccount: pod.serviceAccount || 'default',
      });
      add(compareSidecarPush(name, snapshot, pod, policiesAt(ctx, pod), push));
    }
    for (const gateway of snapshot.gateways.filter((g) => g.gatewayClassName === 'istio-waypoint')) {
      const gw = `Gateway ${gateway.meta.namespace}/${gateway.meta.name}`;
      const pod = snapshot.pods.find(
        (p) =>
          p.meta.namespace === gateway.meta.namespace &&
          p.meta.labels['gateway.networking.k8s.io/gateway-name'] === gateway.meta.name &&
          p.podIPs.length > 0,
      );
      if (!pod) {
        const why = 'the scenario has no waypoint pod with an address to pose as';
        out.na.push({ scenario: name, aspect: 'waypoint push', object: gw, tool: '-', istiod: why });
        continue;
      }
      const expected = servicesOfWaypoint(snapshot, gateway).map(
        (s) => `${s.meta.name}.${s.meta.namespace}.svc.cluster.local`,
      );
      await ensureWaypointService(gateway);
      // istiod indexes the waypoint's Service asynchronously: ask until the bound Services appear (30 s at most: a
      // loaded machine, such as a cold CI run compiling beside the tests, took longer than 10 s once).
      let push = await istiod.xds(waypointProxy(pod, gateway));
      for (const deadline = Date.now() + 30_000; Date.now() < deadline && !serves(push, expected);) {
        await new Promise((r) => setTimeout(r, 250));
        push = await istiod.xds(waypointProxy(pod, gateway));
      }
      add(compareWaypointPush(name, snapshot, gateway, push));
    }
    return out;
  }

  const waypointProxy = (pod: Snapshot['pods'][number], gateway: Snapshot['gateways'][number]): XdsProxy => ({
    type: 'waypoint',
    ip: pod.podIPs[0],
    pod: pod.meta.name,
    namespace: pod.meta.namespace,
    gateway: gateway.meta.name,
    serviceAccount: pod.serviceAccount || gateway.meta.name,
  });

  const serves = (push: XdsPush, hosts: string[]) => {
    const names = JSON.stringify(push[LISTENER_TYPE] ?? []);
    return hosts.every((h) => names.includes(`|${h}"`));
  };

  /**
   * The Service istiod's deployment controller makes for a waypoint (it cannot run here: no injection
   * template), so that istiod finds the waypoint proxy's Services (model.WaypointKeyForProxy).
   */
  async function ensureWaypointService(gateway: Snapshot['gateways'][number]) {
    const path = `/api/v1/namespaces/${gateway.meta.namespace}/services/${gateway.meta.name}`;
    if ((await cluster.writer.request('GET', path)).status !== 404) return;
    await cluster.writer.createOrReplace({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: {
        name: gateway.meta.name,
        namespace: gateway.meta.namespace,
        labels: {
          'gateway.networking.k8s.io/gateway-name': gateway.meta.name,
          'gateway.istio.io/managed': 'istio.io-mesh-controller',
        },
      },
      spec: {
        selector: { 'gateway.networking.k8s.io/gateway-name': gateway.meta.name },
        ...(gateway.statusAddresses[0] ? { clusterIP: gateway.statusAddresses[0] } : {}),
        ports: [{ name: 'mesh', port: 15008, appProtocol: 'all' }],
      },
    });
  }
  beforeAll(async () => {
    const writer = new TestWriter(kubeconfig);
    istiod = await startIstiod(kubeconfig, writer);
    cluster = new ScenarioCluster(writer);
  }, 180_000);
  afterAll(async () => {
    await istiod?.stop();
    console.log(
      `istiod agreement: ${all.agree.length} agree, ${all.differ.length} differ, ${all.na.length} not comparable`,
    );
    console.log(
      `xds agreement: ${xds.agree.length} agree, ${xds.differ.length} differ, ${xds.na.length} not comparable ` +
        `(asking istiod took ${xdsSeconds.toFixed(0)} s)`,
    );
    const seconds = Object.entries(phase).map(([k, v]) => `${k} ${Math.round(v / 1000)} s`);
    console.log(`differential time: ${seconds.join(', ')}`);
    for (const d of xds.na) console.log(`  xds not comparable: ${d.scenario} ${d.aspect} ${d.object}: ${d.istiod}`);
    for (const d of xds.differ)
      console.log(`  xds differ: ${d.scenario} ${d.aspect} ${d.object}: tool ${d.tool}, istiod ${d.istiod}`);
    for (const d of all.na) console.log(`  not comparable: ${d.scenario} ${d.aspect} ${d.object}: istiod ${d.istiod}`);
    for (const d of all.differ)
      console.log(`  differ: ${d.scenario} ${d.aspect} ${d.object}: tool ${d.tool}, istiod ${d.istiod}`);
  });

  const scenarios = loadScenarios().filter(
    (s) => s.command === 'explain' && !s.expect.error && (hasIstioObjects(s) || hasServiceShapes(s)),
  );
  it.each(scenarios.map((s) => [s.name, s] as const))('%s', async (name, s) => {
    // A cluster holds the last copy of each object (AD904 copies exist only in files).
    const given = { ...s, objects: lastCopies(s.objects) };
    const objects = withoutIstioStatus(given.objects);
    const t0 = Date.now();
    await cluster.load(objects);
    phase.load += Date.now() - t0;
    const namespaces = new Set(objects.map((o) => o.object.metadata?.namespace ?? o.object.metadata?.name));
    namespaces.add('istio-system');
    const t1 = Date.now();
    // Compared as soon as istiod's view has been quiet for 300 ms; where anything differs, all is compared again
    // after a whole quiet second, so that only what istiod still says then is a difference (events, not a fixed
    // wait, end a scenario).
    const againstIstiod = async (quietMs: number) => {
      const z = await istiod.settled(namespaces, quietMs);
      const r = compare(name, buildSnapshot(s.objects, 'cluster'), z);
      if (process.env.AMBIENTZ_DUMP) console.log(JSON.stringify(z, null, 1).slice(0, 6000));
      // The tool run live after istiod computed (reading the conditions istiod wrote and the objects
      // it created) against the same scenario offline, with the conditions the scenario states.
      const stated = buildSnapshot(given.objects, 'cluster');
      const offline = outcomeOf(() => runScenarioOn(given, stated));
      // istiod's status queue writes conditions after its ztunnel view settles: read again while
      // they disagree, for up to 15 s, and compare the last read.
      let { snapshot } = await liveRead(kubeconfig, given);
      let conditions = compareConditions(name, stated, snapshot);
      for (const deadline = Date.now() + 15_000; conditions.differ.length > 0 && Date.now() < deadline;) {
        await new Promise((r) => setTimeout(r, 1000));
        ({ snapshot } = await liveRead(kubeconfig, given));
        conditions = compareConditions(name, stated, snapshot);
      }
      r.agree.push(...conditions.agree);
      r.differ.push(...conditions.differ);
      r.na.push(...conditions.na);
      const live = outcomeOf(() => runScenarioOn(given, snapshot));
      // istiod allocates an address for a ServiceEntry that has none (IP auto-allocation, on by
      // default in this version): a scenario that states "no address" is then not what istiod makes.
      const allocated = snapshot.serviceEntries.filter(
        (se) =>
          se.statusAddresses.length > 0 &&
          !stated.serviceEntries.some(
            (x) =>
              x.meta.namespace === se.meta.namespace && x.meta.name === se.meta.name && x.statusAddresses.length > 0,
          ),
      );
      const verdict = (o: Outcome) =>
        o.error ? `error ${o.error.exitCode}` : `${o.outcome} ${o.symptom} ${o.enforcedBy}`;
      const row = {
        scenario: name,
        aspect: 'verdict live after istiod',
        object: s.args.join(' '),
        tool: verdict(offline),
        istiod: verdict(live),
      };
      if (row.tool === row.istiod) r.agree.push(row);
      else if (allocated.length > 0) {
        const names = allocated.map(
          (se) => `ServiceEntry ${se.meta.namespace}/${se.meta.name} ${se.statusAddresses.join(',')}`,
        );
        r.na.push({
          ...row,
          istiod: `${row.istiod} (istiod allocated ${names.join('; ')}; the scenario has no address)`,
        });
      } else r.differ.push(row);
      return r;
    };
    let r = await againstIstiod(300);
    if (r.differ.length > 0) r = await againstIstiod(1000);
    phase['settle and compare'] += Date.now() - t1;
    all.agree.push(...r.agree);
    all.differ.push(...r.differ);
    all.na.push(...r.na);
    // istiod runs with a mesh config whatever the scenario holds (MESH_CONFIG, or the scenario's own):
    // the tool is told the same, so that settings like extension providers are known, not assumed.
    const meshed = s.objects.some((o) => o.object.kind === 'ConfigMap' && o.object.metadata?.name === 'istio')
      ? s.objects
      : [...s.objects, { origin: 'istiod', object: ISTIOD_MESH_CONFIGMAP }];
    const xdsStart = Date.now();
    let x = await xdsDifferential(name, buildSnapshot(meshed, 'cluster'));
    // As with the ambientz view: a difference is asked again once istiod has been quiet for a whole second.
    if (x.differ.length > 0) {
      await istiod.settled(namespaces, 1000);
      x = await xdsDifferential(name, buildSnapshot(meshed, 'cluster'));
    }
    xdsSeconds += (Date.now() - xdsStart) / 1000;
    if (process.env.XDS_ROWS) for (const a of x.agree) console.log(`  xds agree: ${a.aspect} ${a.object}: ${a.tool}`);
    xds.agree.push(...x.agree);
    xds.differ.push(...x.differ);
    xds.na.push(...x.na);
    expect(r.differ).toEqual([]);
    expect(x.differ).toEqual([]);
  });
});
