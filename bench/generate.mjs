// The synthetic cluster both benchmarks use: 200 ambient namespaces × 50 pods, 2 Services,
// 10 NetworkPolicies and 10 AuthorizationPolicies per namespace, mesh-wide STRICT, 20 nodes
// with a ztunnel each. ns-1/app-1-1 → app-1.ns-0:80 is the connection explained.
export const NAMESPACES = 200;
export const PODS_PER_NS = 50;
export const QUERY = { source: 'ns-1/app-1-1', destination: 'app-1.ns-0:80' };

export function generateCluster(namespaces = NAMESPACES) {
  const objects = [];
  objects.push({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'istio-system' } });
  objects.push({
    apiVersion: 'security.istio.io/v1',
    kind: 'PeerAuthentication',
    metadata: { name: 'default', namespace: 'istio-system' },
    spec: { mtls: { mode: 'STRICT' } },
  });
  for (let z = 0; z < 20; z++) {
    objects.push({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: `ztunnel-${z}`, namespace: 'istio-system', labels: { app: 'ztunnel' } },
      spec: { nodeName: `node-${z}`, containers: [{ name: 'istio-proxy', image: 'istio/ztunnel:1.29.1' }] },
      status: { phase: 'Running', podIP: `10.250.0.${z + 1}`, conditions: [{ type: 'Ready', status: 'True' }] },
    });
  }
  for (let n = 0; n < namespaces; n++) {
    const ns = `ns-${n}`;
    objects.push({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: ns, labels: { 'istio.io/dataplane-mode': 'ambient', team: `t${n % 10}` } },
    });
    for (let p = 0; p < PODS_PER_NS; p++) {
      const app = `app-${p % 10}`;
      objects.push({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: {
          name: `${app}-${p}`,
          namespace: ns,
          labels: { app, tier: p % 2 ? 'web' : 'db' },
          annotations: { 'ambient.istio.io/redirection': 'enabled' },
        },
        spec: {
          nodeName: `node-${p % 20}`,
          serviceAccountName: app,
          containers: [{ name: 'c', image: 'app:1', ports: [{ containerPort: 8080, name: 'http' }] }],
        },
        status: {
          phase: 'Running',
          podIP: `10.${Math.floor(n / 250)}.${n % 250}.${p + 1}`,
          conditions: [{ type: 'Ready', status: 'True' }],
        },
      });
    }
    for (let s = 0; s < 2; s++) {
      objects.push({
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: `app-${s}`, namespace: ns },
        spec: {
          // Unchanged below 255 namespaces; beyond, the last octet moves up so that 1,000 fit in 10.96/16.
          clusterIP: `10.96.${(n + 1) % 256}.${s + 10 + 20 * Math.floor((n + 1) / 256)}`,
          selector: { app: `app-${s}` },
          ports: [{ port: 80, targetPort: 'http' }],
        },
      });
    }
    for (let k = 0; k < 10; k++) {
      objects.push({
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        metadata: { name: `np-${k}`, namespace: ns },
        spec: {
          podSelector: { matchLabels: { app: `app-${k}` } },
          ingress: [
            {
              from: [{ namespaceSelector: { matchLabels: { team: `t${k}` } } }],
              ports: [{ port: 15008 }, { port: 8080 }],
            },
          ],
        },
      });
      objects.push({
        apiVersion: 'security.istio.io/v1',
        kind: 'AuthorizationPolicy',
        metadata: { name: `ap-${k}`, namespace: ns },
        spec: {
          selector: { matchLabels: { app: `app-${k}` } },
          action: 'ALLOW',
          rules: [
            {
              from: [{ source: { namespaces: [`ns-${(n + 1) % namespaces}`] } }],
              to: [{ operation: { ports: ['8080'] } }],
            },
          ],
        },
      });
    }
  }
  return objects;
}
