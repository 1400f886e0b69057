// The compiled binary against the real test API server: TLS, tokens, an exec credential plugin,
// RBAC gaps and connection errors go through Bun's network stack, not Node's. Each case runs
// both builds with the same arguments and expects the same bytes and exit code.
import { describe, expect, inject, it, beforeAll } from 'vitest';
import { loadScenarios } from '../support/scenarios.js';
import { TestWriter } from '../live/cluster.js';
import { ScenarioCluster } from '../live/scenario-cluster.js';
import { bindClusterRole, documentedClusterRole } from '../live/rbac.js';
import { kubeconfigVariant } from '../live/kubeconfig-variant.js';
import { runNode, runPlugin } from './artifacts.js';

const kubeconfig = inject('kubeconfig');
const skip = inject('liveSkip');
const krewRoot = inject('krewRoot');

async function sameAsNode(args: string[]) {
  const [binary, node] = await Promise.all([runPlugin(krewRoot, args), runNode(args)]);
  expect(binary.code, binary.stderr).toBe(node.code);
  expect(binary.stdout).toBe(node.stdout);
  expect(binary.stderr).toBe(node.stderr);
  return binary;
}

// Scenarios that together read every kind the live reader knows.
const LIVE_SCENARIOS = [
  'lesson-01-plaintext-client-strict',
  'wp-03-lesson-web-client-403',
  'probes-01-deny-ingress-blocks-probes',
  'netpol-10-anp-deny',
  'egress-01-article-egress-waypoint',
  'error-01-unknown-pod',
];

describe.skipIf(!!skip)(`compiled binary, live${skip ? ` (skipped: ${skip})` : ''}`, () => {
  const scenarios = new Map(loadScenarios().map((s) => [s.name, s]));
  let cluster: ScenarioCluster;

  beforeAll(async () => {
    const writer = new TestWriter(kubeconfig);
    cluster = new ScenarioCluster(writer);
    const role = documentedClusterRole();
    await bindClusterRole(writer, role, 'reader');
    const noAuthz = {
      ...role,
      metadata: { name: 'ambient-doctor-without-authz' },
      rules: role.rules.filter((r: any) => !r.apiGroups.includes('security.istio.io')),
    };
    await bindClusterRole(writer, noAuthz, 'viewer');
  });

  it.each(LIVE_SCENARIOS)('%s: json and text as the documented reader', async (name) => {
    const s = scenarios.get(name)!;
    await cluster.load(s.objects);
    const live = [
      '--kubeconfig',
      kubeconfig,
      '--context',
      'reader',
      ...(s.flags.namespace ? ['-n', s.flags.namespace] : []),
      ...(s.flags.port ? ['--port', s.flags.port] : []),
    ];
    const json = await sameAsNode([s.command, ...s.args, ...live, '-o', 'json']);
    if (s.expect.error) expect(json.code).toBe(s.expect.error.exitCode);
    else expect(JSON.parse(json.stdout).verdict.outcome).toBe(s.expect.outcome);
    await sameAsNode([s.command, ...s.args, ...live, '-o', 'text']);
  });

  describe('on the lesson cluster', () => {
    beforeAll(async () => cluster.load(scenarios.get('lesson-01-plaintext-client-strict')!.objects));
    const question = ['explain', 'test/curl', 'helloworld.hello:5000'];

    it('dump, matrix and --verbose', async () => {
      const dump = await sameAsNode(['dump', ...question.slice(1), '--kubeconfig', kubeconfig, '--context', 'reader']);
      expect(dump.stdout).toContain('kind: List');
      await sameAsNode([
        'matrix',
        '-n',
        'hello',
        '-n',
        'test',
        '--port',
        '5000',
        '--kubeconfig',
        kubeconfig,
        '--context',
        'reader',
        '-o',
        'json',
      ]);
      // check -A as the documented reader: STRICT with a plaintext client is the risk AD305; the test
      // cluster runs no istiod pod, which a live read can tell (AD203, an error: exit 3).
      const scan = await sameAsNode(['check', '-A', '--kubeconfig', kubeconfig, '--context', 'reader', '-o', 'json']);
      expect(scan.code).toBe(3);
      const report = JSON.parse(scan.stdout);
      const named = report.findings.map((f: { code: string; objects: string[] }) => `${f.code} ${f.objects[0] ?? ''}`);
      expect(named).toContain('AD305 PeerAuthentication istio-system/default');
      expect(named).toContain('AD203 ');
      await sameAsNode(['check', '-n', 'hello', '--kubeconfig', kubeconfig, '--context', 'reader', '-o', 'sarif']);
      const [binary, node] = await Promise.all([
        runPlugin(krewRoot, [...question, '--kubeconfig', kubeconfig, '--verbose', '-o', 'json']),
        runNode([...question, '--kubeconfig', kubeconfig, '--verbose', '-o', 'json']),
      ]);
      expect(binary.stdout).toBe(node.stdout);
      // Request timings differ from run to run; the requests themselves must not.
      const requests = (s: string) =>
        s
          .split('\n')
          .filter((l) => l.includes(' -> '))
          .map((l) => l.replace(/ in \d+ ms.*$/, ''))
          .sort();
      expect(requests(binary.stderr)).toEqual(requests(node.stderr));
      expect(requests(binary.stderr).length).toBeGreaterThan(5);
    });

    // This viewer cannot read any security.istio.io object: a hidden PeerAuthentication could lift
    // STRICT, so the verdict is unknown (the live access test hides only AuthorizationPolicies).
    // --fail-on none: no finding fails the run, so what decides the exit code is the incomplete read.
    it('check without a permission: AD902 and exit 2 (the scan is incomplete)', async () => {
      const viewer = ['--kubeconfig', kubeconfig, '--context', 'viewer', '--fail-on', 'none', '-o', 'json'];
      const r = await sameAsNode(['check', '-A', ...viewer]);
      expect(r.code).toBe(2);
      expect(JSON.parse(r.stdout).findings.map((f: { code: string }) => f.code)).toContain('AD902');
    });

    it('a missing permission: AD902, verdict unknown, exit 2', async () => {
      const r = await sameAsNode([...question, '--kubeconfig', kubeconfig, '--context', 'viewer', '-o', 'json']);
      expect(r.code).toBe(2);
      expect(JSON.parse(r.stdout).verdict).toMatchObject({ outcome: 'unknown', symptom: 'unknown' });
      expect(JSON.parse(r.stdout).findings.some((f: any) => f.code === 'AD902')).toBe(true);
    });

    it('an exec credential plugin', async () => {
      const credential = JSON.stringify({
        apiVersion: 'client.authentication.k8s.io/v1',
        kind: 'ExecCredential',
        status: { token: 'reader-token' },
      });
      const exec = kubeconfigVariant(kubeconfig, (cfg) => {
        cfg.users.push({
          name: 'exec',
          user: {
            exec: {
              apiVersion: 'client.authentication.k8s.io/v1',
              command: 'sh',
              args: ['-c', `echo '${credential}'`],
              interactiveMode: 'Never',
            },
          },
        });
        cfg.contexts.push({ name: 'exec', context: { cluster: 'testenv', user: 'exec' } });
      });
      const r = await sameAsNode([...question, '--kubeconfig', exec, '--context', 'exec', '-o', 'json']);
      expect(r.code).toBe(3);
    });

    it.each([
      [
        'unreachable server',
        (cfg: any) => (cfg.clusters[0].cluster.server = 'https://127.0.0.1:1'),
        'cannot reach the cluster',
      ],
      [
        'untrusted certificate',
        (cfg: any) => delete cfg.clusters[0].cluster['certificate-authority-data'],
        'TLS failure',
      ],
      [
        'missing credentials',
        (cfg: any) => (cfg.users.find((u: any) => u.name === 'admin').user = {}),
        'system:anonymous',
      ],
      [
        'rejected credentials',
        (cfg: any) => (cfg.users.find((u: any) => u.name === 'admin').user = { token: 'expired-token' }),
        'rejected the credentials',
      ],
    ])('%s: the same one line and exit 2', async (_n, change, message) => {
      const r = await sameAsNode([...question, '--kubeconfig', kubeconfigVariant(kubeconfig, change)]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(message);
    });
  });
});
