// A cluster generated from nothing, for property tests: four namespaces (most of them ambient) of five distinct
// workloads each (own labels and service account, port 8080), under random NetworkPolicy peers and
// AuthorizationPolicy sources. `next` is a seeded generator (support/random.ts).
export function generatedCluster(next: () => number, pick: <T>(xs: T[]) => T): Record<string, any>[] {
  const namespaces = ['a', 'b', 'c', 'd'];
  const objects: Record<string, any>[] = [];
  const selector = () =>
    next() < 0.5
      ? { matchLabels: { app: `w${Math.floor(next() * 5)}` } }
      : { matchExpressions: [{ key: 'tier', operator: pick(['In', 'NotIn']), values: [pick(['web', 'db'])] }] };
  for (const ns of namespaces) {
    const labels: Record<string, string> = { team: pick(['x', 'y']) };
    if (next() < 0.8) labels['istio.io/dataplane-mode'] = 'ambient';
    objects.push({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels } });
    for (let w = 0; w < 5; w++)
      objects.push({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: {
          name: `w${w}-x`,
          namespace: ns,
          labels: { app: `w${w}`, tier: pick(['web', 'db']) },
          annotations: next() < 0.9 ? { 'ambient.istio.io/redirection': 'enabled' } : {},
        },
        spec: {
          nodeName: 'n1',
          serviceAccountName: `sa${w}`,
          containers: [{ name: 'c', ports: [{ containerPort: 8080 }] }],
        },
        status: {
          phase: 'Running',
          podIP: `10.0.${namespaces.indexOf(ns)}.${w + 1}`,
          conditions: [{ type: 'Ready', status: 'True' }],
        },
      });
    for (let k = 0; k < Math.floor(next() * 4); k++) {
      const peer = pick([
        () => ({ podSelector: selector() }),
        () => ({ namespaceSelector: { matchLabels: { team: pick(['x', 'y']) } } }),
        () => ({ namespaceSelector: {}, podSelector: selector() }),
      ])();
      const egress = next() < 0.3;
      objects.push({
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        metadata: { name: `np${k}`, namespace: ns },
        spec: {
          podSelector: next() < 0.2 ? {} : selector(),
          ...(egress
            ? { policyTypes: ['Egress'], egress: [{ to: [peer] }] }
            : {
                ingress: [{ from: [peer], ports: next() < 0.5 ? [{ port: 8080 }, { port: 15008 }] : [{ port: 8080 }] }],
              }),
        },
      });
    }
    for (let k = 0; k < Math.floor(next() * 3); k++) {
      const source = pick([
        () => ({ principals: [`cluster.local/ns/${pick(namespaces)}/sa/sa${Math.floor(next() * 5)}`] }),
        () => ({ principals: [`cluster.local/ns/${pick(namespaces)}/*`] }),
        () => ({ namespaces: [pick(namespaces)] }),
        () => ({ notNamespaces: [pick(namespaces)] }),
        () => ({ serviceAccounts: [`sa${Math.floor(next() * 5)}`] }),
        () => ({ notPrincipals: ['*/sa/sa1'] }),
      ])();
      objects.push({
        apiVersion: 'security.istio.io/v1',
        kind: 'AuthorizationPolicy',
        metadata: { name: `ap${k}`, namespace: ns },
        spec: {
          ...(next() < 0.7 ? { selector: { matchLabels: { app: `w${Math.floor(next() * 5)}` } } } : {}),
          action: pick(['ALLOW', 'ALLOW', 'DENY']),
          rules: [{ from: [{ source }] }],
        },
      });
    }
  }
  return objects;
}
