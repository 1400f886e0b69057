// Benchmark (not a test): the matrix for one port over 1,000 workloads with 2,000
// NetworkPolicies and 1,000 AuthorizationPolicies (target: under 10 s on these machines), then
// over 5,000 workloads with 10,000 NetworkPolicies and 5,000 AuthorizationPolicies (target: less
// time than the 1,000-workload matrix cell by cell, as the tool did before issue 13, under 2 GB).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { dump } from 'js-yaml';
import { buildSnapshot } from '../dist/input/normalize.js';
import { matrix, matrixStream } from '../dist/diagnose/matrix/matrix.js';
import { connectivityList } from '../dist/mesh/connectivity.js';

if (process.argv[2] === '--5k') {
  bigMatrix(Number(process.argv[3]));
  process.exit(0);
}
const NS = Number(process.env.BENCH_NAMESPACES ?? 50); // fewer for a quick try
const PER_NS = 20;
const objects = [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'istio-system' } }];
for (let n = 0; n < NS; n++) {
  const ns = `ns-${n}`;
  objects.push(ambientNamespace(n));
  for (let w = 0; w < PER_NS; w++) {
    const pod = workloadPod(ns, w, `10.${n}.0.${w + 1}`);
    pod.metadata.ownerReferences = [
      { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: `wl-${w}-5d8f`, controller: true },
    ];
    objects.push(pod);
  }
  for (let k = 0; k < 40; k++) {
    objects.push({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: `np-${k}`, namespace: ns },
      spec: {
        podSelector: { matchLabels: { app: `wl-${k % PER_NS}` } },
        ingress: [
          {
            from: [{ namespaceSelector: { matchLabels: { team: `t${k % 5}` } } }],
            ports: [{ port: 15008 }, { port: 8080 }],
          },
        ],
      },
    });
  }
  for (let k = 0; k < 20; k++) {
    objects.push({
      apiVersion: 'security.istio.io/v1',
      kind: 'AuthorizationPolicy',
      metadata: { name: `ap-${k}`, namespace: ns },
      spec: {
        selector: { matchLabels: { app: `wl-${k}` } },
        rules: [{ from: [{ source: { namespaces: [`ns-${(n + 1) % NS}`, ns] } }] }],
      },
    });
  }
}
const snapshot = buildSnapshot(objects.map((object) => ({ object, origin: 'bench' })));
const t0 = performance.now();
const report = matrix(snapshot, { namespaces: 'all', port: 8080 });
const ms = performance.now() - t0;
const allowed = report.cells.filter((c) => c.outcome === 'allowed').length;
console.log(
  `machine: ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}`,
);
console.log(
  `input: ${report.workloads.length} workloads, ${snapshot.networkPolicies.length} NetworkPolicies, ${snapshot.authorizationPolicies.length} AuthorizationPolicies`,
);
console.log(
  `matrix for port 8080: ${report.cells.length} cells (${allowed} allowed) in ${(ms / 1000).toFixed(2)} s, ${((ms * 1000) / report.cells.length).toFixed(1)} µs per cell`,
);
console.log(`target: under 10 s -> ${ms < 10_000 ? 'met' : 'NOT met'}`);

// The floor of the same run: every cell evaluated (no pod classes). Then an input where
// workloads repeat (the same 20 workloads' labels and service accounts in every namespace of one
// team), where classes collapse.
const tCells = performance.now();
const cellByCell = matrix(snapshot, { namespaces: 'all', port: 8080, classes: false });
const cellsMs = performance.now() - tCells;
console.log(
  `cell by cell (classes off, same input): ${(cellsMs / 1000).toFixed(2)} s; same answer: ` +
    `${JSON.stringify(cellByCell) === JSON.stringify(report)}`,
);

// Workloads that repeat: in each namespace the 20 workloads are 4 kinds (same labels, service
// account and ports, as replicas of one app split over several Deployments would be), so the
// 1,000 workloads form 200 classes.
const repeated = objects.map((o) => {
  if (o.kind !== 'Pod') return o;
  const w = Number(o.metadata.name.match(/^wl-(\d+)/)[1]) % 4;
  return {
    ...o,
    metadata: { ...o.metadata, labels: { app: `wl-${w}`, tier: w % 2 ? 'web' : 'db' } },
    spec: { ...o.spec, serviceAccountName: `wl-${w}`, nodeName: 'node-0' },
  };
});
const repeatedSnapshot = buildSnapshot(repeated.map((object) => ({ object, origin: 'bench' })));
const tRepeated = performance.now();
const byClass = matrix(repeatedSnapshot, { namespaces: 'all', port: 8080 });
const repeatedMs = performance.now() - tRepeated;
const tRepeatedCells = performance.now();
const repeatedCells = matrix(repeatedSnapshot, { namespaces: 'all', port: 8080, classes: false });
const repeatedCellsMs = performance.now() - tRepeatedCells;
console.log(
  `repeating workloads (${byClass.workloads.length} workloads, 200 classes): by class ` +
    `${(repeatedMs / 1000).toFixed(2)} s, cell by cell ${(repeatedCellsMs / 1000).toFixed(2)} s, same answer: ` +
    `${JSON.stringify(byClass) === JSON.stringify(repeatedCells)}`,
);

// 5,000 workloads: 100 ambient namespaces × 50, each workload its own labels and service
// account; per workload two NetworkPolicies (from the namespaces of one team; from the web tier of
// its own namespace) and one AuthorizationPolicy (principals of two namespaces, one by wildcard).
// Cells are streamed and counted, not kept (as -o jsonl writes them).
// In a process of its own, so that its peak RSS is its own.
if (process.env.BENCH_5K !== '0') {
  spawnSync(process.execPath, [import.meta.filename, '--5k', String(cellsMs)], { stdio: 'inherit' });
}

// np-guard comparison, on the same input without the AuthorizationPolicies (np-guard reads only
// Kubernetes network policies). np-guard's `netpolicy list` computes every allowed connection on
// every port and protocol, so it is compared with the engine's list of the same (the format the
// conformance corpus uses), and the two lists are checked line by line.
// Build it with bench/np-guard/build.sh.
const NETPOLICY = join(import.meta.dirname, '..', '.tools', 'bin', 'netpolicy');
if (process.env.BENCH_NP_GUARD === '0') {
  console.log('np-guard comparison: skipped (BENCH_NP_GUARD=0)');
} else if (!existsSync(NETPOLICY)) {
  console.log(`np-guard comparison: ${NETPOLICY} is not built, skipped (run bench/np-guard/build.sh)`);
} else {
  const npOnly = objects.filter((o) => o.kind !== 'AuthorizationPolicy');
  const dir = mkdtempSync(join(tmpdir(), 'np-guard-bench-'));
  writeFileSync(join(dir, 'objects.yaml'), npOnly.map((o) => dump(o)).join('---\n'));
  const npSnapshot = buildSnapshot(npOnly.map((object) => ({ object, origin: 'bench' })));
  const tMatrix = performance.now();
  matrix(npSnapshot, { namespaces: 'all', port: 8080 });
  const matrixMs = performance.now() - tMatrix;
  const tList = performance.now();
  const ours = connectivityList(npSnapshot, { ipBlocksMatchPods: false });
  const listMs = performance.now() - tList;
  const tGuard = performance.now();
  const guard = spawnSync(NETPOLICY, ['list', '--dirpath', dir, '--file', join(dir, 'np-guard.txt')], {
    encoding: 'utf8',
    maxBuffer: 1 << 30,
  });
  const guardMs = performance.now() - tGuard;
  if (guard.status !== 0) {
    console.log(`np-guard failed (exit ${guard.status}): ${guard.stderr.slice(0, 500)}`);
  } else {
    // np-guard's CLI writes external ranges without the "[External]" suffix its corpus uses.
    const theirs = readFileSync(join(dir, 'np-guard.txt'), 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean)
      .sort();
    const oursPlain = ours.map((l) => l.replaceAll('[External]', ''));
    const theirSet = new Set(theirs);
    const ourSet = new Set(oursPlain);
    const missing = theirs.filter((l) => !ourSet.has(l));
    const extra = oursPlain.filter((l) => !theirSet.has(l));
    console.log(
      `NetworkPolicy-only input: ${npSnapshot.pods.length} pods, ${npSnapshot.networkPolicies.length} NetworkPolicies`,
    );
    console.log(`  ambient-doctor matrix, port 8080 (in process): ${(matrixMs / 1000).toFixed(2)} s`);
    console.log(
      `  ambient-doctor connection list, all ports (in process): ${(listMs / 1000).toFixed(2)} s, ${ours.length} lines`,
    );
    console.log(
      `  np-guard netpolicy list v1.4.4 (whole CLI run): ${(guardMs / 1000).toFixed(2)} s, ${theirs.length} lines`,
    );
    console.log(
      `  ratio np-guard / ambient-doctor list: ${(guardMs / listMs).toFixed(1)}x; lists ${missing.length === 0 && extra.length === 0 ? 'identical' : `differ: ${missing.length} np-guard lines missing, ${extra.length} extra (e.g. ${[...missing, ...extra].slice(0, 3).join(' | ')})`}`,
    );
  }
}

function bigMatrix(cellsMs) {
  const big = [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'istio-system' } }];
  const BIG_NS = 100;
  const BIG_PER_NS = 50;
  for (let n = 0; n < BIG_NS; n++) {
    const ns = `ns-${n}`;
    big.push(ambientNamespace(n));
    for (let w = 0; w < BIG_PER_NS; w++) {
      big.push(workloadPod(ns, w, `10.${Math.floor(n / 2)}.${(n % 2) * 100 + w}.1`));
      const selector = { matchLabels: { app: `wl-${w}` } };
      const ports = [{ port: 15008 }, { port: 8080 }];
      big.push(
        {
          apiVersion: 'networking.k8s.io/v1',
          kind: 'NetworkPolicy',
          metadata: { name: `from-team-${w}`, namespace: ns },
          spec: {
            podSelector: selector,
            ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: `t${w % 5}` } } }], ports }],
          },
        },
        {
          apiVersion: 'networking.k8s.io/v1',
          kind: 'NetworkPolicy',
          metadata: { name: `from-web-${w}`, namespace: ns },
          spec: {
            podSelector: selector,
            ingress: [{ from: [{ podSelector: { matchLabels: { tier: 'web' } } }], ports }],
          },
        },
        {
          apiVersion: 'security.istio.io/v1',
          kind: 'AuthorizationPolicy',
          metadata: { name: `ap-${w}`, namespace: ns },
          spec: {
            selector,
            rules: [
              {
                from: [
                  {
                    source: {
                      principals: [
                        `cluster.local/ns/ns-${(n + 1) % BIG_NS}/sa/wl-${(w + 1) % BIG_PER_NS}`,
                        `cluster.local/ns/ns-${(n + 5) % BIG_NS}/*`,
                      ],
                    },
                  },
                ],
              },
            ],
          },
        },
      );
    }
  }
  const bigSnapshot = buildSnapshot(big.map((object) => ({ object, origin: 'bench' })));
  const rssBefore = process.resourceUsage().maxRSS;
  const tBig = performance.now();
  const { header, cells } = matrixStream(bigSnapshot, { namespaces: 'all', port: 8080 });
  let count = 0;
  let open = 0;
  for (const cell of cells) {
    count++;
    if (cell.outcome === 'allowed') open++;
  }
  const bigMs = performance.now() - tBig;
  console.log(
    `input: ${header.workloads.length} workloads, ${bigSnapshot.networkPolicies.length} NetworkPolicies, ` +
      `${bigSnapshot.authorizationPolicies.length} AuthorizationPolicies`,
  );
  console.log(
    `matrix for port 8080 (streamed): ${count} cells (${open} allowed) in ${(bigMs / 1000).toFixed(2)} s, ` +
      `${((bigMs * 1e6) / count).toFixed(0)} ns per cell; peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB ` +
      `(${(rssBefore / 1024).toFixed(0)} MB before the matrix)`,
  );
  console.log(
    `target: less than the 1,000-workload matrix cell by cell (${(cellsMs / 1000).toFixed(2)} s) -> ` +
      `${bigMs < cellsMs ? 'met' : 'NOT met'}; under 2 GB -> ${process.resourceUsage().maxRSS < 2 * 1024 * 1024 ? 'met' : 'NOT met'}`,
  );
}

/** An ambient namespace of one of five teams. */
function ambientNamespace(n) {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: `ns-${n}`, labels: { 'istio.io/dataplane-mode': 'ambient', team: `t${n % 5}` } },
  };
}

/** Workload w of a namespace: its own app label and service account, captured, Ready, on one of 10 nodes. */
function workloadPod(ns, w, podIP) {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: `wl-${w}-abc12`,
      namespace: ns,
      labels: { app: `wl-${w}`, tier: w % 2 ? 'web' : 'db' },
      annotations: { 'ambient.istio.io/redirection': 'enabled' },
    },
    spec: {
      nodeName: `node-${w % 10}`,
      serviceAccountName: `wl-${w}`,
      containers: [{ name: 'c', ports: [{ containerPort: 8080 }] }],
    },
    status: { phase: 'Running', podIP, conditions: [{ type: 'Ready', status: 'True' }] },
  };
}
