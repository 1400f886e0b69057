// §12.2, §12.8: the kind of Istio proxy a pod runs, from what the cluster shows. Each row is a pod
// shape Istio's own templates produce (manifests/charts: injection-template.yaml `proxy sidecar`,
// gateway-injection-template.yaml and kube-gateway.yaml `proxy router`, waypoint.yaml `proxy
// waypoint`), or a partial shape as files often carry it.
import { describe, expect, it } from 'vitest';
import { proxyOf } from '../src/mesh/enrollment.js';
import type { PodFact } from '../src/snapshot/types.js';

function pod(
  labels: Record<string, string>,
  annotations: Record<string, string>,
  args?: string[],
  proxy = true,
): PodFact {
  return {
    meta: { name: 'p', namespace: 'ns', labels, annotations, origin: 'test' },
    podIPs: ['10.0.0.1'],
    hostNetwork: false,
    serviceAccount: 'default',
    containers: [
      { name: 'app', ports: [], probes: [] },
      ...(proxy ? [{ name: 'istio-proxy', ports: [], probes: [], ...(args ? { args } : {}) }] : []),
    ],
  } as unknown as PodFact;
}

const status = (templates: string[]) => JSON.stringify({ containers: ['istio-proxy'], templates, revision: 'default' });

const cases: [string, PodFact, string | undefined][] = [
  [
    'sidecar injection (proxy sidecar)',
    pod({}, { 'sidecar.istio.io/status': status(['sidecar']) }, ['proxy', 'sidecar']),
    'sidecar',
  ],
  [
    'Helm gateway: injected, but proxy router',
    pod({ istio: 'ingress' }, { 'sidecar.istio.io/status': status(['gateway']) }, ['proxy', 'router']),
    'router',
  ],
  [
    'Helm gateway without args in the input: gateway template',
    pod({ istio: 'ingress' }, { 'sidecar.istio.io/status': status(['gateway']) }),
    'router',
  ],
  ['injection requested with the gateway template', pod({}, { 'inject.istio.io/templates': 'gateway' }), 'router'],
  [
    'Gateway API gateway (class istio)',
    pod({ 'gateway.istio.io/managed': 'istio.io-gateway-controller' }, {}),
    'router',
  ],
  [
    'waypoint (proxy waypoint)',
    pod({ 'gateway.networking.k8s.io/gateway-name': 'waypoint' }, {}, ['proxy', 'waypoint']),
    'waypoint',
  ],
  ['waypoint by its managed label', pod({ 'gateway.istio.io/managed': 'istio.io-mesh-controller' }, {}), 'waypoint'],
  ['legacy istio=ingressgateway', pod({ istio: 'ingressgateway' }, {}), 'router'],
  ['a custom istio label alone says nothing', pod({ istio: 'edge' }, {}, undefined, false), undefined],
  ['args win over a gateway-looking label', pod({ istio: 'ingressgateway' }, {}, ['proxy', 'sidecar']), 'sidecar'],
  [
    'sidecar status without templates',
    pod({}, { 'sidecar.istio.io/status': '{"containers":["istio-proxy"]}' }),
    'sidecar',
  ],
  ['an istio-proxy container only', pod({}, {}), 'sidecar'],
  ['no proxy at all', pod({}, {}, undefined, false), undefined],
];

describe('proxy kind from the evidence (§12.2)', () => {
  it.each(cases)('%s', (_name, p, kind) => {
    const found = proxyOf(p);
    expect(found?.kind).toBe(kind);
    if (found) expect(found.evidence.length).toBeGreaterThan(10);
  });
});
