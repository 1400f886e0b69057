// The minimal ClusterRole, read from docs/rbac.md so the docs and the tests cannot drift.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';
import type { TestWriter } from './cluster.js';

export function documentedClusterRole(): any {
  const doc = readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'rbac.md'), 'utf8');
  const block = doc.match(/```yaml\n([\s\S]*?)```/);
  if (!block) throw new Error('docs/rbac.md has no yaml block');
  return load(block[1]);
}

export async function bindClusterRole(writer: TestWriter, role: any, user: string): Promise<void> {
  await writer.createOrReplace(role);
  await writer.createOrReplace({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: { name: `${role.metadata.name}-${user}` },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role.metadata.name },
    subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: user }],
  });
}

/** The opt-in Role for --ztunnel-admin, the second yaml block of docs/rbac.md. */
export function ztunnelAdminRole(): any {
  const doc = readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'rbac.md'), 'utf8');
  const block = [...doc.matchAll(/```yaml\n([\s\S]*?)```/g)][1];
  if (!block) throw new Error('docs/rbac.md has no second yaml block');
  return load(block[1]);
}
