// Issue 16: what ztunnel and the proxies (waypoint, sidecar, gateway) logged about the connection
// asked, beside the prediction. Only records between the two ends (or the waypoint between them) on
// the asked port count; they are grouped by signature (§2.5) with counts and the newest time, and
// the prediction is checked against them: agreement confirms the culprit, disagreement is said first
// with what can explain it.
import { signatureOf, type LogVerdict } from '../../mesh/ztunnel-log-signatures.js';
import { envoySignatureOf } from '../../mesh/envoy-log-signatures.js';
import { olderThan } from '../../mesh/versions.js';
import { finding, type Finding, type Remedy } from '../../findings/finding.js';
import { command, note } from '../../findings/command.js';
import type { PodFact } from '../../snapshot/types.js';
import type { ResolvedDestination } from '../explain/resolve.js';
import type { Verdict } from '../report.js';
import type { ZtunnelLogRecord, EnvoyAccessRecord, RuntimeEvidence } from '../../snapshot/evidence.js';
import { ztunnelLogs } from '../../mesh/ztunnel-log-signatures.js';

type Layer = 'ztunnel' | 'proxy';

interface LogEvent {
  layer: Layer;
  /** The addresses the record names as where it came from (a gateway's own address for its upstream hop). */
  srcIps: string[];
  /**
   * For ztunnel's own lines that name no address: the workload its span names (`wl=ns/pod` or `uid=…`),
   * and whether the span is the outbound (the workload is the client) or inbound side.
   */
  workload?: { key: string; side: 'outbound' | 'inbound' | 'either' };
  /** downstream_remote of a proxy's record (the client of the hop it describes). */
  remote?: string;
  /** The addresses the record names as where it went: outer and inner (HBONE) destination, upstream host. */
  dstIps: string[];
  port?: number;
  signature?: { id: string; label: string; verdict: LogVerdict; cause: string; policy?: string };
  time?: string;
  at: string;
  text?: string;
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
  exampleText?: string;
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

/** The workload a ztunnel line's span names, when the line names no address. */
function spanWorkload(r: ZtunnelLogRecord): LogEvent['workload'] {
  const key = r.fields.wl ?? (r.fields.uid ? `uid:${r.fields.uid}` : undefined);
  const side = /inbound/.test(r.target) ? 'inbound' : /outbound/.test(r.target) ? 'outbound' : 'either';
  return key ? { key, side } : undefined;
}

/**
 * The error a ztunnel line reports: its `error` field (`err` in 1.19-1.21, istio/ztunnel#691), or, for
 * ztunnel's own lines about one connection (a span names its workload), an error or warn message a
 * signature knows (istio/istio#57259).
 */
export function loggedError(r: ZtunnelLogRecord, namesWorkload: boolean): string | undefined {
  const own = namesWorkload && /^(error|warn)$/.test(r.level) && signatureOf(r.message) ? r.message : undefined;
  return r.fields.error ?? r.fields.err ?? own;
}

export function ztunnelEvent(r: ZtunnelLogRecord, ztunnelVersion?: string): LogEvent | undefined {
  const src = split(r.fields['src.addr']);
  const dst = split(r.fields['dst.addr']);
  const inner = split(r.fields['dst.hbone_addr']);
  const span = src.ip ? undefined : spanWorkload(r);
  const error = loggedError(r, !!span);
  const workload = error ? span : undefined;
  if ((!src.ip || !dst.ip) && !workload) return undefined;
  let signature: LogEvent['signature'];
  if (error) {
    const s = signatureOf(error);
    let cause = s?.cause ?? 'an error this tool has no signature for';
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
      verdict: s?.verdict ?? 'unknown',
      cause,
      policy,
    };
  }
  return {
    layer: 'ztunnel',
    remote: src.ip,
    srcIps: src.ip ? [src.ip] : [],
    ...(workload ? { workload } : {}),
    dstIps: [dst.ip, inner.ip].filter((ip): ip is string => !!ip),
    port: inner.port ?? dst.port,
    signature,
    time: r.time,
    at: r.at,
    text: r.text,
  };
}

/**
 * A proxy's record: the client is downstream_remote; for a gateway or sidecar that is itself the client of
 * the asked hop, downstream_local is its own address and the upstream host the destination.
 */
export function proxyEvent(r: EnvoyAccessRecord): LogEvent | undefined {
  const src = split(r.downstreamRemote);
  const local = split(r.downstreamLocal);
  const upstream = split(r.upstreamHost);
  // A record of a hop with no address on it (`envoy://internal_client_address/`) still says what failed.
  if (!src.ip && !local.ip && !upstream.ip) return undefined;
  return {
    layer: 'proxy',
    remote: src.ip,
    srcIps: [src.ip, local.ip].filter((ip): ip is string => !!ip),
    dstIps: [local.ip, upstream.ip].filter((ip): ip is string => !!ip),
    port: local.port,
    signature: envoySignatureOf(r),
    time: r.time,
    at: r.at,
    text: r.text,
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
  const names = (pods: PodFact[]) =>
    new Set(pods.flatMap((p) => [`${p.meta.namespace}/${p.meta.name}`, ...(p.meta.uid ? [`uid:${p.meta.uid}`] : [])]));
  const srcNames = names(c.sources);
  const dstNames = names(c.dest.targets.map((t) => t.pod));
  for (const e of events) {
    if (!e) continue;
    if (e.workload) {
      // A line of ztunnel's own about one side of a connection: it counts when that side is an end asked about.
      const { key, side } = e.workload;
      if (!((side !== 'inbound' && srcNames.has(key)) || (side !== 'outbound' && dstNames.has(key)))) continue;
    } else {
      // A gateway's upstream record names the gateway itself (downstream_local) as the client of the hop.
      const fromWaypoint = wpIps.has(e.remote ?? e.srcIps[0] ?? '');
      const asClient = e.srcIps.find((ip) => srcIps.has(ip));
      if (!asClient && !fromWaypoint) continue;
      const hit = (ip: string) =>
        ip !== asClient && (dstIps.has(ip) || vips.has(ip) || (!fromWaypoint && wpIps.has(ip)));
      if (!e.dstIps.some(hit)) continue;
    }
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
            exampleText: e.text,
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
  // The record the disagreement rests on: the policy named, a failure, or (predicted failure, logged success)
  // a completed connection.
  const quoted = otherPolicy ?? (disagreement ? (failures[0] ?? list[0]) : undefined);
  if (disagreement) out.push(withLogged(finding('AD906', disagreement), quoted));
  if (otherPolicy?.policy) out.push(withLogged(loggedPolicyFinding(otherPolicy, c), otherPolicy));
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

/** What to do about each kind of logged failure, in one line for the first screen. */
const NEXT_STEP: Record<LogVerdict, string> = {
  'policy-denied': "compare the cluster's AuthorizationPolicies and PeerAuthentications with the input",
  'blocked-network': 'look for a NetworkPolicy or firewall outside the input on the path (port 15008 too)',
  refused: 'check that the app listens on the target port',
  dataplane: 'check ztunnel and istio-cni on both nodes (their logs, kubectl get pods -n istio-system)',
  closed: 'not a setup failure: look at the app or proxy restarts and idle timeouts at that time',
  unknown: 'read the logged line: this tool knows no cause for it',
  ok: 'the input may hold a change the cluster does not have yet, or the logs predate it: read the cluster live',
};

/** The logged line a finding rests on, for the first screen (issue 29): the line, its meaning, what to do. */
function withLogged(f: Finding, g: Group | undefined): Finding {
  if (!g) return f;
  const where = g.layer === 'proxy' ? 'a proxy' : 'ztunnel';
  return Object.assign(f, {
    logged: {
      line: g.exampleText ?? g.label,
      quote: g.label,
      at: g.example,
      count: g.count,
      means: `${where}: ${g.cause}`,
      next: NEXT_STEP[g.verdict],
    },
  });
}

/**
 * The logs name the policy that decided, and it is not the one the input blames: that policy is the culprit
 * (the input lacks it, or holds another version of it), and the first step is to read it.
 */
function loggedPolicyFinding(g: Group, c: LogContext): Finding {
  const [namespace, name] = g.policy!.split('/');
  const ref = { kind: 'AuthorizationPolicy', namespace, name };
  const blamed = c.decisiveObjects.join(', ') || 'another object';
  const detail =
    `${g.count}× the ${g.layer === 'proxy' ? 'proxy' : 'ztunnel'} on the path logged a denial by ` +
    `AuthorizationPolicy ${g.policy} (${g.example}), while the input blames ${blamed}: the cluster holds this ` +
    'policy and the input does not, or holds another version of it. Read it from the cluster, then ask again ' +
    'with it in the input.';
  const remedy: Remedy = {
    title: `Read AuthorizationPolicy ${g.policy} as the cluster has it, then ask again with it`,
    commands: [
      command(['kubectl', '-n', namespace, 'get', 'authorizationpolicy', name, '-o', 'yaml']),
      note('save it beside the input and run the same explain with -f on it: the fix is then proven against it'),
    ],
  };
  return finding('AD910', detail, [ref], [remedy]);
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
  closed: 'the other end closing or resetting a connection already set up (a restart, an idle timeout, the app)',
  unknown: 'an error this tool has no signature for (its text is quoted as logged)',
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
