// Loads the kubeconfig the way kubectl does (kubectl's loading rules): --kubeconfig alone, or every
// existing file of KUBECONFIG merged with the first file's definitions winning, or
// ~/.kube/config; never client-node's silent http://localhost:8080 fallback.
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { KubeConfig, type Cluster, type User } from '@kubernetes/client-node';
import { parse as parseYaml } from 'yaml';
import { proxyFromEnvironment } from './proxy.js';
import { InputError, UsageError } from '../errors.js';

/** kubectl's global connection flags; each one wins over what the kubeconfig says (clientcmd overrides). */
export interface KubeTarget {
  kubeconfig?: string;
  context?: string;
  cluster?: string;
  user?: string;
  server?: string;
  token?: string;
  certificateAuthority?: string;
  clientCertificate?: string;
  clientKey?: string;
  insecureSkipTlsVerify?: boolean;
  tlsServerName?: string;
  as?: string;
  asGroups?: string[];
  asUid?: string;
}

/** Impersonation beside the user (client-node sends only Impersonate-User; kubectl sends these too). */
export interface Impersonation {
  groups: string[];
  uid?: string;
}

export interface LoadedKubeConfig {
  kc: KubeConfig;
  server: string;
  context: string;
  /** The namespace of the context, or default. */
  namespace: string;
  impersonation: Impersonation;
  /** Every context of the kubeconfig (completion lists them); kc holds only the one in use. */
  contexts: string[];
}

function mergeFirstWins(into: KubeConfig, other: KubeConfig): void {
  const has = <T extends { name: string }>(list: T[], name: string) => list.some((x) => x.name === name);
  const clusters = [...into.clusters, ...other.clusters.filter((c) => !has(into.clusters, c.name))];
  const users = [...into.users, ...other.users.filter((u) => !has(into.users, u.name))];
  const contexts = [...into.contexts, ...other.contexts.filter((c) => !has(into.contexts, c.name))];
  into.loadFromOptions({ clusters, users, contexts, currentContext: into.currentContext || other.currentContext });
}

export function loadKubeConfig(target: KubeTarget, env: NodeJS.ProcessEnv = process.env): LoadedKubeConfig {
  const kc = new KubeConfig();
  const load = (file: string, into: KubeConfig) => {
    try {
      into.loadFromFile(file);
    } catch (err) {
      throw new InputError(`cannot load kubeconfig ${file}: ${(err as Error).message.split('\n')[0]}`);
    }
  };
  const files: string[] = [];
  if (target.kubeconfig) {
    if (!existsSync(target.kubeconfig)) throw new InputError(`kubeconfig ${target.kubeconfig} does not exist`);
    files.push(target.kubeconfig);
  } else {
    for (const f of (env.KUBECONFIG ?? '').split(delimiter)) if (f && existsSync(f)) files.push(f);
    if (files.length === 0) {
      const home = join(env.HOME ?? homedir(), '.kube', 'config');
      if (existsSync(home)) files.push(home);
    }
    if (files.length === 0)
      throw new InputError('no kubeconfig found (set KUBECONFIG, pass --kubeconfig, or use -f FILE for manifests)');
  }
  load(files[0], kc);
  for (const file of files.slice(1)) {
    const other = new KubeConfig();
    load(file, other);
    mergeFirstWins(kc, other);
  }
  if (target.context) {
    if (!kc.getContextObject(target.context)) {
      throw new UsageError(
        `context "${target.context}" does not exist in the kubeconfig (contexts: ${
          kc
            .getContexts()
            .map((c) => c.name)
            .join(', ') || 'none'
        })`,
      );
    }
    kc.setCurrentContext(target.context);
  }
  const context = kc.getCurrentContext();
  const contextObject = context ? kc.getContextObject(context) : null;
  if (!context || !contextObject) throw new InputError('the kubeconfig has no current context; pass --context');
  const effective = withOverrides(kc, contextObject, target, rawUserFields(files));
  const proxied = effective.cluster.proxyUrl
    ? effective.cluster
    : { ...effective.cluster, proxyUrl: proxyFromEnvironment(effective.cluster.server, env) };
  // kubectl talks to an http:// server (kubectl proxy) without TLS; client-node refuses one unless told so.
  const cluster: Cluster = proxied.server.startsWith('http:') ? { ...proxied, skipTLSVerify: true } : proxied;
  const out = new KubeConfig();
  out.loadFromOptions({
    clusters: [cluster],
    users: [effective.user],
    contexts: [{ ...contextObject, name: context, cluster: cluster.name, user: effective.user.name }],
    currentContext: context,
  });
  return {
    kc: out,
    server: cluster.server,
    context,
    namespace: contextObject.namespace ?? 'default',
    impersonation: effective.impersonation,
    contexts: kc.getContexts().map((c) => c.name),
  };
}

/** as, as-groups and as-uid of each user, which client-node does not keep (the first file's user wins). */
function rawUserFields(files: string[]): Map<string, { as?: string; groups?: string[]; uid?: string }> {
  const out = new Map<string, { as?: string; groups?: string[]; uid?: string }>();
  for (const file of files) {
    let doc: any;
    try {
      doc = parseYaml(readFileSync(file, 'utf8'));
    } catch {
      continue; // client-node has read it already; what it could not read it has said
    }
    for (const u of Array.isArray(doc?.users) ? doc.users : []) {
      const name = typeof u?.name === 'string' ? u.name : undefined;
      if (!name || out.has(name)) continue;
      const groups = u.user?.['as-groups'];
      out.set(name, {
        as: typeof u.user?.as === 'string' ? u.user.as : undefined,
        groups: Array.isArray(groups) ? groups.map(String) : undefined,
        uid: typeof u.user?.['as-uid'] === 'string' ? u.user['as-uid'] : undefined,
      });
    }
  }
  return out;
}

/** The context's cluster and user with kubectl's global flags applied over them. */
function withOverrides(
  kc: KubeConfig,
  contextObject: { cluster: string; user: string },
  target: KubeTarget,
  raw: ReturnType<typeof rawUserFields>,
): { cluster: Cluster; user: User; impersonation: Impersonation } {
  const missing = (what: string, name: string, names: string[]) =>
    new UsageError(`${what} "${name}" does not exist in the kubeconfig (${what}s: ${names.join(', ') || 'none'})`);
  const clusterName = target.cluster ?? contextObject.cluster;
  const userName = target.user ?? contextObject.user;
  const baseCluster = kc.getCluster(clusterName);
  if (!baseCluster && (target.cluster || !target.server))
    throw missing(
      'cluster',
      clusterName,
      kc.getClusters().map((c) => c.name),
    );
  const baseUser = kc.getUser(userName);
  if (!baseUser && target.user)
    throw missing(
      'user',
      userName,
      kc.getUsers().map((u) => u.name),
    );
  let cluster: Cluster = { ...(baseCluster ?? { name: clusterName, server: '', skipTLSVerify: false }) };
  if (target.server) cluster = { ...cluster, server: target.server };
  if (target.certificateAuthority) {
    if (!existsSync(target.certificateAuthority))
      throw new InputError(`--certificate-authority ${target.certificateAuthority} does not exist`);
    cluster = { ...cluster, caFile: target.certificateAuthority, caData: undefined };
  }
  if (target.insecureSkipTlsVerify) {
    if (target.certificateAuthority)
      throw new UsageError('--certificate-authority and --insecure-skip-tls-verify cannot be used together');
    cluster = { ...cluster, skipTLSVerify: true, caFile: undefined, caData: undefined };
  }
  if (target.tlsServerName) cluster = { ...cluster, tlsServerName: target.tlsServerName };
  if (!cluster.server) throw new InputError(`cluster "${clusterName}" has no server; pass --server`);
  let user: User = { ...(baseUser ?? { name: userName }) };
  if (target.token) user = { name: user.name, token: target.token };
  for (const [flag, file] of [
    ['--client-certificate', target.clientCertificate],
    ['--client-key', target.clientKey],
  ] as const) {
    if (file && !existsSync(file)) throw new InputError(`${flag} ${file} does not exist`);
  }
  if (target.clientCertificate) user = { ...user, certFile: target.clientCertificate, certData: undefined };
  if (target.clientKey) user = { ...user, keyFile: target.clientKey, keyData: undefined };
  // Impersonation: the flags replace the kubeconfig user's as, as-groups and as-uid as a whole (clientcmd).
  const fromFile = raw.get(userName) ?? {};
  const flagged = target.as !== undefined || !!target.asGroups?.length || target.asUid !== undefined;
  const as = flagged ? target.as : (fromFile.as ?? user.impersonateUser ?? undefined);
  const groups = (flagged ? target.asGroups : fromFile.groups) ?? [];
  const uid = flagged ? target.asUid : fromFile.uid;
  if (!as && (groups.length > 0 || uid))
    throw new UsageError('--as-group and --as-uid need --as (a user to impersonate), as in kubectl');
  user = { ...user, impersonateUser: as };
  return { cluster, user, impersonation: { groups, ...(uid ? { uid } : {}) } };
}
