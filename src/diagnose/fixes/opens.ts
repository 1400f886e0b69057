// Which other connections a change opens: denied in one snapshot, allowed in the other. Checked
// for every workload towards the asked destination, and from the asked source towards every pod
// the changed objects select (§ "Trust before features" in the project's rules: a fix may open
// nothing beyond the asker's own workload).
import type { LabelSelector, PodFact, Snapshot } from '../../snapshot/types.js';
import { selectorMatches, mapSelectorMatches } from '../../mesh/labels.js';
import { workloadName } from '../../mesh/connectivity.js';
import { createContext, type EvalContext } from '../context.js';
import { podAddressed, type ResolvedDestination } from '../explain/resolve.js';
import { works } from '../matrix/pairs.js';
import { matrixWorkloads } from '../matrix/workloads.js';
import { relativeSourceClasses } from '../matrix/pod-classes.js';
import { requestFacts, type RequestAsked } from '../../mesh/http.js';
import type { AuthorizationOperation } from '../../snapshot/types.js';

export interface Opened {
  source: string;
  destination: string;
  port: number;
  /** An HTTP request of the asker that was denied and is allowed after (`DELETE /admin`). */
  request?: string;
}

export interface OpensQuery {
  /** The pods that asked (their own workload may open: that is the point of the fix). */
  asker: PodFact[];
  /** The asked destination, resolved in each snapshot. */
  destination: (s: Snapshot) => ResolvedDestination | undefined;
  /** The objects the fix applies or changes. */
  changed: Record<string, unknown>[];
  /** The request asked where a proxy decides per request: other requests the fix lets through are widenings. */
  request?: RequestAsked;
  /** false: ask every source (what the grouped check is tested against). */
  classes?: false;
}

const sameWorkload = (a: PodFact, b: PodFact) =>
  a.meta.namespace === b.meta.namespace && workloadName(a) === workloadName(b) && a.serviceAccount === b.serviceAccount;

/** The selector-bearing fields of the kinds a fix changes, as written in a manifest. */
interface RawSpec {
  podSelector?: LabelSelector;
  selector?: LabelSelector;
  targetRefs?: { kind: string; name: string }[];
  subject?: { namespaces?: LabelSelector; pods?: { namespaceSelector?: LabelSelector; podSelector?: LabelSelector } };
}

/** Pods a changed object selects, looked up in the snapshot after the change. */
function selectedPods(after: Snapshot, obj: Record<string, unknown>): PodFact[] {
  const meta = (obj.metadata ?? {}) as { namespace?: string; name?: string };
  const spec = (obj.spec ?? {}) as RawSpec;
  const inNs = (ns: string | undefined) => after.pods.filter((p) => ns === undefined || p.meta.namespace === ns);
  switch (obj.kind) {
    case 'Namespace':
      return inNs(meta.name);
    case 'Pod':
      return inNs(meta.namespace).filter((p) => p.meta.name === meta.name);
    case 'NetworkPolicy':
      return inNs(meta.namespace).filter((p) => selectorMatches(spec.podSelector, p.meta.labels));
    case 'AuthorizationPolicy':
    case 'PeerAuthentication': {
      const root = meta.namespace === after.mesh.rootNamespace;
      const scope = root && !spec.selector ? after.pods : inNs(meta.namespace);
      const byTarget = (spec.targetRefs ?? []).flatMap((t: { kind: string; name: string }) =>
        t.kind === 'Service'
          ? after.services
              .filter((s) => s.meta.namespace === meta.namespace && s.meta.name === t.name && s.selector)
              .flatMap((s) => inNs(meta.namespace).filter((p) => mapSelectorMatches(s.selector!, p.meta.labels)))
          : [],
      );
      if (spec.targetRefs?.length) return byTarget;
      return scope.filter((p) => !spec.selector || selectorMatches(spec.selector, p.meta.labels));
    }
    case 'AdminNetworkPolicy': {
      const pods = spec.subject?.pods;
      const nsSel = spec.subject?.namespaces ?? pods?.namespaceSelector;
      return after.pods.filter(
        (p) =>
          selectorMatches(nsSel, after.namespaces.get(p.meta.namespace)?.meta.labels ?? {}) &&
          (!pods || selectorMatches(pods.podSelector, p.meta.labels)),
      );
    }
    default:
      return [];
  }
}

/** Source classes relative to a destination pod (pod-classes.ts), over a snapshot's matrix workloads. */
interface SideClasses {
  classes: ((dst: PodFact) => Float64Array) | undefined;
  index: Map<PodFact, number>;
}

function sideClasses(ctx: EvalContext, workloads = matrixWorkloads(ctx.snapshot, 'all')): SideClasses {
  const pods = workloads.map((w) => w.pod);
  return { classes: relativeSourceClasses(ctx, pods), index: new Map(pods.map((p, i) => [p, i])) };
}

/** Every proof compares with the same snapshot before the change: its context and classes are made once. */
const beforeSides = new WeakMap<Snapshot, { ctx: EvalContext; side?: SideClasses }>();

function beforeSide(before: Snapshot) {
  let entry = beforeSides.get(before);
  if (!entry) beforeSides.set(before, (entry = { ctx: createContext(before, 'verdict') }));
  return entry;
}

/**
 * Sources the destination's rules cannot tell apart, before the change and after it (pod-classes.ts,
 * relativeSourceClasses): equal groups get equal answers in both snapshots, so each group is asked once
 * and the check grows with the kinds of source, not the cluster. Undefined where those classes do not
 * apply (waypoints, admin policies, destinations that are not pods): then every source is asked.
 */
function sourceGroups(
  before: () => SideClasses,
  after: () => SideClasses,
  pairs: { old: PodFact; pod: PodFact }[],
  destBefore: ResolvedDestination,
  destAfter: ResolvedDestination,
): string[] | undefined {
  const podsOf = (d: ResolvedDestination) =>
    d.outside?.length || !['service', 'pod', 'workload'].includes(d.kind)
      ? undefined
      : [...d.targets.map((t) => t.pod), ...d.notReady];
  const dstBefore = podsOf(destBefore);
  const dstAfter = podsOf(destAfter);
  // Classed only where the destination is pods: classing every source costs as much as a few answers.
  if (!dstBefore?.length || !dstAfter?.length) return undefined;
  const beforeClasses = before();
  const afterClasses = after();
  const { classes: classesBefore } = beforeClasses;
  const { classes: classesAfter } = afterClasses;
  if (!classesBefore || !classesAfter) return undefined;
  const columnsBefore = dstBefore.map(classesBefore);
  const columnsAfter = dstAfter.map(classesAfter);
  // `works` skips the client among the targets: such a source is a group of its own.
  const targets = new Set([...dstBefore, ...dstAfter]);
  return pairs.map(({ old, pod }, i) => {
    const b = beforeClasses.index.get(old);
    const a = afterClasses.index.get(pod);
    if (b === undefined || a === undefined || targets.has(old) || targets.has(pod)) return `self ${i}`;
    return [...columnsBefore.map((c) => c[b]), '|', ...columnsAfter.map((c) => c[a])].join(' ');
  });
}

export function opensAfter(before: Snapshot, after: Snapshot, q: OpensQuery): Opened[] {
  const beforeEntry = beforeSide(before);
  const ctxBefore = beforeEntry.ctx;
  const ctxAfter = createContext(after, 'verdict');
  const out: Opened[] = [];
  const seen = new Set<string>();
  const record = (source: PodFact, destination: string, port: number) => {
    const key = `${workloadName(source)}>${destination}:${port}`;
    if (seen.has(key)) return;
    seen.add(key);
    out.push({ source: workloadName(source), destination, port });
  };
  const podsIn = (s: Snapshot) => new Map(s.pods.map((p) => [`${p.meta.namespace}/${p.meta.name}`, p]));
  const beforePods = podsIn(before);
  const afterPods = podsIn(after);
  const mine = (p: PodFact) => q.asker.some((a) => sameWorkload(a, p));

  // Every workload towards the asked destination.
  const destBefore = q.destination(before);
  const destAfter = q.destination(after);
  if (destBefore && destAfter) {
    const afterWorkloads = matrixWorkloads(after, 'all');
    const pairs = afterWorkloads.flatMap(({ pod }) => {
      const old = beforePods.get(`${pod.meta.namespace}/${pod.meta.name}`);
      return mine(pod) || !old ? [] : [{ old, pod }];
    });
    const groupOf =
      q.classes === false
        ? undefined
        : sourceGroups(
            () => (beforeEntry.side ??= sideClasses(ctxBefore)),
            () => sideClasses(ctxAfter, afterWorkloads),
            pairs,
            destBefore,
            destAfter,
          );
    const opened = new Map<string, boolean>();
    for (const [i, { old, pod }] of pairs.entries()) {
      const group = groupOf?.[i] ?? String(i);
      let answer = opened.get(group);
      if (answer === undefined) {
        answer = !works(ctxBefore, old, destBefore) && works(ctxAfter, pod, destAfter);
        opened.set(group, answer);
      }
      if (answer) record(pod, destAfter.input, destAfter.port);
    }
  }
  // The asker towards every pod the change selects, on the ports they declare.
  const asker = q.asker[0];
  const askerAfter = asker && afterPods.get(`${asker.meta.namespace}/${asker.meta.name}`);
  if (!asker || !askerAfter) return out;
  // The asker's other requests to the asked destination: a fix at an L7 hop must not let through what the
  // policies denied before (each method, path and header value they mention, and one none mentions).
  if (destBefore && destAfter && q.request && requestFacts(destAfter, q.request).protocol === 'HTTP') {
    // The asked path is the flag's, else the URL's (http://svc/path), else /.
    const asked = { ...q.request, path: q.request.path ?? destAfter.path };
    for (const request of otherRequests([before, after], asked)) {
      if (!works(ctxBefore, asker, destBefore, request) && works(ctxAfter, askerAfter, destAfter, request)) {
        const headers = (request.headers ?? []).map((h) => ` [${h}]`).join('');
        const label = `${request.method ?? 'GET'} ${request.path ?? '/'}${headers}`;
        out.push({
          source: workloadName(askerAfter),
          destination: destAfter.input,
          port: destAfter.port,
          request: label,
        });
      }
    }
  }
  const targets = new Map<string, PodFact>();
  for (const obj of q.changed) for (const p of selectedPods(after, obj)) targets.set(workloadName(p), p);
  for (const [name, pod] of targets) {
    const old = beforePods.get(`${pod.meta.namespace}/${pod.meta.name}`);
    if (
      !old ||
      destAfter?.targets.some((t) => t.pod.meta.name === pod.meta.name && t.pod.meta.namespace === pod.meta.namespace)
    )
      continue;
    const ports = [...new Set(pod.containers.flatMap((c) => c.ports.map((p) => p.containerPort)))];
    for (const port of ports) {
      if (!works(ctxBefore, asker, podAddressed(old, port)) && works(ctxAfter, askerAfter, podAddressed(pod, port))) {
        record(askerAfter, name, port);
      }
    }
  }
  return out;
}

const PATH_PLACEHOLDER = 'ambient-doctor';
const COMMON_METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS'];

/** A concrete value an Istio string match (exact, `prefix*`, `*suffix`, `*`) accepts. */
function matchingValue(pattern: string): string | undefined {
  if (pattern === '*') return undefined;
  if (pattern.endsWith('*')) return `${pattern.slice(0, -1)}${PATH_PLACEHOLDER}`;
  if (pattern.startsWith('*')) return `/${PATH_PLACEHOLDER}${pattern.slice(1)}`;
  return pattern;
}

/**
 * Requests that differ from the asked one in one attribute: each method, path and header value the
 * snapshots' AuthorizationPolicies mention, and a method and a path none mentions.
 */
export function otherRequests(snapshots: Snapshot[], asked: RequestAsked): RequestAsked[] {
  const methods = new Set<string>();
  const paths = new Set<string>();
  const headers = new Set<string>();
  for (const s of snapshots) {
    for (const ap of s.authorizationPolicies) {
      for (const rule of ap.rules ?? []) {
        for (const op of (rule.to ?? []).map((t) => t.operation ?? ({} as AuthorizationOperation))) {
          for (const m of [...(op.methods ?? []), ...(op.notMethods ?? [])]) methods.add(m.toUpperCase());
          for (const p of [...(op.paths ?? []), ...(op.notPaths ?? [])]) {
            const value = matchingValue(p);
            if (value) paths.add(value);
          }
        }
        for (const c of rule.when ?? []) {
          const name = /^request\.headers\[(.+)\]$/.exec(c.key)?.[1];
          if (!name) continue;
          for (const v of [...(c.values ?? []), ...(c.notValues ?? [])]) {
            const value = matchingValue(v);
            if (value) headers.add(`${name}: ${value}`);
          }
        }
      }
    }
  }
  const unlisted = COMMON_METHODS.find((m) => !methods.has(m));
  if (unlisted) methods.add(unlisted);
  paths.add(`/${PATH_PLACEHOLDER}-unlisted`);
  const method = (asked.method ?? 'GET').toUpperCase();
  const path = asked.path ?? '/';
  const out: RequestAsked[] = [];
  for (const m of methods) if (m !== method) out.push({ ...asked, method: m });
  for (const p of paths) if (p !== path) out.push({ ...asked, path: p });
  for (const h of headers)
    if (!(asked.headers ?? []).includes(h)) out.push({ ...asked, headers: [...(asked.headers ?? []), h] });
  return out;
}
