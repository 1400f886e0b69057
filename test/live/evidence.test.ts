// Issue 16, live: every scenario with evidence files, served by kwok through the real API server as
// the logs of the pods they belong to (`ztunnel-<node>.*`: the ztunnel on that node; `<ns>_<pod>.*`:
// that pod) and as ztunnel's admin port (`config-dump-<node>.json`), read by the tool as the reader of
// docs/rbac.md: the same verdict and findings as from the files. Without pods/log, or without
// pods/portforward for --ztunnel-admin: a gap (AD909) and the configuration's verdict, never a failure.
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { explainRun } from '../../src/diagnose/explain/explain.js';
import { evidencePods, annotateWithEvidence } from '../../src/diagnose/evidence/index.js';
import { readEvidenceObjects, readLiveEvidence } from '../../src/input/live-evidence.js';
import { renderDump } from '../../src/input/dump.js';
import { parseManifestText } from '../../src/input/files.js';
import { buildSnapshot } from '../../src/input/normalize.js';
import { lastCopies, loadScenarios, type Scenario } from '../support/scenarios.js';
import { EVIDENCE_NOW, outcomeOf, runScenarioOn } from '../support/run-scenario.js';
import { TestWriter } from './cluster.js';
import { Kwok, kwokSkipReason } from './kwok.js';
import { liveRead } from './live-read.js';
import { bindClusterRole, documentedClusterRole, ztunnelAdminRole } from './rbac.js';
import { ScenarioCluster } from './scenario-cluster.js';
import { kubeconfigVariant } from './kubeconfig-variant.js';

const kubeconfig = inject('kubeconfig');
const skip = inject('liveSkip') || kwokSkipReason();
if (skip && process.env.CI) throw new Error(`the runtime-evidence tests cannot run in CI: ${skip}`);

const withEvidence = loadScenarios().filter((s) => s.flags.logs?.length || s.flags.configDump?.length);

/** The pod a scenario's evidence file stands for. */
function podOf(file: string, objects: any[]): any | undefined {
  const stem = basename(file).replace(/(\.json)?\.log$|\.json$/, '');
  const node = stem.match(/^(?:ztunnel|config-dump)-(.+)$/)?.[1];
  if (node)
    return objects.find((o) => o.kind === 'Pod' && o.metadata.labels?.app === 'ztunnel' && o.spec?.nodeName === node);
  const [ns, name] = stem.split('_');
  return objects.find((o) => o.kind === 'Pod' && o.metadata.namespace === ns && o.metadata.name === name);
}

async function serveEvidence(kwok: Kwok, s: Scenario): Promise<void> {
  const objects = s.objects.map((o) => o.object);
  const nodes = [...new Set(objects.filter((o) => o.kind === 'Pod' && o.spec?.nodeName).map((o) => o.spec.nodeName))];
  await kwok.ensureNodes(nodes as string[]);
  const texts = new Map<any, string>();
  for (const file of s.flags.logs ?? []) {
    const pod = podOf(file, objects);
    if (!pod) throw new Error(`${s.name}: no pod for ${basename(file)}`);
    texts.set(pod, (texts.get(pod) ?? '') + readFileSync(file, 'utf8'));
  }
  // A running proxy always has logs; those the scenario gives none of have nothing about this pair.
  for (const o of objects)
    if (
      o.kind === 'Pod' &&
      (o.metadata?.labels?.app === 'ztunnel' || o.metadata?.labels?.['gateway.networking.k8s.io/gateway-name'])
    )
      if (!texts.has(o)) texts.set(o, '');
  for (const [pod, text] of texts) {
    const container = (pod.spec.containers.find((c: any) => c.name === 'istio-proxy') ?? pod.spec.containers[0]).name;
    await kwok.serveLogs(pod.metadata.namespace, pod.metadata.name, container, text);
  }
  for (const file of s.flags.configDump ?? []) {
    const pod = podOf(file, objects);
    if (!pod) throw new Error(`${s.name}: no ztunnel pod for ${basename(file)}`);
    await kwok.serveConfigDump(pod.metadata.namespace, pod.metadata.name, readFileSync(file, 'utf8'));
  }
}

/** The Role --ztunnel-admin needs (create on pods/portforward in istio-system), bound to one subject. */
async function grantZtunnelAdmin(writer: TestWriter, binding: string, subject: Record<string, string>) {
  await writer.createOrReplace({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    metadata: { name: 'ambient-doctor-ztunnel-admin', namespace: 'istio-system' },
    rules: ztunnelAdminRole().rules,
  });
  await writer.createOrReplace({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name: binding, namespace: 'istio-system' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'ambient-doctor-ztunnel-admin' },
    subjects: [subject],
  });
}

async function explainLive(s: Scenario, context: string, ztunnelAdmin: boolean) {
  const { snapshot, api } = await liveRead(kubeconfig, s, context);
  const query = { source: s.args[0], destination: s.args[1], namespace: s.flags.namespace ?? 'default' };
  const ask = () =>
    explainRun(snapshot, {
      ...query,
      port: s.flags.port,
      method: s.flags.method,
      path: s.flags.path,
      headers: s.flags.header,
    });
  // Which pods to read comes from the run (as the command does); a question that cannot be answered
  // reads nothing and is compared by its error.
  let wanted: ReturnType<typeof evidencePods> = { pods: [], gaps: [] };
  try {
    wanted = evidencePods(ask().resolved);
  } catch {
    // explain refuses the question: outcomeOf reports the refusal
  }
  const evidence = await readLiveEvidence(api, wanted.pods, { sinceSeconds: 600, lineCap: 2000, ztunnelAdmin });
  evidence.gaps.unshift(...wanted.gaps);
  const run = () => annotateWithEvidence(ask(), evidence, EVIDENCE_NOW);
  return { report: run(), outcome: outcomeOf(run), evidence };
}

describe.skipIf(!!skip)(`live runtime evidence through kwok${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let writer: TestWriter;
  let cluster: ScenarioCluster;
  let kwok: Kwok;
  beforeAll(async () => {
    writer = new TestWriter(kubeconfig);
    cluster = new ScenarioCluster(writer);
    kwok = await Kwok.start(kubeconfig, writer);
    await bindClusterRole(writer, documentedClusterRole(), 'reader');
  });
  afterAll(async () => {
    kwok?.stop();
    await writer?.createOrReplace(documentedClusterRole());
  });

  it('scenarios with evidence exist', () => expect(withEvidence.length).toBeGreaterThanOrEqual(10));

  it('dump --with-logs carries what a live read saw: -f on the dump gives the same evidence findings', async () => {
    const given = withEvidence.find((x) => x.name.startsWith('logs-01'))!;
    const s = { ...given, objects: lastCopies(given.objects) };
    kwok.closeServers();
    await cluster.load(s.objects);
    await serveEvidence(kwok, s);
    await writer.createOrReplace(documentedClusterRole());
    const { snapshot, api, read } = await liveRead(kubeconfig, s, 'reader');
    const query = { source: s.args[0], destination: s.args[1], namespace: 'default' };
    const wanted = evidencePods(explainRun(snapshot, query).resolved);
    const options = { sinceSeconds: 600, lineCap: 2000, ztunnelAdmin: false };
    const carried = await readEvidenceObjects(api, wanted.pods, wanted.gaps, options);
    const dumped = parseManifestText(
      renderDump([...read.objects, ...carried.map((object) => ({ object, origin: 'cluster' }))], 'yaml'),
      'dump.yaml',
    );
    const fromDump = buildSnapshot(dumped);
    expect(fromDump.evidence.ztunnelLogs.length).toBeGreaterThan(0);
    const live = await readLiveEvidence(api, wanted.pods, options);
    const codes = (evidence: typeof live) =>
      annotateWithEvidence(explainRun(snapshot, query), evidence, EVIDENCE_NOW).findings.map(
        (f) => `${f.code} ${f.detail}`,
      );
    // The same records, named by where they came from (the pod, or the pod in the dump).
    const strip = (xs: string[]) => xs.map((x) => x.replace(/e\.g\. [^)]*\)/g, 'e.g. …)'));
    expect(strip(codes(fromDump.evidence))).toEqual(strip(codes(live)));
  });

  it.each(withEvidence.map((s) => [s.name, s] as const))('%s', async (_name, given) => {
    const s = { ...given, objects: lastCopies(given.objects) };
    const offline = outcomeOf(() => runScenarioOn(s, buildSnapshot(s.objects, 'cluster')));
    kwok.closeServers();
    await cluster.load(s.objects);
    await serveEvidence(kwok, s);
    const admin = !!s.flags.configDump?.length;
    await writer.createOrReplace(documentedClusterRole());
    if (admin) {
      // --ztunnel-admin needs create on pods/portforward, granted apart (docs/rbac.md).
      await grantZtunnelAdmin(writer, 'ambient-doctor-ztunnel-admin-reader', {
        apiGroup: 'rbac.authorization.k8s.io',
        kind: 'User',
        name: 'reader',
      });
    }
    const live = await explainLive(s, 'reader', admin);
    // The ztunnels a scenario gives no config dump for have no admin port here: those gaps only.
    const served = new Set(
      (s.flags.configDump ?? []).map(
        (f) =>
          podOf(
            f,
            s.objects.map((o) => o.object),
          )?.metadata.name,
      ),
    );
    const unexpected = live.evidence.gaps.filter(
      (g) =>
        !(
          admin &&
          /config dump of ztunnel istio-system\/(\S+):/.test(g) &&
          !served.has(g.match(/istio-system\/(\S+):/)![1])
        ),
    );
    expect(unexpected, 'the documented roles are enough').toEqual([]);
    // Those expected gaps are the only AD909 live has and files do not.
    const liveFindings = live.outcome.findings?.filter((f) => !(f.startsWith('AD909') && live.evidence.gaps.length));
    expect({ ...live.outcome, findings: liveFindings }).toEqual(offline);

    // Without the permission: a gap and the configuration's verdict, never a failure.
    const configOnly = outcomeOf(() =>
      runScenarioOn(
        { ...s, flags: { ...s.flags, logs: undefined, configDump: undefined } },
        buildSnapshot(s.objects, 'cluster'),
      ),
    );
    const role = documentedClusterRole();
    await writer.createOrReplace({ ...role, rules: role.rules.filter((r: any) => !r.resources.includes('pods/log')) });
    await writer.request(
      'DELETE',
      '/apis/rbac.authorization.k8s.io/v1/namespaces/istio-system/rolebindings/ambient-doctor-ztunnel-admin-reader',
    );
    await new Promise((resolve) => setTimeout(resolve, 500));
    const denied = await explainLive(s, 'reader', admin);
    expect(denied.evidence.gaps.join('; ')).toMatch(
      admin ? /port-forward to 15000 forbidden/ : /get pods\/log forbidden/,
    );
    expect(denied.report.verdict.outcome).toBe(configOnly.outcome);
    const codes = denied.report.findings.map((f) => f.code);
    expect(codes).toContain('AD909');
    expect(codes.filter((c) => c !== 'AD909')).toEqual(configOnly.findings!.map((f) => f.split(' ')[0]));
  });

  it("--ztunnel-admin as an impersonated user: the port-forward carries the kubeconfig's as-groups too", async () => {
    const given = withEvidence.find((x) => x.flags.configDump?.length)!;
    const s = { ...given, objects: lastCopies(given.objects) };
    kwok.closeServers();
    await cluster.load(s.objects);
    await serveEvidence(kwok, s);
    // Only the group may read and port-forward; the impersonated user alone may do nothing.
    const group = { apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'ambient-doctor-impersonated' };
    await writer.createOrReplace(documentedClusterRole());
    await writer.createOrReplace({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: 'ambient-doctor-impersonated-group' },
      roleRef: {
        apiGroup: 'rbac.authorization.k8s.io',
        kind: 'ClusterRole',
        name: documentedClusterRole().metadata.name,
      },
      subjects: [group],
    });
    await grantZtunnelAdmin(writer, 'ambient-doctor-ztunnel-admin-impersonated', group);
    const impersonating = kubeconfigVariant(kubeconfig, (c) => {
      const context = c.contexts.find((x: any) => x.name === 'testenv').context;
      const user = c.users.find((u: any) => u.name === context.user).user;
      Object.assign(user, { as: 'ambient-doctor-nobody', 'as-groups': [group.name] });
    });
    const { snapshot, api } = await liveRead(impersonating, s);
    const query = { source: s.args[0], destination: s.args[1], namespace: s.flags.namespace ?? 'default' };
    const wanted = evidencePods(explainRun(snapshot, query).resolved);
    const evidence = await readLiveEvidence(api, wanted.pods, { sinceSeconds: 600, lineCap: 2000, ztunnelAdmin: true });
    // Without the groups on the WebSocket, the API server refuses the port-forward ("forbidden").
    expect(evidence.gaps.join('; ')).not.toMatch(/forbidden/);
    expect(evidence.configDumps.length).toBeGreaterThan(0);
  });
});
