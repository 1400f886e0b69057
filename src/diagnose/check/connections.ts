// The connection-level findings that hold for the mesh as a whole, found by asking explain's own
// engine (matrix.ts, verdict mode) one question per pair of pod classes: every source class to every
// destination class on its Service target ports (pods without a Service: their declared ports).
// A failing pair whose decisive finding is a fault rather than an intended denial (a NetworkPolicy
// dropping HBONE 15008, the waypoint identity pitfall, a ztunnel or waypoint that is down, ...) is
// reported once per decisive object, with the connections it breaks. STRICT mTLS against plaintext
// clients (AD301, AD704) is reported as the risk AD305 on the PeerAuthentication.
import { refText, type ObjectRef } from '../../snapshot/ref.js';
import { decidingPolicy, FINDINGS, type FindingCode } from '../../findings/catalogue.js';
import { finding, refsOf, withRefsOf, type Finding } from '../../findings/finding.js';
import { pairCells, works, type Workload } from '../matrix/pairs.js';
import type { ResolvedDestination } from '../explain/resolve.js';
import { matrixSourcesOnly, matrixWorkloads } from '../matrix/workloads.js';
import { createContext, policiesAt, type EvalContext } from '../context.js';
import { policyNamesClient } from '../../mesh/authorization.js';
import { identityOf } from '../../mesh/identity.js';
import { podClassKeys } from '../matrix/pod-classes.js';
import { withExplain, type CheckAnalyzer } from './analyzer.js';
import { command, shellLine, unsafeCommandNote } from '../../findings/command.js';
import { evaluateNetworkPolicy, selectingPolicies } from '../../mesh/network-policy.js';
import { HBONE_PORT } from '../../mesh/constants.js';
import type { AuthorizationPolicyFact, NetworkPolicyRule } from '../../snapshot/types.js';

const EXAMPLES = 3;
const listed = (items: string[]) =>
  items.length > EXAMPLES
    ? `${items.slice(0, EXAMPLES).join(', ')} and ${items.length - EXAMPLES} more`
    : items.join(', ');

interface Broken {
  finding: Finding;
  connections: Set<string>;
  explain?: string;
}

const KIND_ARG: Record<string, string> = { ReplicaSet: 'rs', StatefulSet: 'sts', DaemonSet: 'ds', Job: 'job' };

/** The workload as explain takes it: NS/POD or NS/KIND/NAME. */
function workloadArg({ pod }: Workload): string {
  const owner = pod.owner;
  const ns = pod.meta.namespace;
  if (!owner) return `${ns}/${pod.meta.name}`;
  return KIND_ARG[owner.kind] ? `${ns}/${KIND_ARG[owner.kind]}/${owner.name}` : `${ns}/${owner.name}`;
}

/** The destination as the matrix names it: the Service and its port, or the workload and target port. */
const destinationText = (dst: Workload, dest: ResolvedDestination) =>
  dest.service
    ? `${dest.service.meta.namespace}/${dest.service.meta.name}:${dest.port}`
    : `${dst.name}:${dest.targets[0].targetPort}`;

/** The explain command that shows one broken connection hop by hop, with its proven fixes. */
function explainCommand(src: Workload, dst: Workload, dest: ResolvedDestination): string {
  const to = dest.service
    ? `${dest.service.meta.name}.${dest.service.meta.namespace}:${dest.port}`
    : `${workloadArg(dst)}:${dest.targets[0].targetPort}`;
  const line = command(['kubectl', 'ambient-doctor', 'explain', workloadArg(src), to]);
  return shellLine(line) ?? unsafeCommandNote(line);
}

/** NetworkPolicy faults on HBONE's port 15008 (§8): a fault only where the policies mean the connection. */
const HBONE_NETPOL_CODES = new Set<FindingCode>(['AD501', 'AD502']);

/**
 * Issue 30, intent before fault: NetworkPolicies mean a connection when they would let the client reach the
 * destination's app port without the mesh (a rule for the app port that ambient's move to 15008 no longer
 * matches), or would let the client's own HBONE in on 15008 (then only the waypoint's hop is refused), or
 * when the client's egress policy has a rule for 15008 to any peer (its author meant HBONE to leave the pod and
 * named the wrong peers, as the hardening article's backstop to istio-system does). A client they would refuse
 * anyway (an AdminNetworkPolicy Deny, a default deny with no rule for it) is kept out on purpose.
 */
function meantToConnect(ctx: EvalContext, src: Workload, dst: Workload, dest: ResolvedDestination): boolean {
  const namesHbone = (rules: NetworkPolicyRule[]) =>
    rules.some((r) =>
      r.ports?.some(
        (p) =>
          String(p.port) === String(HBONE_PORT) ||
          (typeof p.port === 'number' && !!p.endPort && p.port <= HBONE_PORT && HBONE_PORT <= p.endPort),
      ),
    );
  if (selectingPolicies(ctx.netpols, src.pod, 'Egress').some((p) => namesHbone(p.egress))) return true;
  const labelsOf = (ns: string) => ctx.snapshot.namespaces.get(ns)?.meta.labels;
  const end = (pod: Workload['pod']) => ({ pod, ip: pod.podIPs[0], namespaceLabels: labelsOf(pod.meta.namespace) });
  const ports = [...new Set(dest.targets.filter((t) => t.pod === dst.pod).map((t) => t.targetPort))];
  return [...(ports.length ? ports : [dest.port]), HBONE_PORT].some(
    (port) =>
      port !== undefined &&
      evaluateNetworkPolicy(ctx.netpols, { src: end(src.pod), dst: end(dst.pod), port, protocol: 'TCP' }).allowed,
  );
}

const policyIndexes = new WeakMap<AuthorizationPolicyFact[], ReturnType<typeof buildPolicyIndex>>();

/** Policies by NS/NAME and by the Service their targetRefs name, built once per snapshot. */
function policyIndex(policies: AuthorizationPolicyFact[]) {
  let index = policyIndexes.get(policies);
  if (!index) policyIndexes.set(policies, (index = buildPolicyIndex(policies)));
  return index;
}

function buildPolicyIndex(policies: AuthorizationPolicyFact[]) {
  const named = new Map<string, AuthorizationPolicyFact[]>();
  const onService = new Map<string, AuthorizationPolicyFact[]>();
  const add = (map: Map<string, AuthorizationPolicyFact[]>, key: string, ap: AuthorizationPolicyFact) =>
    map.set(key, [...(map.get(key) ?? []), ap]);
  for (const ap of policies) {
    add(named, `${ap.meta.namespace}/${ap.meta.name}`, ap);
    for (const r of ap.targetRefs)
      if (r.kind === 'Service' && (r.group ?? '') === '') add(onService, `${ap.meta.namespace}/${r.name}`, ap);
  }
  return { named, onService };
}

/** Denials by AuthorizationPolicy at the destination's ztunnel (AD401, AD402) or at its waypoint (AD808). */
const POLICY_DENIALS = new Set<FindingCode>(['AD401', 'AD402', 'AD808']);

/**
 * Issue 30: an ALLOW that names the client for this destination (a selector or namespace policy on the
 * destination pod, or a targetRefs policy on its Service) means the connection. A policy denial on the path is
 * then a fault, not a policy at work: ALLOW policies that refuse it (AD402, AD808: e.g. a waypoint's TCP chain
 * dropping the rule that named it, §13.3), or a DENY that is not written for this client (AD401, AD808: it
 * matched another identity, e.g. the waypoint's at the destination's ztunnel, §4.7).
 */
function deniesWhatAnAllowMeans(
  ctx: EvalContext,
  f: Finding,
  src: Workload,
  dst: Workload,
  dest: ResolvedDestination,
): boolean {
  if (!POLICY_DENIALS.has(f.code)) return false;
  const identity = identityOf(src.pod, ctx.snapshot.mesh.trustDomain);
  const ports = [dest.port, ...dest.targets.map((t) => t.targetPort)].filter((p): p is number => p !== undefined);
  const index = policyIndex(ctx.snapshot.authorizationPolicies);
  const deciding = refsOf(f).flatMap((r) =>
    r.kind === 'AuthorizationPolicy' ? (index.named.get(`${r.namespace}/${r.name}`) ?? []) : [],
  );
  // A DENY written for this client keeps it out on purpose, at ztunnel (AD401) or at the waypoint (AD808).
  if (deciding.some((ap) => ap.action === 'DENY' && policyNamesClient(ap, identity, ports))) return false;
  if (f.code === 'AD401' && !deciding.some((ap) => ap.action === 'DENY')) return false;
  const svc = dest.service;
  const onService = svc ? (index.onService.get(`${svc.meta.namespace}/${svc.meta.name}`) ?? []) : [];
  return [...policiesAt(ctx, dst.pod), ...onService].some(
    (ap) => ap.action === 'ALLOW' && policyNamesClient(ap, identity, ports),
  );
}

interface StrictRisk {
  object: ObjectRef | undefined;
  objectText: string;
  clients: Set<string>;
  destinations: Set<string>;
}

const CONNECTION_CODES: FindingCode[] = [
  ...new Set(
    (Object.keys(FINDINGS) as FindingCode[]).flatMap((code) => {
      const inCheck = decidingPolicy(code)?.inCheck;
      if (inCheck === 'fault') return [code];
      return typeof inCheck === 'object' ? [inCheck.meshForm as FindingCode] : [];
    }),
  ),
];

export const connections: CheckAnalyzer = {
  name: 'connections',
  // The codes the catalogue calls faults a scan reports per object, and the mesh forms of the others.
  codes: CONNECTION_CODES,
  run: (scan) => {
    const { snapshot } = scan;
    // One pod per class stands for every pod no rule can tell apart from it (pod-classes.ts).
    const keyOf = podClassKeys(snapshot);
    // Gateway and host-network pods are clients too (§10, §1.1): sources, never destinations here.
    const representatives = (list: Workload[]) => {
      const reps = new Map<string, Workload>();
      for (const w of list) {
        const key = keyOf(w.pod);
        if (!reps.has(key)) reps.set(key, w);
      }
      return [...reps.values()];
    };
    const verdictCtx = createContext(snapshot, 'verdict');
    const cells = pairCells(
      verdictCtx,
      {
        workloads: representatives(matrixWorkloads(snapshot, 'all')),
        sourcesOnly: representatives(matrixSourcesOnly(snapshot, 'all')),
        podPortsWithoutService: true,
        distinctSources: true,
        keepDecisive: true,
      },
      (src, dst, dest, answer) => ({ src, dst, dest, answer }),
    );
    const broken = new Map<string, Broken>();
    const strict = new Map<string, StrictRisk>();
    // The policies in force with this PeerAuthentication PERMISSIVE: a plaintext client STRICT resets is a
    // risk only if it could otherwise connect (issue 30: principal-only ALLOWs keep it out anyway).
    const permissive = new Map<string, EvalContext>();
    const withoutStrict = (pa: ObjectRef) => {
      const key = refText(pa);
      let ctx = permissive.get(key);
      if (!ctx) {
        // Port-level modes too: a port-level STRICT is what rejects plaintext there.
        const fact = snapshot.peerAuthentications.find(
          (p) => p.meta.name === pa.name && p.meta.namespace === pa.namespace,
        );
        const ports = Object.keys(fact?.portLevelMtls ?? {});
        const relaxed = {
          apiVersion: 'security.istio.io/v1',
          kind: 'PeerAuthentication',
          metadata: { name: pa.name, namespace: pa.namespace },
          spec: {
            mtls: { mode: 'PERMISSIVE' },
            ...(ports.length
              ? { portLevelMtls: Object.fromEntries(ports.map((n) => [n, { mode: 'PERMISSIVE' }])) }
              : {}),
          },
        };
        permissive.set(key, (ctx = createContext(snapshot.withChange({ apply: [relaxed], delete: [] }), 'verdict')));
      }
      return ctx;
    };
    for (const { src, dst, dest, answer } of cells) {
      const f = answer.decisive;
      // -n NS: the connections of NS's workloads, either end, wherever the cause lives (issue 30).
      const touches = scan.inScope(dst.pod.meta.namespace) || scan.inScope(src.pod.meta.namespace);
      if (answer.outcome !== 'denied' || !f || !touches) continue;
      const to = destinationText(dst, dest);
      // Each decisive code's catalogue entry says what a scan makes of the connections it denies.
      const inCheck = decidingPolicy(f.code)?.inCheck ?? 'fault';
      if (typeof inCheck === 'object' && inCheck.meshForm === 'AD305') {
        const decisiveRef = refsOf(f)[0];
        const object = decisiveRef?.kind === 'PeerAuthentication' ? decisiveRef : undefined;
        if (object && !works(withoutStrict(object), src.pod, dest)) continue;
        const objectText = object ? refText(object) : 'mesh default';
        let risk = strict.get(objectText);
        if (!risk) strict.set(objectText, (risk = { object, objectText, clients: new Set(), destinations: new Set() }));
        risk.clients.add(src.name);
        risk.destinations.add(to);
        continue;
      }
      if (inCheck !== 'fault' && !deniesWhatAnAllowMeans(verdictCtx, f, src, dst, dest)) continue;
      if (HBONE_NETPOL_CODES.has(f.code) && !meantToConnect(verdictCtx, src, dst, dest)) continue;
      const key = `${f.code} ${f.objects[0] ?? ''}`;
      let entry = broken.get(key);
      if (!entry) broken.set(key, (entry = { finding: f, connections: new Set() }));
      entry.connections.add(`${src.name} → ${to}`);
      entry.explain ??= explainCommand(src, dst, dest);
    }
    const out: Finding[] = [];
    for (const { finding: f, connections: list, explain } of broken.values()) {
      const detail = `${f.detail} Connections it breaks (one client per kind): ${listed([...list])}.`;
      // Built field by field: spreading the finding would render its remedies (fix) for nothing.
      const copy: Finding = {
        code: f.code,
        severity: f.severity,
        title: f.title,
        detail,
        objects: f.objects,
        docs: f.docs,
      };
      if (f.origins) copy.origins = f.origins;
      out.push(withExplain(withRefsOf(copy, f), explain));
    }
    for (const risk of strict.values()) {
      const clients = [...risk.clients];
      const dests = [...risk.destinations];
      const detail =
        `${risk.object ? refText(risk.object) : 'STRICT mTLS'} makes ${listed(dests)} reject plaintext, and ` +
        `${clients.length} kind(s) of client outside the mesh that the AuthorizationPolicies in force would ` +
        'let through ' +
        `(${listed(clients)}): each of their connections is reset. Enrol those clients, or accept ` +
        'plaintext on the ports they use (PERMISSIVE port-level mTLS), before they are paged for it.';
      out.push(finding('AD305', detail, risk.object ? [risk.object] : []));
    }
    return out;
  },
};
