// §2.1, §11 (evidence): what the input could not show. No ztunnel pods means a healthy dataplane
// is assumed; forbidden reads (RBAC) make the verdict unknown.
import type { Snapshot } from '../../snapshot/types.js';
import { namespaceRef, refText, refTo } from '../../snapshot/ref.js';
import { finding, type Finding, type Remedy } from '../../findings/finding.js';
import type { Analyzer } from './analyzer.js';
import { canICommand, forbiddenUser, grantCommand, missingPermissions, permissionText } from '../explain/rbac-gaps.js';

export const ztunnelsMissing: Analyzer<Snapshot> = {
  codes: ['AD202'],
  analyze: (_ctx, snapshot) =>
    snapshot.ztunnelsKnown
      ? []
      : [
          finding(
            'AD202',
            'The input holds no ztunnel pods, so every node is assumed to run a Ready ztunnel. Add the ztunnel pods ' +
              '(kubectl get pods -n istio-system -l app=ztunnel -o yaml) to check them.',
          ),
        ],
};

export const readGaps: Analyzer<Snapshot> = {
  codes: ['AD803', 'AD902'],
  analyze: (_ctx, snapshot) => {
    const out: Finding[] = snapshot.notes.map((n) => finding('AD803', n));
    const user = forbiddenUser(snapshot.gaps);
    // One finding per missing permission, with every namespace it was refused in.
    for (const p of missingPermissions(snapshot.gaps)) {
      const detail =
        `Forbidden: ${user ? `user "${user}"` : 'this user'} cannot ${permissionText(p)}. The diagnosis goes on ` +
        'without those objects; objects of this kind could change the verdict.';
      const grant: Remedy = {
        title: 'Check the permission, then have a cluster admin grant the read-only role',
        commands: [canICommand(p), grantCommand(user)],
      };
      out.push(finding('AD902', detail, p.namespaces.map(namespaceRef), [grant]));
    }
    return out;
  },
};

/** Copies of one object that differ: the later -f input is used, as kubectl apply would leave it. */
export const duplicateObjects: Analyzer<Snapshot> = {
  codes: ['AD904'],
  analyze: (_ctx, snapshot) =>
    snapshot.duplicates.map((d) => {
      const ref = refTo(d.kind, { name: d.name, namespace: d.namespace ?? '', origin: d.used });
      const detail =
        `${refText(ref)} is given more than once with different content. The copy from ${d.used} is ` +
        'used (the later input wins, as kubectl apply would leave it); ignored, and different: ' +
        `${d.ignored.join(', ')}. ` +
        'If another copy is what the cluster runs, the verdict can differ.';
      return finding('AD904', detail, [ref]);
    }),
};

/** Why the verdict must be unknown because of what could not be read, if it must. */
export function unreadReason(snapshot: Snapshot): string | undefined {
  if (snapshot.gaps.length === 0) return undefined;
  const what = missingPermissions(snapshot.gaps)
    .map((p) => `${p.resource}${p.namespaces.length ? ` in ${p.namespaces.join(', ')}` : ''}`)
    .join('; ');
  return `Could not read ${what} (forbidden); the verdict could change with them.`;
}

/** The settings a verdict stands on when the ConfigMaps that hold them could not be read (Istio's defaults). */
export function assumedSettings(snapshot: Snapshot): string {
  const m = snapshot.mesh;
  return (
    `trust domain ${m.trustDomain}, root namespace ${m.rootNamespace}, probe source addresses ` +
    `${m.probeSnatIPv4} and ${m.probeSnatIPv6}, excluded namespaces ${m.excludedNamespaces.join(', ') || 'none'}`
  );
}
