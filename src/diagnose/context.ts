// What every hop of one run shares: the snapshot, the NetworkPolicy index, and caches of facts
// that a matrix asks for many times (enrolment, policy conversion, policies in scope).
import type { AuthorizationPolicyFact, PodFact, Snapshot } from '../snapshot/types.js';
import { evaluateEnrollment, type Enrollment } from '../mesh/enrollment.js';
import { effectiveMtls } from '../mesh/peer-authentication.js';
import { convertAuthorizationPolicy, policiesInScope, type ConversionResult } from '../mesh/authorization.js';
import { indexNetworkPolicies, type NetworkPolicyIndex } from '../mesh/network-policy.js';
import { finding, type Finding } from '../findings/finding.js';
import { podRef, refText } from '../snapshot/ref.js';

/** `full` explains (evidence, notes, fixes); `verdict` computes only what a matrix cell needs. */
export type RunMode = 'full' | 'verdict';

export interface EvalContext {
  snapshot: Snapshot;
  netpols: NetworkPolicyIndex;
  mode: RunMode;
  enrollments: Map<PodFact, { enrollment: Enrollment; notes: Finding[] }>;
  conversions: Map<AuthorizationPolicyFact, ConversionResult>;
  inScope: Map<PodFact, AuthorizationPolicyFact[]>;
  mtls: Map<PodFact, ReturnType<typeof effectiveMtls>>;
  /** AuthorizationPolicies by namespace, and their order in the snapshot (built on first use). */
  apsByNamespace?: Map<string, AuthorizationPolicyFact[]>;
  apOrder?: Map<AuthorizationPolicyFact, number>;
}

export function createContext(snapshot: Snapshot, mode: RunMode = 'full'): EvalContext {
  return {
    snapshot,
    netpols: indexNetworkPolicies(snapshot.networkPolicies, snapshot.adminNetworkPolicies),
    mode,
    enrollments: new Map(),
    conversions: new Map(),
    inScope: new Map(),
    mtls: new Map(),
  };
}

function enrollmentEntry(ctx: EvalContext, pod: PodFact) {
  let entry = ctx.enrollments.get(pod);
  if (!entry) {
    const owner = pod.owner;
    const workload = owner
      ? ctx.snapshot.workloads.find(
          (w) =>
            w.meta.namespace === pod.meta.namespace &&
            (w.meta.name === owner.name || owner.name.startsWith(`${w.meta.name}-`)),
        )
      : undefined;
    const enrollment = evaluateEnrollment(
      pod,
      ctx.snapshot.namespaces.get(pod.meta.namespace),
      ctx.snapshot.mesh,
      workload,
    );
    const notes = enrollment.notes.map((n) => finding(n.code, n.detail, n.objects));
    ctx.enrollments.set(pod, (entry = { enrollment, notes }));
  }
  return entry;
}

/** §1: how the pod's traffic is handled (cached per pod). */
export const enrollmentOf = (ctx: EvalContext, pod: PodFact): Enrollment => enrollmentEntry(ctx, pod).enrollment;

/** §1: the pod's enrolment findings, the same objects every time they are asked for. */
export const enrollmentFindings = (ctx: EvalContext, pod: PodFact): Finding[] => enrollmentEntry(ctx, pod).notes;

export function conversionOf(ctx: EvalContext, ap: AuthorizationPolicyFact): ConversionResult {
  let c = ctx.conversions.get(ap);
  if (!c) ctx.conversions.set(ap, (c = convertAuthorizationPolicy(ap, ctx.snapshot.mesh)));
  return c;
}

/** §3: the effective mTLS mode at a destination pod and the PeerAuthentications behind it. */
export function mtlsOf(ctx: EvalContext, pod: PodFact): ReturnType<typeof effectiveMtls> {
  let m = ctx.mtls.get(pod);
  if (!m)
    ctx.mtls.set(pod, (m = effectiveMtls(pod, ctx.snapshot.peerAuthentications, ctx.snapshot.mesh.rootNamespace)));
  return m;
}

/** §4.1: the selector and namespace-wide AuthorizationPolicies that apply at a pod's ztunnel. */
export function policiesAt(ctx: EvalContext, pod: PodFact): AuthorizationPolicyFact[] {
  let scope = ctx.inScope.get(pod);
  if (!scope) {
    const root = ctx.snapshot.mesh.rootNamespace;
    // Only the pod's and the root namespace's policies can apply; a matrix asks for every pod.
    if (!ctx.apsByNamespace) {
      ctx.apsByNamespace = new Map();
      for (const ap of ctx.snapshot.authorizationPolicies) {
        const list = ctx.apsByNamespace.get(ap.meta.namespace);
        if (list) list.push(ap);
        else ctx.apsByNamespace.set(ap.meta.namespace, [ap]);
      }
    }
    const candidates = [
      ...(ctx.apsByNamespace.get(pod.meta.namespace) ?? []),
      ...(pod.meta.namespace === root ? [] : (ctx.apsByNamespace.get(root) ?? [])),
    ];
    if (pod.meta.namespace !== root && ctx.apsByNamespace.has(root) && ctx.apsByNamespace.has(pod.meta.namespace)) {
      const order = (ctx.apOrder ??= new Map(ctx.snapshot.authorizationPolicies.map((ap, i) => [ap, i])));
      candidates.sort((a, b) => order.get(a)! - order.get(b)!);
    }
    scope = policiesInScope(pod, candidates, root);
    ctx.inScope.set(pod, scope);
  }
  return scope;
}

const labels = new WeakMap<PodFact, string>();

/** "ns/name (ip)": how hops name a pod. */
export function podLabel(p: PodFact): string {
  let l = labels.get(p);
  if (l === undefined)
    labels.set(p, (l = `${p.meta.namespace}/${p.meta.name}${p.podIPs[0] ? ` (${p.podIPs[0]})` : ''}`));
  return l;
}

/** "Pod ns/name": how findings name a pod in prose. */
export const podName = (p: PodFact): string => refText(podRef(p));
