// Loads the kubeconfig the way kubectl does (kubectl's loading rules): --kubeconfig alone, or every
// existing file of KUBECONFIG merged with the first file's definitions winning, or
// ~/.kube/config; never client-node's silent http://localhost:8080 fallback.
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { InputError, UsageError } from '../errors.js';

export interface KubeTarget {
  kubeconfig?: string;
  context?: string;
}

export interface LoadedKubeConfig {
  kc: KubeConfig;
  server: string;
  context: string;
  /** The namespace of the context, or default. */
  namespace: string;
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
  if (target.kubeconfig) {
    if (!existsSync(target.kubeconfig)) throw new InputError(`kubeconfig ${target.kubeconfig} does not exist`);
    load(target.kubeconfig, kc);
  } else {
    const files = (env.KUBECONFIG ?? '').split(delimiter).filter((f) => f && existsSync(f));
    if (files.length === 0) {
      const home = join(env.HOME ?? homedir(), '.kube', 'config');
      if (existsSync(home)) files.push(home);
    }
    if (files.length === 0)
      throw new InputError('no kubeconfig found (set KUBECONFIG, pass --kubeconfig, or use -f FILE for manifests)');
    load(files[0], kc);
    for (const file of files.slice(1)) {
      const other = new KubeConfig();
      load(file, other);
      mergeFirstWins(kc, other);
    }
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
  const cluster = kc.getCurrentCluster();
  if (!context || !cluster) throw new InputError('the kubeconfig has no current context; pass --context');
  return { kc, server: cluster.server, context, namespace: kc.getContextObject(context)?.namespace ?? 'default' };
}
