// Property tests of the NetworkPolicy engine over random small clusters (fast-check).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluateNetworkPolicy, indexNetworkPolicies } from '../src/mesh/network-policy.js';
import type { NetworkPolicyFact, NetworkPolicyRule, PodFact } from '../src/snapshot/types.js';

const NAMESPACES = ['a', 'b'];
const APPS = ['web', 'db', 'api'];
const PORTS = [80, 443, 15008];

const pods: PodFact[] = NAMESPACES.flatMap((ns, i) =>
  APPS.map((app, j) => ({
    meta: { name: `${app}`, namespace: ns, labels: { app }, annotations: {} },
    podIPs: [`10.0.${i}.${j + 1}`],
    hostNetwork: false,
    serviceAccount: 'default',
    ready: true,
    containers: [{ name: 'c', ports: [{ name: 'http', containerPort: 80, protocol: 'TCP' }], probes: [] }],
    observed: true,
  })),
);
const nsLabels = (ns: string) => ({ 'kubernetes.io/metadata.name': ns });

const selector = fc.option(
  fc.constantFrom(...APPS).map((app) => ({ matchLabels: { app } })),
  { nil: undefined },
);
const peer = fc.oneof(
  selector.map((podSelector) => ({ podSelector: podSelector ?? {} })),
  fc.constantFrom(...NAMESPACES).map((ns) => ({ namespaceSelector: { matchLabels: nsLabels(ns) } })),
  fc.constantFrom('10.0.0.0/24', '10.0.1.0/25', '0.0.0.0/0').map((cidr) => ({ ipBlock: { cidr } })),
);
const rule: fc.Arbitrary<NetworkPolicyRule> = fc.record({
  peers: fc.option(fc.array(peer, { maxLength: 2 }), { nil: undefined }),
  ports: fc.option(
    fc.array(
      fc.record({ protocol: fc.constant('TCP'), port: fc.oneof(fc.constantFrom(...PORTS), fc.constant('http')) }),
      { maxLength: 2 },
    ),
    { nil: undefined },
  ),
});
let counter = 0;
const policy: fc.Arbitrary<NetworkPolicyFact> = fc
  .record({
    ns: fc.constantFrom(...NAMESPACES),
    sel: selector,
    types: fc.subarray(['Ingress', 'Egress'] as const, { minLength: 1 }),
    ingress: fc.array(rule, { maxLength: 2 }),
    egress: fc.array(rule, { maxLength: 2 }),
  })
  .map(({ ns, sel, types, ingress, egress }) => ({
    meta: { name: `np-${counter++}`, namespace: ns, labels: {}, annotations: {} },
    podSelector: sel ?? {},
    policyTypes: [...types],
    ingress,
    egress,
  }));

/** Every (src, dst, port) that is allowed. */
function allowed(policies: NetworkPolicyFact[]): Set<string> {
  const index = indexNetworkPolicies(policies);
  const out = new Set<string>();
  for (const src of pods)
    for (const dst of pods)
      for (const port of PORTS) {
        if (src === dst) continue;
        const v = evaluateNetworkPolicy(index, {
          src: { pod: src, ip: src.podIPs[0], namespaceLabels: nsLabels(src.meta.namespace) },
          dst: { pod: dst, ip: dst.podIPs[0], namespaceLabels: nsLabels(dst.meta.namespace) },
          port,
          protocol: 'TCP',
        });
        if (v.allowed) out.add(`${src.meta.namespace}/${src.meta.name}>${dst.meta.namespace}/${dst.meta.name}:${port}`);
      }
  return out;
}

describe('NetworkPolicy engine properties', () => {
  it('adding an allow rule never removes a connection', () => {
    fc.assert(
      fc.property(
        fc.array(policy, { minLength: 1, maxLength: 4 }),
        rule,
        fc.nat(),
        fc.boolean(),
        (policies, extra, which, ingress) => {
          const before = allowed(policies);
          const target = policies[which % policies.length];
          const grown = {
            ...target,
            ingress: ingress ? [...target.ingress, extra] : target.ingress,
            egress: ingress ? target.egress : [...target.egress, extra],
          };
          const after = allowed(policies.map((p) => (p === target ? grown : p)));
          for (const c of before) expect(after.has(c), c).toBe(true);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('a policy that selects no pod changes nothing', () => {
    fc.assert(
      fc.property(fc.array(policy, { maxLength: 4 }), policy, (policies, extra) => {
        const inert = { ...extra, podSelector: { matchLabels: { app: 'no-such-app' } } };
        expect(allowed([...policies, inert])).toEqual(allowed(policies));
      }),
      { numRuns: 150 },
    );
  });

  it('the verdict does not depend on the order of policies', () => {
    fc.assert(
      fc.property(
        fc
          .array(policy, { maxLength: 5 })
          .chain((ps) =>
            fc.tuple(fc.constant(ps), fc.shuffledSubarray(ps, { minLength: ps.length, maxLength: ps.length })),
          ),
        ([ps, shuffled]) => {
          expect(allowed(shuffled)).toEqual(allowed(ps));
        },
      ),
      { numRuns: 150 },
    );
  });
});
