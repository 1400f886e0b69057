// §3.1: how istiod turns PeerAuthentication into ztunnel DENY policies for one workload.
import { compareText } from '../order.js';
import type { MtlsMode, PeerAuthenticationFact, PodFact } from '../snapshot/types.js';
import { CONVERTED_PA_PREFIX, STATIC_STRICT_POLICY } from './constants.js';
import { selectorMatches } from './labels.js';
import type { RbacPolicy } from './ztunnel-rbac.js';
import { appendAll } from '../arrays.js';

export interface MtlsLevels {
  mesh?: PeerAuthenticationFact;
  namespace?: PeerAuthenticationFact;
  workload?: PeerAuthenticationFact;
  /** Policies that lost to an older one at the same level. */
  shadowed: PeerAuthenticationFact[];
  /** Root-namespace policies with a selector, which istiod ignores. */
  ignoredRootSelectors: PeerAuthenticationFact[];
}

export interface EffectiveMtls {
  /** Effective workload mode before port-level settings. */
  mode: 'STRICT' | 'PERMISSIVE' | 'DISABLE';
  /** The PeerAuthentication that decided `mode`, if any. */
  decidedBy?: PeerAuthenticationFact;
  levels: MtlsLevels;
  /** The DENY policies istiod attaches: the static strict one and/or converted port-level ones. */
  policies: RbacPolicy[];
}

const byAge = (a: PeerAuthenticationFact, b: PeerAuthenticationFact) =>
  compareText(a.meta.creationTimestamp ?? '', b.meta.creationTimestamp ?? '') || compareText(a.meta.name, b.meta.name);

function oldest(
  list: PeerAuthenticationFact[],
  shadowed: PeerAuthenticationFact[],
): PeerAuthenticationFact | undefined {
  const sorted = [...list].sort(byAge);
  appendAll(shadowed, sorted.slice(1));
  return sorted[0];
}

export function mtlsLevels(
  pod: Pick<PodFact, 'meta'>,
  pas: PeerAuthenticationFact[],
  rootNamespace: string,
): MtlsLevels {
  const shadowed: PeerAuthenticationFact[] = [];
  const ns = pod.meta.namespace;
  const ignoredRootSelectors = pas.filter(
    (p) => p.meta.namespace === rootNamespace && p.selector && ns !== rootNamespace,
  );
  return {
    mesh: oldest(
      pas.filter((p) => p.meta.namespace === rootNamespace && !p.selector),
      shadowed,
    ),
    namespace:
      ns === rootNamespace
        ? undefined
        : oldest(
            pas.filter((p) => p.meta.namespace === ns && !p.selector),
            shadowed,
          ),
    workload: oldest(
      pas.filter((p) => p.meta.namespace === ns && p.selector && selectorMatches(p.selector, pod.meta.labels)),
      shadowed,
    ),
    shadowed,
    ignoredRootSelectors,
  };
}

const set = (m: MtlsMode | undefined): m is 'STRICT' | 'PERMISSIVE' | 'DISABLE' => !!m && m !== 'UNSET';

/** Mode inherited from namespace, then mesh; PERMISSIVE when nothing is set. */
function parentMode(levels: MtlsLevels): {
  mode: 'STRICT' | 'PERMISSIVE' | 'DISABLE';
  decidedBy?: PeerAuthenticationFact;
} {
  if (set(levels.namespace?.mode)) return { mode: levels.namespace!.mode as 'STRICT', decidedBy: levels.namespace };
  if (set(levels.mesh?.mode)) return { mode: levels.mesh!.mode as 'STRICT', decidedBy: levels.mesh };
  return { mode: 'PERMISSIVE' };
}

const presence = { presence: {} as Record<string, never> };

/**
 * istiod's conversion of the workload-level policy with portLevelMtls (§3.1 "portLevelMtls").
 * Returns undefined where istiod sends nothing.
 */
export function convertPeerAuthentication(
  workload: PeerAuthenticationFact,
  parent: { mode: 'STRICT' | 'PERMISSIVE' | 'DISABLE' },
  rootNamespace: string,
): RbacPolicy | undefined {
  if (!workload.selector || workload.meta.namespace === rootNamespace) return undefined;
  const ports = Object.entries(workload.portLevelMtls);
  if (ports.length === 0) return undefined;
  const explicit = set(workload.mode);
  const strict = (explicit ? workload.mode : parent.mode) === 'STRICT';
  const base = {
    name: `${CONVERTED_PA_PREFIX}${workload.meta.name}`,
    namespace: workload.meta.namespace,
    scope: 'WORKLOAD_SELECTOR' as const,
    action: 'DENY' as const,
  };
  const numeric = (mode: (m: MtlsMode) => boolean) =>
    ports
      .filter(([, m]) => mode(m))
      .map(([p]) => Number(p))
      .filter((p) => Number.isInteger(p))
      .sort((a, b) => a - b);
  if (strict) {
    const exempt = numeric((m) => m === 'PERMISSIVE' || m === 'DISABLE');
    if (exempt.length === 0) return undefined;
    const principal = { matches: [{ notPrincipals: [presence] }] };
    const port = { matches: [{ notDestinationPorts: exempt }] };
    return { ...base, groups: [{ rules: explicit ? [principal, port] : [port, principal] }] };
  }
  const strictPorts = numeric((m) => m === 'STRICT');
  if (strictPorts.length === 0) return undefined;
  return {
    ...base,
    groups: strictPorts.map((p) => ({ rules: [{ matches: [{ destinationPorts: [p], notPrincipals: [presence] }] }] })),
  };
}

export function staticStrictPolicy(rootNamespace: string): RbacPolicy {
  return {
    name: STATIC_STRICT_POLICY,
    namespace: rootNamespace,
    scope: 'WORKLOAD_SELECTOR',
    action: 'DENY',
    groups: [{ rules: [{ matches: [{ notPrincipals: [presence] }] }] }],
  };
}

export function effectiveMtls(
  pod: Pick<PodFact, 'meta'>,
  pas: PeerAuthenticationFact[],
  rootNamespace: string,
): EffectiveMtls {
  const levels = mtlsLevels(pod, pas, rootNamespace);
  const parent = parentMode(levels);
  const wl = levels.workload;
  const workloadSet = wl && set(wl.mode);
  const mode = workloadSet ? (wl!.mode as EffectiveMtls['mode']) : parent.mode;
  const decidedBy = workloadSet ? wl : parent.decidedBy;
  const policies: RbacPolicy[] = [];
  const converted = wl ? convertPeerAuthentication(wl, parent, rootNamespace) : undefined;
  if (converted) policies.push(converted);
  // The converted policy already carries strictness when it exempts ports (§3.1).
  const exempts = converted?.groups.some((g) => g.rules.some((c) => c.matches.some((m) => m.notDestinationPorts)));
  if (mode === 'STRICT' && !exempts) policies.push(staticStrictPolicy(rootNamespace));
  return { mode, decidedBy, levels, policies };
}
