// A kubeconfig for a local fake API server on plain HTTP (client-node allows it only with
// insecure-skip-tls-verify): context `fake` with a token; more users and contexts may be added.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function fakeKubeconfig(port: number, more: { users?: string[]; contexts?: string[] } = {}): string {
  const file = join(mkdtempSync(join(tmpdir(), 'fake-api-')), 'config');
  writeFileSync(
    file,
    [
      'apiVersion: v1',
      'kind: Config',
      `clusters: [{name: fake, cluster: {server: "http://127.0.0.1:${port}", insecure-skip-tls-verify: true}}]`,
      `users: [${['{name: u, user: {token: t}}', ...(more.users ?? [])].join(', ')}]`,
      `contexts: [${['{name: fake, context: {cluster: fake, user: u}}', ...(more.contexts ?? [])].join(', ')}]`,
      'current-context: fake',
    ].join('\n'),
  );
  return file;
}
