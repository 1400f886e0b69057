// ztunnel's own view, from its admin endpoint `/config_dump` (port 15000). The layout is ztunnel's
// (src/admin.rs `ConfigDump`, src/state.rs `ProxyStateSerialization`, src/state/workload.rs
// `Workload`, src/rbac.rs `Authorization`; docs/ztunnel-logs.md): only what the evidence uses is kept.
import { InputError } from '../errors.js';
import { configDumpProblem } from './shapes.js';
import type { ZtunnelView } from '../snapshot/evidence.js';

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
