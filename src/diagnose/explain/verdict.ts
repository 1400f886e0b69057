// Pair results → one verdict, and the check of the user's observed symptom (§5, §11).
import { finding, orderFindings, type Finding } from '../../findings/finding.js';
import { decidingPolicy } from '../../findings/catalogue.js';
import { SYMPTOM_WORDS, type Hop, type Outcome, type PairResult, type Symptom, type Verdict } from '../report.js';
import { ztunnelLogs } from '../../mesh/ztunnel-log-signatures.js';

/** Merges findings across pairs: same code and objects once, with a count of repeats. */
export function mergeFindings(all: Finding[]): Finding[] {
  const byKey = new Map<string, { f: Finding; more: number }>();
  for (const f of all) {
    const key = `${f.code}|${f.objects.join(',')}`;
    const seen = byKey.get(key);
    if (!seen) byKey.set(key, { f, more: 0 });
    else if (seen.f.detail !== f.detail) seen.more++;
  }
  return orderFindings(
    [...byKey.values()].map(({ f, more }) =>
      more > 0 ? { ...f, detail: `${f.detail} (The same applies to ${more} more pod pair${more > 1 ? 's' : ''}.)` } : f,
    ),
  );
}

/**
 * Resources that decide the path itself (who the ends are, whether they are in the mesh, which
 * waypoint is on the way, which identity reaches the destination, what the destination is): without
 * them any denial could be another, or none.
 */
const PATH_SHAPING = new RegExp(
  '^(pods|namespaces|services|endpointslices|serviceentries|gateways|gatewayclasses|' +
    'deployments|statefulsets|daemonsets|replicasets|jobs)(\\.|$)',
);

/**
 * Resources whose absence leaves Istio's defaults assumed (trust domain, root namespace, istio-cni
 * settings): the verdict stands on the defaults, and says so (`assumedDefaults`).
 */
const ASSUMED = /^configmaps$/;

/** True when one of the resources that could not be read might turn this denial into a pass. */
export function liftable(decisive: Finding | undefined, unreadable: string[]): boolean {
  const deciding = unreadable.filter((r) => !ASSUMED.test(r));
  if (!decisive || deciding.length === 0) return deciding.length > 0;
  // §11 (evidence): the decisive code's catalogue entry says which unread resources could lift it.
  const by = decidingPolicy(decisive.code)?.liftedBy ?? 'anything';
  if (by === 'nothing') return false;
  if (by === 'anything' || deciding.some((r) => PATH_SHAPING.test(r))) return true;
  if (by === 'path') return false;
  return deciding.some((r) => by.or.some((name) => r === name || r.startsWith(`${name}.`)));
}

/**
 * For answers that are not asked again with other settings (matrix cells): refused ConfigMaps lift any
 * denial too, since only `checkAssumedSettings` can show that the defaults do not matter.
 */
export function liftableWithoutVariants(decisive: Finding | undefined, unreadable: string[]): boolean {
  return liftable(decisive, unreadable) || (!!decisive && unreadable.some((r) => ASSUMED.test(r)));
}

/** What the verdict assumed because a ConfigMap could not be read, in words; undefined when nothing was. */
export function assumedDefaults(unreadable: string[], assumed: string): string | undefined {
  return unreadable.some((r) => ASSUMED.test(r))
    ? `ConfigMaps could not be read, so Istio's defaults are assumed: ${assumed}.`
    : undefined;
}

export function aggregate(
  pairs: PairResult[],
  unreadable: { reason?: string; resources: string[]; assumed?: string } = { resources: [] },
): { verdict: Verdict; representative?: PairResult } {
  const failing = pairs.filter((p) => !p.ok);
  const representative = failing[0] ?? pairs[0];
  const lifts = liftable(failing[0]?.decisive, unreadable.resources);
  const standsAnyway = failing.length > 0 && !lifts;
  const pairUnknown = failing.length === 0 ? pairs.find((p) => p.unknown)?.unknown : undefined;
  const unknownReason = lifts ? (unreadable.reason ?? pairUnknown) : pairUnknown;
  if (unknownReason) {
    return {
      verdict: { outcome: 'unknown', symptom: 'unknown', enforcedBy: 'none', summary: unknownReason },
      representative,
    };
  }
  if (pairs.length === 0)
    return { verdict: { outcome: 'unknown', symptom: 'unknown', enforcedBy: 'none', summary: 'nothing to evaluate' } };
  const outcome: Outcome = failing.length === 0 ? 'allowed' : failing.length === pairs.length ? 'denied' : 'partial';
  const decisive = failing[0]?.decisive;
  let summary: string;
  if (outcome === 'allowed')
    summary =
      `Predicted to work for ` +
      `${pairs.length === 1 ? 'this pair' : `all ${pairs.length} source/destination pod pairs`}.`;
  else {
    const cause = decisive ? `${decisive.title} (${decisive.objects[0] ?? decisive.code})` : 'see findings';
    summary =
      outcome === 'partial'
        ? `${failing.length} of ${pairs.length} pod pairs fail: ${cause}; clients see intermittent ` +
          `${failing[0].symptom}.`
        : `Predicted to fail: ${cause}.`;
  }
  const deciding = unreadable.resources.filter((r) => !ASSUMED.test(r));
  if (unreadable.reason && standsAnyway && deciding.length > 0) {
    summary += ` Some objects could not be read (${deciding.join(', ')}); none of them could lift this.`;
  }
  const assumed = unreadable.assumed && assumedDefaults(unreadable.resources, unreadable.assumed);
  if (assumed) summary += ` ${assumed}`;
  return {
    verdict: { outcome, symptom: failing[0]?.symptom ?? 'ok', enforcedBy: failing[0]?.enforcedBy ?? 'none', summary },
    representative,
  };
}

/** What else produces a symptom the input cannot rule out (§5, §11). */
const OTHER_CAUSES: Record<Symptom, string[]> = {
  unknown: [],
  ok: [
    'the symptom is intermittent, or the input was captured after a fix',
    'a DNS problem: the client never resolved the name',
  ],
  reset: [
    `the app does not listen on the target port (ztunnel: "${ztunnelLogs('app-refused')}")`,
    'lost dataplane state after a node reboot: the pod is still annotated enabled but its rules are gone ' +
      '(delete the pod)',
    `an AuthorizationPolicy changed after the input was captured ("${ztunnelLogs('policy-change')}")`,
    `ztunnel certificate or CA trouble (ztunnel logs "${ztunnelLogs('identity')}" or "${ztunnelLogs('tls')}")`,
  ],
  refused: [
    'the app refuses on a non-mesh destination',
    "the source node's ztunnel was restarting",
    'a Service with no endpoints, seen by a non-mesh client',
  ],
  timeout: [
    'a CNI-specific policy not in the input (CiliumNetworkPolicy, Calico GlobalNetworkPolicy, AdminNetworkPolicy)',
    'a cloud firewall or security group between nodes blocking TCP 15008',
    "ztunnel on the destination's node is down (check its pods)",
  ],
  'http-403': [
    'a waypoint L7 AuthorizationPolicy (targetRefs) denies the request',
    'an ingress gateway or the application returns 403',
    'a CUSTOM ext_authz provider at a waypoint or a sidecar',
    "an AuthorizationPolicy at the destination's sidecar",
  ],
  'http-503': [
    'an HTTP proxy answered: a waypoint, an ingress gateway, or a sidecar whose upstream connection failed (a ' +
      '503 never comes from ztunnel alone)',
    'a waypoint bound to the Service whose hop to the pod is rejected by a ztunnel policy naming the client ' +
      'instead of the waypoint',
    'the application itself returns 503',
  ],
  'probe-failure': [
    'Cilium with BPF host routing (bpf.hostLegacyRouting=false) or a default-deny policy',
    'AWS VPC CNI security groups for pods in strict mode',
    'Calico eBPF before 3.29',
    'the pod missing from the probe ipset after a node or kubelet restart (fixed in 1.29.5)',
  ],
};

/** The observation in the words of --symptom. */
const OBSERVED: Record<Symptom, string> = {
  ok: 'a working connection',
  reset: 'a reset',
  refused: 'connection refused',
  timeout: 'a timeout',
  'http-403': 'HTTP 403',
  'http-503': 'HTTP 503',
  'probe-failure': 'failing probes',
  unknown: 'an unknown symptom',
};

export function symptomFinding(observed: Symptom, verdict: Verdict, hops: Hop[]): Finding | undefined {
  if (observed === verdict.symptom) return undefined;
  const noWaypoint = !hops.some((h) => h.layer === 'waypoint');
  const causes = OTHER_CAUSES[observed].filter(
    (c) => !(observed === 'http-503' && !noWaypoint && c.startsWith('a waypoint bound')),
  );
  const listed = causes.map((c, i) => `(${i + 1}) ${c}`).join('; ');
  const noWaypointNote =
    observed === 'http-503' && noWaypoint ? ' No waypoint is bound on this path in the input.' : '';
  const detail =
    `You observed ${OBSERVED[observed]}; the input predicts: ${SYMPTOM_WORDS[verdict.symptom]}. Causes of ` +
    `${OBSERVED[observed]} the input cannot rule out: ${listed}.${noWaypointNote}`;
  return finding('AD901', detail);
}
