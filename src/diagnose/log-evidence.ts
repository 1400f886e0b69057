// Issue 16, offline part: what ztunnel logged about the connection asked, beside the prediction.
// Only records between the two ends (or the waypoint between them) on the asked port count; they
// are grouped by signature (§2.5) with counts and the newest time, and the prediction is checked
// against them: agreement confirms the culprit, disagreement is said first with what can explain it.
import type { ZtunnelLogRecord } from '../input/ztunnel-logs.js';
import { signatureOf, type LogVerdict } from '../mesh/ztunnel-log-signatures.js';
import { finding, type Finding } from '../findings/finding.js';
import type { PodFact } from '../snapshot/types.js';
import type { ResolvedDestination } from './resolve.js';
import type { Verdict } from './report.js';

interface Group {
  label: string;
  verdict: LogVerdict;
  cause: string;
  count: number;
  newest?: string;
  example: string;
}

/** "10.0.0.1:8080" or "[fd00::1]:8080" → address and port. */
function split(addr: string | undefined): { ip?: string; port?: number } {
  const m = addr?.match(/^\[?([^\]]+?)\]?:(\d+)$/);
  return m ? { ip: m[1], port: Number(m[2]) } : {};
}

export function logEvidence(
  records: ZtunnelLogRecord[],
  sources: PodFact[],
  dest: ResolvedDestination,
  waypointPods: PodFact[],
  verdict: Verdict,
): Finding[] {
  const ips = (pods: PodFact[]) => new Set(pods.flatMap((p) => p.podIPs));
  const srcIps = ips(sources);
  const dstIps = ips(dest.targets.map((t) => t.pod));
  const wpIps = ips(waypointPods);
  const vips = new Set([...(dest.service?.clusterIPs ?? []), ...(dest.serviceEntry?.addresses ?? [])]);
  const ports = new Set([dest.port, ...dest.targets.map((t) => t.targetPort)]);
  const groups = new Map<string, Group>();
  for (const r of records) {
    const src = split(r.fields['src.addr']);
    const dst = split(r.fields['dst.addr']);
    const inner = split(r.fields['dst.hbone_addr']);
    if (!src.ip || !dst.ip) continue;
    const fromWaypoint = wpIps.has(src.ip);
    if (!srcIps.has(src.ip) && !fromWaypoint) continue;
    const toward = [dst.ip, inner.ip].filter((ip): ip is string => !!ip);
    const hit = (ip: string) => dstIps.has(ip) || vips.has(ip) || (!fromWaypoint && wpIps.has(ip));
    if (!toward.some(hit)) continue;
    const port = inner.port ?? dst.port;
    if (port !== undefined && !ports.has(port) && port !== 15008) continue;
    const error = r.fields.error;
    const signature = error ? signatureOf(error) : undefined;
    const key = error ? (signature?.id ?? `other:${error}`) : 'complete';
    let g = groups.get(key);
    if (!g) {
      g = error
        ? {
            label: `"${signature?.text ?? error}"`,
            verdict: signature?.verdict ?? 'dataplane',
            cause: signature?.cause ?? 'an error no signature knows',
            count: 0,
            example: r.at,
          }
        : { label: 'completed', verdict: 'ok', cause: 'the connection worked', count: 0, example: r.at };
      groups.set(key, g);
    }
    g.count++;
    if (r.time && (!g.newest || r.time > g.newest)) g.newest = r.time;
  }
  if (groups.size === 0) return [];
  const list = [...groups.values()].sort((a, b) => b.count - a.count);
  const lines = list.map(
    (g) => `${g.count}× ${g.label} (${g.cause}${g.newest ? `; newest ${g.newest}` : ''}; e.g. ${g.example})`,
  );
  const failures = list.filter((g) => g.verdict !== 'ok');
  const expected = expectedKind(verdict);
  const out: Finding[] = [];
  // A failure at a waypoint or a sidecar is an HTTP answer above ztunnel, which still logs the
  // connection as completed: only failures ztunnel itself sees are checked against its records.
  const disagree =
    verdict.outcome === 'allowed'
      ? failures.length > 0
      : verdict.outcome === 'denied' && !!expected && !failures.some((g) => g.verdict === expected);
  if (disagree) {
    out.push(finding('AD906', reconcile(verdict, failures)));
  }
  const confirms = expected && failures.some((g) => g.verdict === expected) ? ' They confirm the predicted cause.' : '';
  out.push(finding('AD905', `ztunnel logged about this connection: ${lines.join('; ')}.${confirms}`));
  return out;
}

/** The kind of log record the predicted failure leaves behind. */
function expectedKind(v: Verdict): LogVerdict | undefined {
  if (v.enforcedBy === 'ztunnel') return 'policy-denied';
  if (v.enforcedBy === 'networkpolicy') return 'blocked-network';
  if (v.symptom === 'refused') return 'refused';
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
  if (v.outcome === 'allowed') {
    const kinds = [...new Set(failures.map((g) => g.verdict))];
    return (
      `The input predicts that the connection works, but ztunnel logged failures for it ` +
      `(${failures.map((g) => `${g.count}× ${g.label}`).join('; ')}). What can explain it: ` +
      `${kinds.map((k) => EXPLAINS[k]).join('; ')}.`
    );
  }
  if (failures.length === 0)
    return (
      `The input predicts a failure at ${v.enforcedBy}, but ztunnel logged only completed connections: the ` +
      'cause may not have reached ztunnel yet, or the input is newer than the logs.'
    );
  return (
    `The input predicts a failure at ${v.enforcedBy}, but ztunnel logged ` +
    `${failures.map((g) => `${g.count}× ${g.label}`).join('; ')} instead: ` +
    `${[...new Set(failures.map((g) => EXPLAINS[g.verdict]))].join('; ')}.`
  );
}
