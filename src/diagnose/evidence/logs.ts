// Issue 16: what ztunnel and the proxies (waypoint, sidecar, gateway) logged about the connection
// asked, beside the prediction. Only records between the two ends (or the waypoint between them) on
// the asked port count; they are grouped by signature (§2.5) with counts and the newest time, and
// the prediction is checked against them: agreement confirms the culprit, disagreement is said first
// with what can explain it.
import { signatureOf, type LogVerdict } from '../../mesh/ztunnel-log-signatures.js';
import { envoySignatureOf } from '../../mesh/envoy-log-signatures.js';
import { olderThan } from '../../mesh/versions.js';
import { finding, type Finding } from '../../findings/finding.js';
import type { PodFact } from '../../snapshot/types.js';
import type { ResolvedDestination } from '../explain/resolve.js';
import type { Verdict } from '../report.js';
import type { ZtunnelLogRecord, EnvoyAccessRecord, RuntimeEvidence } from '../../snapshot/evidence.js';
import { ztunnelLogs } from '../../mesh/ztunnel-log-signatures.js';

type Layer = 'ztunnel' | 'proxy';

interface LogEvent {
  layer: Layer;
  srcIp: string;
  /** The addresses the record names as where it went: outer and inner (HBONE) destination, upstream host. */
  dstIps: string[];
  port?: number;
  signature?: { id: string; label: string; verdict: LogVerdict; cause: string; policy?: string };
  time?: string;
  at: string;
}

interface Group {
  layer: Layer;
  label: string;
  verdict: LogVerdict;
  cause: string;
  policy?: string;
  count: number;
  newest?: string;
  example: string;
}

/** "10.0.0.1:8080", "[fd00::1]:8080" or "envoy://…/10.0.0.1:8080" → address and port. */
function split(addr: string | undefined): { ip?: string; port?: number } {
  const m = addr?.match(/\[?([0-9a-fA-F.:]+?)\]?:(\d+)$/);
  return m ? { ip: m[1], port: Number(m[2]) } : {};
}

/** The policy a DENY rejection names: the word after the signature's text. */
function deniedBy(error: string): string | undefined {
  const marker = ztunnelLogs('explicit-deny');
  const at = error.indexOf(marker);
  return at < 0 ? undefined : error.slice(at + marker.length).match(/^ (\S+)/)?.[1];
}

function ztunnelEvent(r: ZtunnelLogRecord, ztunnelVersion: string | undefined): LogEvent | undefined {
  const src = split(r.fields['src.addr']);
  const dst = split(r.fields['dst.addr']);
  const inner = split(r.fields['dst.hbone_addr']);
  if (!src.ip || !dst.ip) return undefined;
  const error = r.fields.error;
  let signature: LogEvent['signature'];
  if (error) {
    const s = signatureOf(error);
    let cause = s?.cause ?? 'an error no signature knows';
    // §2.5: ztunnel 1.22-1.23 print no detail, so a DENY and an unmatched ALLOW read alike.
    if (s?.id === 'policy-rejection' && olderThan(ztunnelVersion, '1.24'))
      cause = `a DENY matched or no ALLOW did: ztunnel ${ztunnelVersion} prints no detail`;
    const policy = deniedBy(error);
    // §2.5: STRICT mTLS (or a port-level mode) shows as a DENY istiod converted from PeerAuthentication.
    if (policy && /\/(istio_converted_static_strict|converted_peer_authentication_)/.test(policy))
      cause = 'STRICT mTLS rejected a plaintext connection (the DENY istiod converts PeerAuthentication into)';
    signature = {
      id: s?.id ?? `other:${error}`,
      label: `"${s?.text ?? error}${policy ? ` ${policy}` : ''}"`,
      verdict: s?.verdict ?? 'dataplane',
      cause,
      policy,
    };
  }
  return {
    layer: 'ztunnel',
    srcIp: src.ip,
    dstIps: [dst.ip, inner.ip].filter((ip): ip is string => !!ip),
    port: inner.port ?? dst.port,
    signature,
    time: r.time,
    at: r.at,
  };
}

function proxyEvent(r: EnvoyAccessRecord): LogEvent | undefined {
  const src = split(r.downstreamRemote);
  const local = split(r.downstreamLocal);
  const upstream = split(r.upstreamHost);
  if (!src.ip || !local.ip) return undefined;
  return {
    layer: 'proxy',
    srcIp: src.ip,
    dstIps: [local.ip, upstream.ip].filter((ip): ip is string => !!ip),
    port: local.port,
    signature: envoySignatureOf(r),
    time: r.time,
    at: r.at,
  };
}

export interface LogContext {
  sources: PodFact[];
  dest: ResolvedDestination;
  waypointPods: PodFact[];
  verdict: Verdict;
  /** `ns/name` of the object the prediction names as the cause. */
  decisiveObjects: string[];
  /** The ztunnel version the interpretation assumes, and where it was read. */
  ztunnelVersion?: { version: string; from: string };
}

export function logEvidence(evidence: RuntimeEvidence, c: LogContext): Finding[] {
  const ips = (pods: PodFact[]) => new Set(pods.flatMap((p) => p.podIPs));
  const srcIps = ips(c.sources);
  const dstIps = ips(c.dest.targets.map((t) => t.pod));
  const wpIps = ips(c.waypointPods);
  const vips = new Set([...(c.dest.service?.clusterIPs ?? []), ...(c.dest.serviceEntry?.addresses ?? [])]);
  const ports = new Set([c.dest.port, ...c.dest.targets.map((t) => t.targetPort)]);
  const events = [
    ...evidence.ztunnelLogs.map((r) => ztunnelEvent(r, c.ztunnelVersion?.version)),
    ...evidence.proxyLogs.map(proxyEvent),
  ];
  const groups = new Map<string, Group>();
  for (const e of events) {
    if (!e) continue;
    const fromWaypoint = wpIps.has(e.srcIp);
    if (!srcIps.has(e.srcIp) && !fromWaypoint) continue;
    const hit = (ip: string) => dstIps.has(ip) || vips.has(ip) || (!fromWaypoint && wpIps.has(ip));
    if (!e.dstIps.some(hit)) continue;
    if (e.port !== undefined && !ports.has(e.port) && e.port !== 15008) continue;
    const s = e.signature;
    const key = `${e.layer}:${s ? `${s.id}:${s.policy ?? ''}` : 'complete'}`;
    let g = groups.get(key);
    if (!g) {
      g = s
        ? {
            layer: e.layer,
            label: s.label,
            verdict: s.verdict,
            cause: s.cause,
            policy: s.policy,
            count: 0,
            example: e.at,
          }
        : {
            layer: e.layer,
            label: 'completed',
            verdict: 'ok',
            cause: 'the connection worked',
            count: 0,
            example: e.at,
          };
      groups.set(key, g);
    }
    g.count++;
    if (e.time && (!g.newest || e.time > g.newest)) g.newest = e.time;
  }
  if (groups.size === 0) return [];
  const list = [...groups.values()].sort((a, b) => b.count - a.count);
  const describe = (g: Group) =>
    `${g.count}× ${g.layer === 'proxy' ? 'proxy ' : ''}${g.label} (${g.cause}` +
    `${g.newest ? `; newest ${g.newest}` : ''}; e.g. ${g.example})`;
  const failures = list.filter((g) => g.verdict !== 'ok');
  const expected = expectedKind(c.verdict);
  const judged = expected ? list.filter((g) => g.layer === expected.layer) : [];
  const out: Finding[] = [];
  const confirming = failures.filter((g) => expected && g.layer === expected.layer && g.verdict === expected.kind);
  // A policy the log names that is not the one the prediction blames: the input and the cluster differ.
  const otherPolicy = confirming.find((g) => g.policy && !c.decisiveObjects.some((o) => o.endsWith(` ${g.policy}`)));
  let disagreement: string | undefined;
  if (c.verdict.outcome === 'allowed') {
    if (failures.length > 0) disagreement = reconcile(c.verdict, failures);
  } else if (c.verdict.outcome === 'denied' && expected && judged.length > 0 && confirming.length === 0) {
    // Only a layer that logs this kind of failure can contradict it: a waypoint's 403 is a completed
    // connection to ztunnel, and a proxy without access logs says nothing.
    disagreement = reconcile(
      c.verdict,
      failures.filter((g) => g.layer === expected.layer),
    );
  } else if (otherPolicy) {
    disagreement =
      `The input blames ${c.decisiveObjects.join(', ') || 'another object'}, but the dataplane logged a denial by ` +
      `${otherPolicy.policy} (${otherPolicy.count}×): the cluster holds a policy the input lacks, or a stale one.`;
  }
  if (disagreement) out.push(finding('AD906', disagreement));
  const confirms = confirming.length > 0 && !otherPolicy ? ' They confirm the predicted cause.' : '';
  const version = c.ztunnelVersion ? ` Read as ztunnel ${c.ztunnelVersion.version} (${c.ztunnelVersion.from}).` : '';
  out.push(
    finding(
      'AD905',
      `The dataplane logged about this connection: ${list.map(describe).join('; ')}.${confirms}${version}`,
    ),
  );
  return out;
}

/** The kind of record the predicted failure leaves behind, and which layer writes it. */
function expectedKind(v: Verdict): { kind: LogVerdict; layer: Layer } | undefined {
  if (v.enforcedBy === 'ztunnel') return { kind: 'policy-denied', layer: 'ztunnel' };
  if (v.enforcedBy === 'waypoint' || v.enforcedBy === 'sidecar') return { kind: 'policy-denied', layer: 'proxy' };
  if (v.enforcedBy === 'networkpolicy') return { kind: 'blocked-network', layer: 'ztunnel' };
  if (v.symptom === 'refused') return { kind: 'refused', layer: 'ztunnel' };
  return undefined;
}

const EXPLAINS: Record<LogVerdict, string> = {
  'policy-denied':
    'an AuthorizationPolicy or PeerAuthentication missing from the input, or a ztunnel holding a stale policy ' +
    '(compare its config dump with the input)',
  'blocked-network':
    'a NetworkPolicy or firewall outside the input (CiliumNetworkPolicy, Calico GlobalNetworkPolicy, a cloud ' +
    'security group) or a CNI quirk',
  refused: 'the application not listening on the target port',
  dataplane: 'the dataplane itself (capture, ztunnel, certificates)',
  ok: '',
};

function reconcile(v: Verdict, failures: Group[]): string {
  const listed = failures.map((g) => `${g.count}× ${g.label}`).join('; ');
  if (v.outcome === 'allowed') {
    const kinds = [...new Set(failures.map((g) => g.verdict))];
    return (
      `The input predicts that the connection works, but the dataplane logged failures for it (${listed}). ` +
      `What can explain it: ${kinds.map((k) => EXPLAINS[k]).join('; ')}.`
    );
  }
  if (failures.length === 0)
    return (
      `The input predicts a failure at ${v.enforcedBy}, but the dataplane logged only completed connections: the ` +
      'cause may not have reached the cluster yet, or the input is newer than the logs.'
    );
  return (
    `The input predicts a failure at ${v.enforcedBy}, but the dataplane logged ${listed} instead: ` +
    `${[...new Set(failures.map((g) => EXPLAINS[g.verdict]))].join('; ')}.`
  );
}
