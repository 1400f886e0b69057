// ztunnel's own view, from its admin endpoint `/config_dump` (port 15000). The layout is ztunnel's
// (src/admin.rs `ConfigDump`, src/state.rs `ProxyStateSerialization`, src/state/workload.rs
// `Workload`, src/rbac.rs `Authorization`; docs/ztunnel-logs.md): only what the evidence uses is kept.
import { InputError } from '../errors.js';
import { configDumpProblem } from './shapes.js';

export interface ZtunnelWorkload {
  workloadIps: string[];
  name: string;
  namespace: string;
  node?: string;
  /** `HBONE` (captured) or `TCP` (not captured); ztunnel omits nothing here, TCP is its default. */
  protocol: string;
  /** `<namespace>/<hostname>` or `<network>/<ip>`. */
  waypoint?: { destination: string };
  /** Selector policies istiod attached to the workload, `<namespace>/<name>`. */
  authorizationPolicies: string[];
}

export interface ZtunnelPolicy {
  name: string;
  namespace: string;
  /** `Global`, `Namespace` or `WorkloadSelector`. */
  scope: string;
  action: string;
}

export interface ZtunnelView {
  workloads: ZtunnelWorkload[];
  services: { hostname: string; vips: string[]; waypoint?: { destination: string } }[];
  policies: ZtunnelPolicy[];
  certificates: { identity: string; state: string; certChain: { expirationTime?: string }[] }[];
  /** ztunnel's Istio version (`version.istioVersion`), when it reports one. */
  version?: string;
  /** The node this ztunnel serves: `config.localNode`, or the pod it was read from. */
  node?: string;
  /** The file or pod it came from. */
  origin: string;
}

/** A config dump's text as ztunnel's view; anything else is an input error naming the origin. */
export function parseZtunnelConfigDump(text: string, origin: string, node?: string): ZtunnelView {
  let d: any;
  try {
    d = JSON.parse(text);
  } catch {
    throw new InputError(`${origin} is not a ztunnel config dump: not JSON`);
  }
  const problem = configDumpProblem(d);
  if (problem) throw new InputError(`${origin} is not a ztunnel config dump: ${problem}`);
  return {
    workloads: d.workloads.map((w: any) => ({
      workloadIps: w.workloadIps ?? [],
      name: w.name ?? '',
      namespace: w.namespace ?? '',
      node: w.node,
      protocol: w.protocol ?? 'TCP',
      waypoint: w.waypoint,
      authorizationPolicies: w.authorizationPolicies ?? [],
    })),
    services: (d.services ?? []).map((s: any) => ({
      hostname: s.hostname ?? '',
      vips: s.vips ?? [],
      waypoint: s.waypoint,
    })),
    policies: d.policies ?? [],
    certificates: (d.certificates ?? []).map((c: any) => ({
      identity: c.identity,
      state: c.state,
      certChain: c.certChain ?? [],
    })),
    version: d.version?.istioVersion || undefined,
    node: node ?? d.config?.localNode ?? undefined,
    origin,
  };
}
