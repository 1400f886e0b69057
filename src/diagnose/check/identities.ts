// §4.2, §4.6: sources named by namespace or service account that no pod has: a typo, a namespace that
// was renamed, a service account that never existed. Such a rule matches no one (an ALLOW admits
// nobody through it; a DENY protects against nothing).
import type { AuthorizationPolicyFact } from '../../snapshot/types.js';
import { refTo } from '../../snapshot/ref.js';
import { parseIdentity, stringMatches } from '../../mesh/ztunnel-rbac.js';
import { toStringMatch } from '../../mesh/authorization.js';
import { waypointServiceAccount } from '../../mesh/waypoints.js';
import { finding, type Finding } from '../../findings/finding.js';
import type { CheckAnalyzer, Scan } from './analyzer.js';

const ALWAYS_THERE = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

function accountsOf(scan: Scan): { accounts: Set<string>; namespaces: Set<string>; existing: Set<string> } {
  const { snapshot } = scan;
  const accounts = new Set(snapshot.pods.map((p) => `${p.meta.namespace}/${p.serviceAccount}`));
  for (const g of snapshot.gateways) accounts.add(`${g.meta.namespace}/${waypointServiceAccount(g)}`);
  // Namespaces whose pods the input holds: only there can a service account be missing.
  const namespaces = new Set([...snapshot.namespaces.keys(), ...snapshot.pods.map((p) => p.meta.namespace)]);
  // Every cluster has Kubernetes' own namespaces, and a mesh its root namespace.
  const existing = new Set([...ALWAYS_THERE, snapshot.mesh.rootNamespace, ...namespaces]);
  return { accounts, namespaces, existing };
}

function unknownSources(scan: Scan, ap: AuthorizationPolicyFact, known: ReturnType<typeof accountsOf>): string[] {
  const { snapshot } = scan;
  const { accounts } = known;
  const where = snapshot.origin === 'files' ? 'in the input' : 'in the cluster';
  const namespaceKnown = (ns: string) => known.namespaces.has(ns);
  const out = new Set<string>();
  // A live -A read sees every namespace; files that declare Namespaces are taken to declare them all.
  const live = snapshot.isAbsenceFact('namespaces') || [...snapshot.namespaces.values()].some((n) => !n.implied);
  const checkAccount = (ns: string, sa: string, as: string) => {
    if (!namespaceKnown(ns)) {
      if (live && !known.existing.has(ns)) out.add(`${as}: namespace ${ns} does not exist ${where}`);
    } else if (!accounts.has(`${ns}/${sa}`)) out.add(`${as}: no pod ${where} runs as service account ${ns}/${sa}`);
  };
  for (const rule of ap.rules ?? []) {
    for (const from of rule.from ?? []) {
      const s = from?.source;
      if (!s) continue;
      for (const p of s.principals ?? []) {
        if (p.includes('*')) continue;
        const id = parseIdentity(p);
        if (id) checkAccount(id.namespace, id.serviceAccount, `principal "${p}"`);
      }
      for (const ns of [...(s.namespaces ?? []), ...(s.notNamespaces ?? [])]) {
        // A pattern (prefix*, *suffix) matches as ztunnel matches it (§4.2).
        const match = toStringMatch(ns);
        if (live && ![...known.existing].some((n) => stringMatches(match, n)))
          out.add(`namespace "${ns}" ${ns.includes('*') ? 'matches no namespace' : 'does not exist'} ${where}`);
      }
      for (const sa of s.serviceAccounts ?? []) {
        const [ns, name] = sa.includes('/') ? sa.split('/', 2) : [ap.meta.namespace, sa];
        if (!sa.includes('*')) checkAccount(ns, name, `service account "${sa}"`);
      }
    }
  }
  return [...out];
}

export const identities: CheckAnalyzer = {
  name: 'identities',
  codes: ['AD414'],
  run: (scan) => {
    // A read of some namespaces sees only their pods: names elsewhere cannot be judged.
    if (scan.snapshot.scope !== 'all') return [];
    const out: Finding[] = [];
    const known = accountsOf(scan);
    for (const ap of scan.snapshot.authorizationPolicies) {
      if (!scan.inScope(ap.meta.namespace)) continue;
      const unknown = unknownSources(scan, ap, known);
      if (unknown.length === 0) continue;
      const effect =
        ap.action === 'DENY' ? 'a DENY that protects against no one' : 'rules that admit no one through these sources';
      const detail =
        `AuthorizationPolicy ${ap.meta.namespace}/${ap.meta.name} names sources no pod has (${unknown.join('; ')}): ` +
        `${effect}. Check the spelling, the namespace and the service account.`;
      out.push(finding('AD414', detail, [refTo('AuthorizationPolicy', ap.meta)]));
    }
    return out;
  },
};
