// The findings catalogue: every code is defined here once, with its severity, title, the section of
// the project's specification (docs/spec.md) it implements, its `check` group, and for each code that can
// decide a verdict what the rest of the tool does with it. Its docs page is docs/findings/<code>.md.

export type Severity = 'error' | 'warning' | 'info';

/** The areas `check` groups its findings by, in the order its text output shows them. */
export const CHECK_GROUPS = [
  'Dataplane',
  'Enrolment',
  'Waypoints',
  'mTLS',
  'Authorization',
  'NetworkPolicy',
  'Probes and CNI',
  'Services and destinations',
  'Input',
] as const;
export type CheckGroup = (typeof CHECK_GROUPS)[number];

/**
 * Which resources, when they could not be read, might turn a denial this code decides into a pass
 * (§11 evidence): `anything` unread; only those that shape the `path` (the ends, their Services,
 * waypoints, workloads); the `path` or the named resources (plural, any API group); `nothing` lifts it.
 */
export type LiftedBy = 'anything' | 'path' | 'nothing' | { path: true; or: readonly string[] };

/**
 * What `check` makes of a connection this code denies: a `fault` reported once per decisive object
 * with the connections it breaks; `intended` (a policy that denies this client on purpose, a client
 * that dials a port it should not: a scan cannot call it a fault); `per-object` (an object analyzer
 * reports it already, per node or pod); or reported in its mesh form, another code.
 */
export type InCheck = 'fault' | 'intended' | 'per-object' | { meshForm: string };

/** What the tool does with a code that decides a verdict: required on every error. */
export interface Decision {
  liftedBy: LiftedBy;
  inCheck: InCheck;
  /**
   * A proven fix may leave the connection failing with this code next, on purpose (enrolling a
   * client's namespace: the running client is captured only after a restart, §13.1).
   */
  proofMayEndHere?: true;
}

interface Common {
  title: string;
  section: string;
}
/** An error decides verdicts, so its decision is required: a forgotten one does not compile. */
export type FindingEntry =
  (Common & { severity: 'error'; decides: Decision }) | (Common & { severity: 'warning' | 'info'; decides?: never });
export type FindingDefinition = FindingEntry & { group: CheckGroup };

/** One area's entries, each carrying the area's `check` group. */
function area<const T extends Record<string, FindingEntry>>(
  group: CheckGroup,
  entries: T,
): { [K in keyof T]: T[K] & { group: CheckGroup } } {
  const grouped = Object.fromEntries(Object.entries(entries).map(([code, entry]) => [code, { ...entry, group }]));
  return grouped as unknown as { [K in keyof T]: T[K] & { group: CheckGroup } };
}

/** Lifted only by an unread PeerAuthentication or AuthorizationPolicy (or the path itself). */
const BY_PEER_AUTHENTICATION: LiftedBy = { path: true, or: ['peerauthentications'] };
const BY_AUTHORIZATION_POLICY: LiftedBy = { path: true, or: ['authorizationpolicies'] };

export const FINDINGS = {
  // Enrolment, §1
  ...area('Enrolment', {
    AD101: { severity: 'info', title: 'Source is not in the mesh; it sends plaintext', section: '§1.1, §10' },
    AD102: { severity: 'warning', title: 'istio.io/dataplane-mode has a value Istio ignores', section: '§1.1, §6.7' },
    AD103: {
      severity: 'warning',
      title: 'istio.io/dataplane-mode is set as an annotation, not a label',
      section: '§1.1',
    },
    AD104: {
      severity: 'warning',
      title: "Ambient label on a workload's own metadata, not its pod template",
      section: '§1.1',
    },
    AD105: { severity: 'warning', title: 'hostNetwork pods are never enrolled', section: '§1.1, §7' },
    AD106: { severity: 'warning', title: 'A sidecar was injected, so the pod is not ambient', section: '§1.1, §1.2' },
    AD107: { severity: 'warning', title: 'Namespace is excluded by istio-cni', section: '§1.1' },
    AD108: { severity: 'warning', title: 'Injection labels that conflict on a namespace', section: '§1.2' },
    AD109: {
      severity: 'error',
      title: 'Capture is pending: no ztunnel took the pod',
      section: '§1.3, §2.3',
      decides: { liftedBy: 'anything', inCheck: 'per-object' },
    },
    AD110: { severity: 'warning', title: 'Pod should be ambient but is not captured', section: '§1.3, §1.4, §13.1' },
    AD111: {
      severity: 'warning',
      title: 'Pod is captured although its labels no longer ask for ambient',
      section: '§1.3',
    },
    AD112: {
      severity: 'warning',
      title: 'ambient.istio.io/redirection=disabled is ignored since Istio 1.22',
      section: '§1.3',
    },
    AD113: {
      severity: 'info',
      title: 'Inbound capture is bypassed: plaintext reaches the app without ztunnel',
      section: '§1.5',
    },
    AD114: {
      severity: 'error',
      title: 'The client should be ambient but is not captured yet: it still sends plaintext',
      section: '§1.3, §3.2, §13.1',
      // Every pod that is not captured is reported by the enrolment analyzer; a scan of connections would
      // name only one pod of each class.
      decides: { liftedBy: 'path', inCheck: { meshForm: 'AD110' }, proofMayEndHere: true },
    },
    AD115: {
      severity: 'warning',
      title: 'A Sidecar resource selects only ambient pods: it has no effect',
      section: '§1.2',
    },
  }),
  // ztunnel and the other mesh components, §2
  ...area('Dataplane', {
    AD201: {
      severity: 'error',
      title: 'No ready ztunnel on the node',
      section: '§2.1, §2.3',
      decides: { liftedBy: 'anything', inCheck: 'per-object' },
    },
    AD202: { severity: 'info', title: 'No ztunnel pods in the input: a healthy dataplane is assumed', section: '§2.1' },
    AD203: {
      severity: 'error',
      title: 'No ready istiod: ztunnel and waypoints get no new configuration or certificates',
      section: '§0, §2.3, §6.4',
      decides: { liftedBy: 'anything', inCheck: 'per-object' },
    },
    AD204: {
      severity: 'error',
      title: 'No ready istio-cni on a node with ambient pods: new pods there are not captured',
      section: '§1.4, §2.1',
      decides: { liftedBy: 'anything', inCheck: 'per-object' },
    },
    AD205: { severity: 'warning', title: 'Mesh components run different Istio versions', section: '§0' },
  }),
  // PeerAuthentication, §3
  ...area('mTLS', {
    AD301: {
      severity: 'error',
      title: 'STRICT mTLS rejects the plaintext connection',
      section: '§3.1, §3.2',
      decides: { liftedBy: BY_PEER_AUTHENTICATION, inCheck: { meshForm: 'AD305' } },
    },
    AD302: {
      severity: 'info',
      title: 'PeerAuthentication DISABLE does not turn off mTLS between ambient pods',
      section: '§3.1',
    },
    AD303: {
      severity: 'warning',
      title: 'PeerAuthentication with a selector in the root namespace is ignored',
      section: '§3.1',
    },
    AD304: { severity: 'warning', title: 'Several PeerAuthentications at one level: the oldest wins', section: '§3.1' },
    AD305: {
      severity: 'warning',
      title: 'STRICT mTLS covers pods that plaintext clients can reach: they will be reset',
      section: '§3.1, §3.2, §10',
    },
  }),
  // AuthorizationPolicy at the destination ztunnel, §4
  ...area('Authorization', {
    AD401: {
      severity: 'error',
      title: 'A DENY AuthorizationPolicy matches the connection',
      section: '§4.4',
      decides: { liftedBy: 'path', inCheck: 'intended' },
    },
    AD402: {
      severity: 'error',
      title: 'ALLOW policies apply, but none allows the connection',
      section: '§4.2, §4.4',
      decides: { liftedBy: BY_AUTHORIZATION_POLICY, inCheck: 'intended' },
    },
    AD403: {
      severity: 'error',
      title: 'ztunnel drops ALLOW rules with HTTP fields (fail closed)',
      section: '§4.3',
      decides: { liftedBy: BY_AUTHORIZATION_POLICY, inCheck: 'fault' },
    },
    AD404: { severity: 'warning', title: 'DENY with HTTP fields is a no-op or broader at ztunnel', section: '§4.3' },
    AD405: {
      severity: 'warning',
      title: 'A principal written with spiffe:// never matches at ztunnel',
      section: '§4.2',
    },
    AD406: { severity: 'warning', title: 'CUSTOM and AUDIT policies are not enforced by ztunnel', section: '§4.4' },
    AD407: {
      severity: 'warning',
      title: 'Dry-run AuthorizationPolicy: enforcement depends on the Istio version',
      section: '§4.4',
    },
    AD408: {
      severity: 'error',
      title: 'An ALLOW policy with no rules denies everything in its scope',
      section: '§4.5',
      decides: { liftedBy: BY_AUTHORIZATION_POLICY, inCheck: 'fault' },
    },
    AD409: { severity: 'warning', title: 'Principal uses a trust domain ztunnel does not have', section: '§4.6' },
    AD410: { severity: 'info', title: 'targetRefs policy is enforced only by a waypoint', section: '§4.1' },
    AD411: {
      severity: 'warning',
      title: 'A policy value istiod cannot convert is dropped silently',
      section: '§4.1, §4.9',
    },
    AD412: { severity: 'info', title: 'ipBlocks match the pod IP, which the CNI may rewrite', section: '§4.2' },
    AD413: {
      severity: 'warning',
      title: 'targetRefs name a target that does not exist or has no waypoint: nothing enforces the policy',
      section: '§4.1, §6.4',
    },
    AD414: {
      severity: 'warning',
      title: 'A policy names a namespace or service account no pod in the input has',
      section: '§4.2, §4.6',
    },
    AD415: {
      severity: 'error',
      title: "A CUSTOM policy's external authorizer has no ready endpoint: the requests it checks are refused",
      section: '§4.4, §12.5',
      decides: { liftedBy: BY_AUTHORIZATION_POLICY, inCheck: 'fault' },
    },
    AD416: {
      severity: 'warning',
      title: 'No proxy enforces the policy: it selects no pod, or only waypoint pods and pods outside the mesh',
      section: '§4.1',
    },
  }),
  // NetworkPolicy, §8
  ...area('NetworkPolicy', {
    AD501: {
      severity: 'error',
      title: 'NetworkPolicy on the destination blocks HBONE port 15008',
      section: '§8',
      decides: { liftedBy: 'anything', inCheck: 'fault' },
    },
    AD502: {
      severity: 'error',
      title: 'NetworkPolicy on the source blocks egress to HBONE port 15008',
      section: '§8',
      decides: { liftedBy: 'anything', inCheck: 'fault' },
    },
    AD503: {
      severity: 'error',
      title: 'NetworkPolicy on the destination blocks the connection',
      section: '§8',
      decides: { liftedBy: 'anything', inCheck: 'intended' },
    },
    AD504: {
      severity: 'error',
      title: 'NetworkPolicy on the source blocks the connection',
      section: '§8',
      decides: { liftedBy: 'anything', inCheck: 'intended' },
    },
    AD505: {
      severity: 'error',
      title: 'NetworkPolicy blocks kubelet probes from the SNAT address',
      section: '§7, §8',
      decides: { liftedBy: 'anything', inCheck: 'fault' },
    },
    AD506: {
      severity: 'info',
      title: 'ipBlock matched a pod IP: whether it applies depends on the CNI',
      section: '§8.3',
    },
  }),
  // Probes and CNI, §7
  ...area('Probes and CNI', {
    AD601: { severity: 'info', title: 'Probe is not affected by ambient', section: '§7' },
    AD602: { severity: 'warning', title: 'CNI setting known to break ambient probes', section: '§7, §11 row 21' },
  }),
  // Destinations and Services, §10, §11
  ...area('Services and destinations', {
    AD701: {
      severity: 'error',
      title: 'The Service has no ready endpoints',
      section: '§11 row 23',
      decides: { liftedBy: 'anything', inCheck: 'fault' },
    },
    AD702: { severity: 'info', title: 'Target port is not declared by any container', section: '§11 row 24' },
    AD703: { severity: 'info', title: 'Destination is not in the mesh: no mesh policy applies', section: '§10' },
    AD704: {
      severity: 'error',
      title: 'STRICT mTLS at a sidecar destination rejects the plaintext connection',
      section: '§10',
      decides: { liftedBy: BY_PEER_AUTHENTICATION, inCheck: { meshForm: 'AD305' } },
    },
    AD705: {
      severity: 'error',
      title: 'Client dials a ztunnel port directly',
      section: '§2.2, §2.5',
      decides: { liftedBy: 'nothing', inCheck: 'intended' },
    },
    AD706: {
      severity: 'warning',
      title: "The sidecar's decision depends on facts the input cannot know",
      section: '§4.4, §12.5, §12.8',
    },
    AD707: {
      severity: 'info',
      title: 'A sidecar destination without HBONE gets plaintext from ztunnel',
      section: '§10',
    },
    AD708: {
      severity: 'error',
      title: 'AuthorizationPolicy at a sidecar destination denies',
      section: '§4.4, §12.8',
      decides: { liftedBy: BY_AUTHORIZATION_POLICY, inCheck: 'intended' },
    },
    AD709: {
      severity: 'info',
      title: "Behind its own proxy the application sees Envoy's local 503",
      section: '§12.3',
    },
    AD710: {
      severity: 'warning',
      title: 'Mixed-mode path: a migration pitfall on this connection',
      section: '§1.2, §6.6, §12.8',
    },
  }),
  // Waypoints, §6
  ...area('Waypoints', {
    AD802: { severity: 'warning', title: 'Waypoint label Istio ignores', section: '§6.7' },
    AD803: { severity: 'info', title: 'Gateway API is not installed: no waypoint can exist', section: '§6.1' },
    AD804: {
      severity: 'info',
      title: 'The client does not use waypoints: waypoint policy is skipped',
      section: '§6.6, §11 row 18',
    },
    AD805: {
      severity: 'warning',
      title: 'The bound waypoint is not ready: traffic bypasses it and its L7 policy',
      section: '§6.4, §11 row 15',
    },
    AD806: {
      severity: 'warning',
      title: 'The waypoint binding does not apply to this traffic',
      section: '§6.2, §6.3, §6.4, §6.5, §11 row 17',
    },
    AD807: {
      severity: 'error',
      title: "The destination ztunnel sees the waypoint's identity, not the client's",
      section: '§4.7, §11 row 7',
      decides: { liftedBy: BY_AUTHORIZATION_POLICY, inCheck: 'fault' },
    },
    AD808: {
      severity: 'error',
      title: 'An AuthorizationPolicy at the waypoint denies the request',
      section: '§4.1, §4.4, §11 row 13',
      decides: { liftedBy: BY_AUTHORIZATION_POLICY, inCheck: 'intended' },
    },
    AD809: {
      severity: 'warning',
      title: 'The waypoint decision depends on facts the input cannot know',
      section: '§4.4, §5',
    },
    AD810: {
      severity: 'error',
      title: 'The waypoint has no ready pods: traffic fails closed',
      section: '§6.4, §11 row 16',
      decides: { liftedBy: 'anything', inCheck: 'fault' },
    },
    AD811: { severity: 'warning', title: 'Egress bypasses the egress waypoint', section: '§9, §11 row 25' },
    AD812: { severity: 'info', title: 'REGISTRY_ONLY is not enforced in ambient', section: '§9, §11 row 26' },
    AD813: {
      severity: 'warning',
      title: 'An Istio status condition disagrees with the computed effect',
      section: '§4.3, §4.8',
    },
    AD814: { severity: 'info', title: 'A waypoint nothing is bound to', section: '§6.3' },
    AD815: {
      severity: 'warning',
      title: 'istiod reports a problem in the status of the object',
      section: '§4.8, §6.4',
    },
    AD816: {
      severity: 'warning',
      title: 'ServiceEntries give one host and port different protocols: istiod keeps the oldest',
      section: '§9, §13.3',
    },
  }),
  // The input, the user's observation and the runtime evidence, §11
  ...area('Input', {
    AD901: { severity: 'warning', title: 'The observed symptom differs from the prediction', section: '§5, §11' },
    AD905: { severity: 'info', title: 'What ztunnel and the proxies logged about this connection', section: '§2.5' },
    AD906: { severity: 'warning', title: "The dataplane's logs disagree with the prediction", section: '§2.5, §11' },
    AD907: { severity: 'info', title: "ztunnel's own view of the two ends (its config dump)", section: '§1, §4.1, §6' },
    AD908: {
      severity: 'warning',
      title: "ztunnel's view disagrees with the input",
      section: '§1, §4.1, §6, §11',
    },
    AD910: {
      severity: 'error',
      title: "The dataplane's log names the policy that denied, not the one the input blames",
      section: '§2.5, §11 (evidence)',
      // Only from runtime evidence, which check does not read.
      decides: { liftedBy: BY_AUTHORIZATION_POLICY, inCheck: 'intended' },
    },
    AD909: {
      severity: 'info',
      title: 'Runtime evidence that could not be read: the verdict is from the configuration alone',
      section: '§11 (evidence)',
    },
    AD902: {
      severity: 'warning',
      title: 'Missing permission: part of the cluster could not be read',
      section: '§11 (evidence)',
    },
    AD903: {
      severity: 'warning',
      title: 'A namespace on the path is not in the input: its labels are unknown',
      section: '§1.1, §6.3, §8',
    },
    AD904: {
      severity: 'warning',
      title: 'The input holds one object twice with different content',
      section: '§11 (evidence)',
    },
  }),
} as const;

export type FindingCode = keyof typeof FINDINGS;

/** What the tool does when this code decides a verdict; undefined for codes that never decide one. */
export function decidingPolicy(code: FindingCode): Decision | undefined {
  const entry: FindingDefinition = FINDINGS[code];
  return entry.decides;
}
