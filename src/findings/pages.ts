// The docs pages shipped inside the tool (generated into pages.json by `npm run docs:findings`).
import pages from './pages.json' with { type: 'json' };
import { docsUrl } from '../version.js';

const PAGES: Record<string, string> = pages;

export const pageNames = (): string[] => Object.keys(PAGES);

/** A page by name (AD301, ad301, rbac), or undefined. */
export function page(name: string): { name: string; url: string; text: string } | undefined {
  const key = Object.keys(PAGES).find((k) => k.toLowerCase() === name.toLowerCase());
  if (!key) return undefined;
  const url = docsUrl(key === 'rbac' ? 'rbac.md' : `findings/${key}.md`);
  return { name: key, url, text: PAGES[key] };
}

/** The read-only ClusterRole of docs/rbac.md, the first yaml block on the page. */
export function readerClusterRole(): string {
  const block = PAGES.rbac.match(/```yaml\n([\s\S]*?)```/);
  if (!block) throw new Error('docs/rbac.md has no yaml block');
  return block[1];
}

/** The opt-in Role for --ztunnel-admin (pods/portforward), the second yaml block of docs/rbac.md. */
export function ztunnelAdminRole(): string {
  const blocks = [...PAGES.rbac.matchAll(/```yaml\n([\s\S]*?)```/g)];
  if (!blocks[1]) throw new Error('docs/rbac.md has no second yaml block');
  return blocks[1][1];
}
