// A copy of the test kubeconfig with one thing changed (another user, a broken server, …).
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { load } from 'js-yaml';

export function kubeconfigVariant(kubeconfig: string, change: (cfg: any) => void): string {
  const cfg: any = load(readFileSync(kubeconfig, 'utf8'));
  change(cfg);
  const file = join(mkdtempSync(join(tmpdir(), 'kubeconfig-')), 'config');
  writeFileSync(file, JSON.stringify(cfg));
  return file;
}
