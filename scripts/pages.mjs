// The pages embedded in the tool: every docs/findings/<code>.md under its code, and docs/rbac.md
// as "rbac".
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

export function collectPages(root) {
  const dir = join(root, 'docs', 'findings');
  const pages = {};
  for (const file of readdirSync(dir).sort()) {
    if (/^AD\d+\.md$/.test(file)) pages[file.replace(/\.md$/, '')] = readFileSync(join(dir, file), 'utf8');
  }
  pages.rbac = readFileSync(join(root, 'docs', 'rbac.md'), 'utf8');
  return pages;
}
