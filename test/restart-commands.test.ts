// Issue 28: a fix that restarts a pod names what kubectl and the pod's owner actually do. The Deployment
// controller names a ReplicaSet `<deployment>-<pod-template-hash>` and labels its pods with the hash
// [k8s:pkg/controller/deployment/sync.go getNewReplicaSet]; a ReplicaSet, Job or StatefulSet starts a
// deleted pod again; a pod nothing owns is gone once deleted, so it is replaced from its own spec.
import { describe, expect, it } from 'vitest';
import { isReadOnly, restartCommand, shellLine } from '../src/findings/command.js';

const rows: [string, Parameters<typeof restartCommand>[0], string][] = [
  [
    'Deployment pod: the Deployment is restarted, its name taken from the ReplicaSet minus the hash',
    {
      namespace: 'shop',
      name: 'cart-api-v2-5b8c7d9f4-fghij',
      labels: { app: 'cart', 'pod-template-hash': '5b8c7d9f4' },
      owner: { kind: 'ReplicaSet', name: 'cart-api-v2-5b8c7d9f4' },
    },
    'kubectl -n shop rollout restart deployment cart-api-v2',
  ],
  [
    'a ReplicaSet no Deployment made (no hash label): deleting the pod lets the ReplicaSet start another',
    {
      namespace: 'shop',
      name: 'legacy-x7k2p',
      labels: { app: 'legacy' },
      owner: { kind: 'ReplicaSet', name: 'legacy' },
    },
    'kubectl -n shop delete pod legacy-x7k2p  # ReplicaSet legacy starts it again',
  ],
  [
    'StatefulSet pod: rolled',
    { namespace: 'db', name: 'pg-0', labels: {}, owner: { kind: 'StatefulSet', name: 'pg' } },
    'kubectl -n db rollout restart statefulset pg',
  ],
  [
    'a pod nothing owns: replaced from its own spec, not just deleted',
    { namespace: 'test', name: 'curl', labels: { run: 'curl' } },
    'kubectl -n test get pod curl -o yaml | kubectl replace --force -f -  # nothing owns it: replaced from its own spec',
  ],
];

describe('restart commands', () => {
  it.each(rows)('%s', (_why, pod, expected) => {
    const c = restartCommand(pod);
    expect(shellLine(c)).toBe(expected);
    // Each of them changes the cluster: never shown as a read-only check.
    expect(isReadOnly(c)).toBe(false);
  });

  it('a pipe is read-only only when every command of it is', () => {
    expect(
      isReadOnly({ argv: ['kubectl', 'get', 'pod', 'x', '-o', 'yaml'], pipeTo: ['kubectl', 'replace', '-f', '-'] }),
    ).toBe(false);
    expect(
      isReadOnly({ argv: ['kubectl', 'get', 'pod', 'x', '-o', 'yaml'], pipeTo: ['kubectl', 'get', '-f', '-'] }),
    ).toBe(true);
  });
});
