// Reads a scenario's question from the live test cluster, as the CLI does without -f.
import { buildSnapshot } from '../../src/input/normalize.js';
import { loadKubeConfig } from '../../src/input/kubeconfig.js';
import { ApiClient } from '../../src/input/api.js';
import { ClusterReader } from '../../src/input/cluster.js';
import type { Scenario } from '../support/scenarios.js';
import { checkNamespaces } from '../support/run-scenario.js';

export async function liveRead(kubeconfig: string, s: Scenario, context = 'testenv') {
  const loaded = loadKubeConfig({ kubeconfig, context });
  const api = new ApiClient(loaded, { timeoutMs: 30_000 });
  const reader = new ClusterReader(api);
  const ns = s.flags.namespace ?? 'default';
  const read =
    s.command === 'check'
      ? await reader.readCheck({ kind: 'check', namespaces: checkNamespaces(s) })
      : s.command === 'probes'
        ? await reader.readProbes({ kind: 'probes', target: s.args[0], namespace: ns })
        : await reader.readExplain({
            kind: 'explain',
            source: s.args[0],
            destination: s.args[1],
            namespace: ns,
            port: s.flags.port,
          });
  return { read, api, snapshot: buildSnapshot(read.objects, 'cluster', read) };
}
