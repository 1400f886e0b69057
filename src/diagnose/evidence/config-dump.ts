// Issue 16: ztunnel's own view (its config dump) of the connection asked, against what the input
// says it should hold: does it know both pods, as HBONE (captured, §1) or TCP, with which waypoint
// (§6), which policies it enforces at the destination (§4.1), and is the source's certificate good.
import { convertAuthorizationPolicy, policiesInScope } from '../../mesh/authorization.js';
import { finding, type Finding } from '../../findings/finding.js';
import type { GatewayFact, PodFact, Snapshot } from '../../snapshot/types.js';
import type { PodSummary } from '../report.js';
import type { ResolvedDestination } from '../explain/resolve.js';
import type { ZtunnelView, ZtunnelWorkload } from '../../snapshot/evidence.js';

export interface DumpContext {
  snapshot: Snapshot;
  sources: { pod: PodFact; summary: PodSummary }[];
  destinations: { pod: PodFact; summary: PodSummary }[];
  dest: ResolvedDestination;
  /** The waypoint the input binds the destination to. */
  waypoint?: GatewayFact;
  /** When the evidence is judged (certificate expiry), ISO time. */
  now: string;
}

/** The view of the ztunnel on a node: by `localNode`, or the only dump there is when it names no node. */
function viewFor(views: ZtunnelView[], node: string | undefined): ZtunnelView | undefined {
  return views.find((v) => v.node && v.node === node) ?? (views.length === 1 && !views[0].node ? views[0] : undefined);
}

function workloadOf(view: ZtunnelView, pod: PodFact): ZtunnelWorkload | undefined {
  return view.workloads.find((w) => w.workloadIps.some((ip) => pod.podIPs.includes(ip)));
}

/** "hello/waypoint.hello.svc.cluster.local" or "/10.96.0.9" as the Gateway it names, if it is this one. */
function namesGateway(destination: string, gw: GatewayFact): boolean {
  const [ns, host] = destination.split('/');
  if (host && gw.statusAddresses.includes(host)) return true;
  return ns === gw.meta.namespace && host?.split('.')[0] === gw.meta.name;
}

const podName = (p: PodFact) => `${p.meta.namespace}/${p.meta.name}`;

export function dumpEvidence(views: ZtunnelView[], c: DumpContext): Finding[] {
  if (views.length === 0) return [];
  const seen: string[] = [];
  const differs: string[] = [];
  const root = c.snapshot.mesh.rootNamespace;
  for (const { pod, summary } of c.destinations) {
    const view = viewFor(views, pod.nodeName);
    if (!view) continue;
    const at = `ztunnel on ${view.node ?? 'the node'} (${view.origin})`;
    const w = workloadOf(view, pod);
    if (!w) {
      differs.push(`${at} does not know ${podName(pod)} (${pod.podIPs.join(', ')}): istiod has not sent it (xDS lag)`);
      continue;
    }
    seen.push(`${podName(pod)} as ${w.protocol}${w.waypoint ? ` with waypoint ${w.waypoint.destination}` : ''}`);
    // §1: HBONE is what istiod sends for a pod it sees captured.
    if (summary.mode === 'ambient' && summary.captured && w.protocol !== 'HBONE')
      differs.push(
        `${at} sees ${podName(pod)} as ${w.protocol}, not HBONE: istiod does not see the pod as captured ` +
          "(istio-cni has not annotated it, or the annotation is newer than ztunnel's view)",
      );
    if (w.protocol === 'HBONE' && !summary.captured)
      differs.push(`${at} sees ${podName(pod)} as HBONE, but the input says it is not captured: the input is stale`);
    // §6: the waypoint, on the Service when it was addressed by one, else on the workload.
    const svcHost = c.dest.service ? `${c.dest.service.meta.name}.${c.dest.service.meta.namespace}.svc.` : undefined;
    const svc = svcHost ? view.services.find((s) => s.hostname.startsWith(svcHost)) : undefined;
    const held = svc?.waypoint?.destination ?? w.waypoint?.destination;
    if (c.waypoint && !(held && namesGateway(held, c.waypoint)))
      differs.push(
        `${at} has ${held ? `waypoint ${held}` : 'no waypoint'} for ${c.dest.service ? c.dest.input : podName(pod)}, ` +
          `the input binds ${c.waypoint.meta.namespace}/${c.waypoint.meta.name}: istiod has not bound it (check ` +
          'the istio.io/WaypointBound condition) or the view is stale',
      );
    if (!c.waypoint && held)
      differs.push(`${at} sends ${podName(pod)}'s traffic to waypoint ${held}, which the input does not bind`);
    // §4.1: the policies ztunnel enforces for this pod, against those the input puts in scope.
    const expected = policiesInScope(pod, c.snapshot.authorizationPolicies, root)
      .filter((ap) => convertAuthorizationPolicy(ap, c.snapshot.mesh).policy)
      .map((ap) => `${ap.meta.namespace}/${ap.meta.name}`);
    const inDump = new Set(view.policies.map((p) => `${p.namespace}/${p.name}`));
    const applying = view.policies
      .filter(
        (p) =>
          (p.scope === 'Global' && !p.name.startsWith('istio_converted') && !p.name.startsWith('converted_')) ||
          (p.scope === 'Namespace' && p.namespace === pod.meta.namespace && !p.name.startsWith('converted_')) ||
          (p.scope === 'WorkloadSelector' && w.authorizationPolicies.includes(`${p.namespace}/${p.name}`)),
      )
      .map((p) => `${p.namespace}/${p.name}`);
    const missing = expected.filter((k) => !inDump.has(k) || !applying.includes(k));
    const extra = applying.filter((k) => !expected.includes(k));
    if (missing.length)
      differs.push(
        `${at} does not enforce ${missing.join(', ')} for ${podName(pod)}, which the input applies: stale or ` +
          "rejected xDS (check the ZtunnelAccepted condition and istiod's logs)",
      );
    if (extra.length)
      differs.push(
        `${at} enforces ${extra.join(', ')} for ${podName(pod)}, which the input lacks: the cluster holds ` +
          'policies the input does not, or ztunnel holds deleted ones',
      );
    if (applying.length) seen.push(`policies for ${podName(pod)}: ${applying.join(', ')}`);
  }
  for (const { pod, summary } of c.sources) {
    const view = viewFor(views, pod.nodeName);
    if (!view || !summary.captured) continue;
    const at = `ztunnel on ${view.node ?? 'the node'} (${view.origin})`;
    if (!workloadOf(view, pod))
      differs.push(`${at} does not know the source ${podName(pod)}: its connections fail until istiod sends it`);
    const id = summary.identity ? `spiffe://${summary.identity}` : undefined;
    const cert = id ? view.certificates.find((x) => x.identity === id) : undefined;
    if (!cert) continue;
    const expiry = cert.certChain[0]?.expirationTime;
    if (cert.state !== 'Available') differs.push(`${at} has no usable certificate for ${id}: ${cert.state}`);
    else if (expiry && Date.parse(expiry) < Date.parse(c.now))
      differs.push(`${at} holds an expired certificate for ${id} (${expiry}, judged as of ${c.now})`);
    else seen.push(`certificate for ${id} ${cert.state}${expiry ? ` until ${expiry}` : ''}`);
  }
  const out: Finding[] = [];
  if (differs.length) out.push(finding('AD908', `${differs.join('. ')}.`));
  const versions = [...new Set(views.map((v) => v.version).filter(Boolean))];
  const version = versions.length ? `; ztunnel ${versions.join(', ')}` : '';
  const origins = `${views.map((v) => v.origin).join(', ')}${version}`;
  out.push(
    finding('AD907', `ztunnel's view (${origins}): ${seen.length ? seen.join('; ') : 'nothing about these pods'}.`),
  );
  return out;
}
