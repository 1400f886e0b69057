// Runs the np-guard NetworkPolicy corpus (../shared/conformance/netpol, used as it is) through
// the project's engine and compares the allowed connections with each case's expected list.
// Prints "netpol conformance: N passed, M failed" and exits 1 on any failure.
//
// Adaptations, in the comparison only (the engine follows Kubernetes):
// - the corpus never lets an ipBlock match a pod: pods are given no IP here;
// - the corpus treats hostNetwork pods like any pod (Kubernetes exempts them): they are
//   evaluated as ordinary pods here;
// - exposure goldens hold the plain list before "Exposure Analysis Result:"; only that part is compared;
// - three cases have only explain goldens: their "Allowed" lines are turned into list lines;
// - the corpus's `{ingress-controller}` peer (Routes and Ingresses) is computed here with the
//   engine, from a pod in a namespace labelled as np-guard documents for the controllers.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readManifestFiles } from '../dist/input/files.js';
import { buildSnapshot } from '../dist/input/normalize.js';
import { connectivityList, describeConnections, workloadName } from '../dist/mesh/connectivity.js';
import { evaluateNetworkPolicy, indexNetworkPolicies } from '../dist/mesh/network-policy.js';
import { resolvePodPort } from '../dist/mesh/services.js';
import { mapSelectorMatches } from '../dist/mesh/labels.js';

/**
 * The corpus's made-up peer `{ingress-controller}`: the OpenShift or nginx ingress controller,
 * placed in a namespace with the labels np-guard documents, reaching the pods behind each
 * Route or Ingress on the backend's target port.
 */
const CONTROLLER_NAMESPACES = [
  {
    'namespace.name': 'openshift-ingress-operator',
    'kubernetes.io/metadata.name': 'openshift-ingress-operator',
    'network.openshift.io/policy-group': 'ingress',
    'openshift.io/cluster-monitoring': 'true',
  },
  { 'kubernetes.io/metadata.name': 'ingress-nginx', tier: 'ingress', 'app.kubernetes.io/part-of': 'ingress-nginx' },
];
function ingressControllerLines(raw, snapshot) {
  const index = indexNetworkPolicies(snapshot.networkPolicies, snapshot.adminNetworkPolicies);
  const ports = new Map();
  const backends = [];
  for (const o of raw) {
    if (o.kind === 'Route' && o.spec?.to?.kind === 'Service')
      backends.push({
        ns: o.metadata?.namespace ?? 'default',
        svc: o.spec.to.name,
        port: o.spec.port?.targetPort,
        route: true,
      });
    if (o.kind === 'Ingress') {
      const ns = o.metadata?.namespace ?? 'default';
      const all = [
        o.spec?.defaultBackend,
        ...(o.spec?.rules ?? []).flatMap((r) => (r.http?.paths ?? []).map((p) => p.backend)),
      ].filter(Boolean);
      for (const b of all)
        if (b.service)
          backends.push({
            ns,
            svc: b.service.name,
            port: b.service.port?.number ?? b.service.port?.name,
            route: false,
          });
    }
  }
  for (const b of backends) {
    const svc = snapshot.services.find((s) => s.meta.namespace === b.ns && s.meta.name === b.svc);
    if (!svc?.selector) continue;
    const sp = b.route
      ? (svc.ports.find((p) => p.targetPort === b.port || p.name === b.port || p.port === Number(b.port)) ??
        svc.ports[0])
      : svc.ports.find((p) => p.port === Number(b.port) || p.name === b.port);
    if (!sp) continue;
    for (const pod of snapshot.pods.filter(
      (p) => p.meta.namespace === b.ns && mapSelectorMatches(svc.selector, p.meta.labels),
    )) {
      const port = resolvePodPort(
        pod,
        b.route && typeof b.port === 'string' && !sp ? b.port : sp.targetPort,
        sp.protocol,
      );
      if (port === undefined) continue;
      const allowed = CONTROLLER_NAMESPACES.some(
        (labels) =>
          evaluateNetworkPolicy(index, {
            src: {
              pod: {
                meta: {
                  name: 'controller',
                  namespace: labels['kubernetes.io/metadata.name'],
                  labels: {},
                  annotations: {},
                },
                containers: [],
                podIPs: [],
                hostNetwork: false,
              },
              namespaceLabels: labels,
            },
            dst: { pod, namespaceLabels: snapshot.namespaces.get(pod.meta.namespace)?.meta.labels },
            port,
            protocol: 'TCP',
          }).ingress.allowed,
      );
      if (!allowed) continue;
      const name = workloadName(pod);
      if (!ports.has(name)) ports.set(name, new Set());
      ports.get(name).add(port);
    }
  }
  return [...ports].map(
    ([name, set]) =>
      `{ingress-controller} => ${name} : ${describeConnections({ SCTP: [], TCP: [...set].sort((a, b) => a - b).map((p) => [p, p]), UDP: [] })}`,
  );
}

/**
 * Explain-only goldens: the allowed part of every "Connections between A => B" block (and the
 * final system-default section), turned into list lines.
 */
function listFromExplain(text) {
  const lines = [];
  const add = (pair, set) => {
    const conns = describeConnections(set);
    if (conns) lines.push(`${pair} : ${conns}`);
  };
  const full = () => ({ SCTP: [[1, 65535]], TCP: [[1, 65535]], UDP: [[1, 65535]] });
  for (const block of text.split(/^Connections between /m).slice(1)) {
    const pair = block.slice(0, block.indexOf(':\n')).trim();
    const set = { SCTP: [], TCP: [], UDP: [] };
    for (const m of block.matchAll(/^\tAllowed (.+?) due to/gm)) {
      for (const item of m[1].split(/,\s*(?=[A-Z])/)) {
        const [proto, ranges] = item.trim().split(':');
        const parts = ranges
          ? ranges
              .replace(/[[\]]/g, '')
              .split(',')
              .map((r) => r.split('-').map(Number))
              .map(([a, b]) => [a, b ?? a])
          : [[1, 65535]];
        set[proto]?.push(...parts);
      }
    }
    for (const proto of Object.keys(set)) {
      const merged = [];
      for (const [a, b] of set[proto].sort((x, y) => x[0] - y[0])) {
        const last = merged[merged.length - 1];
        if (last && a <= last[1] + 1) last[1] = Math.max(last[1], b);
        else merged.push([a, b]);
      }
      set[proto] = merged;
    }
    add(pair, set);
  }
  const defaults = text.split(/^All Connections due to the system default.*$/m)[1];
  for (const l of (defaults ?? '').split('\n')) if (l.includes(' => ')) add(l.trim().replace(/:$/, ''), full());
  return lines.sort();
}

const CASES = join(
  process.env.AMBIENT_DOCTOR_SHARED ?? join(import.meta.dirname, '..', '..', 'shared'),
  'conformance',
  'netpol',
  'cases',
);
let passed = 0;
const failed = [];
for (const name of readdirSync(CASES).sort()) {
  const expectedDir = join(CASES, name, 'expected');
  const file = [`${name}_connlist_output.txt`, `${name}_exposure_output.txt`, `${name}_explain_output.txt`]
    .map((f) => join(expectedDir, f))
    .find(existsSync);
  if (!file) {
    failed.push(`${name}: no golden`);
    continue;
  }
  try {
    const raw = readManifestFiles([join(CASES, name, 'input')], () => '');
    const snapshot = buildSnapshot(raw);
    for (const pod of snapshot.pods) pod.hostNetwork = false;
    const got = [
      ...connectivityList(snapshot, { ipBlocksMatchPods: false }),
      ...ingressControllerLines(
        raw.map((r) => r.object),
        snapshot,
      ),
    ].sort();
    const text = readFileSync(file, 'utf8');
    const want = file.endsWith('_explain_output.txt')
      ? listFromExplain(text)
      : text
          .split('Exposure Analysis Result:')[0]
          .split('\n')
          .map((l) => l.trim())
          .filter(Boolean)
          .sort();
    if (JSON.stringify(got) === JSON.stringify(want)) passed++;
    else
      failed.push(
        `${name}: ${want.filter((w) => !got.includes(w)).length} expected lines missing, ${got.filter((g) => !want.includes(g)).length} unexpected`,
      );
  } catch (err) {
    failed.push(`${name}: ${err.message}`);
  }
}
for (const f of failed) console.log(`FAIL ${f}`);
console.log(`netpol conformance: ${passed} passed, ${failed.length} failed`);
process.exit(failed.length ? 1 : 0);
