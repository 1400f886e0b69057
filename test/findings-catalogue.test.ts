// One rule, one place: every finding code has exactly one docs page, and every page a code.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CHECK_GROUPS, FINDINGS, type FindingDefinition } from '../src/findings/catalogue.js';
import { renderFindingsIndex } from '../src/findings/docs-index.js';
import { page, readerClusterRole } from '../src/findings/pages.js';
import { collectPages } from '../scripts/pages.mjs';

const DOCS = join(import.meta.dirname, '..', 'docs', 'findings');

describe('findings catalogue', () => {
  const codes = Object.keys(FINDINGS);
  const pages = readdirSync(DOCS)
    .filter((f) => /^AD\d{3}\.md$/.test(f))
    .map((f) => f.replace('.md', ''));
  it("a code reported in another form by check names a code of the catalogue, in check's groups", () => {
    for (const [code, def] of Object.entries(FINDINGS) as [string, FindingDefinition][]) {
      const inCheck = def.decides?.inCheck;
      if (typeof inCheck === 'object') expect(codes, code).toContain(inCheck.meshForm);
      expect(CHECK_GROUPS, code).toContain(def.group);
    }
  });
  it('every code has a docs page', () => expect(codes.filter((c) => !pages.includes(c))).toEqual([]));
  it('every docs page has a code', () => expect(pages.filter((p) => !codes.includes(p))).toEqual([]));
  it('the index page is the catalogue (npm run docs:findings)', () => {
    expect(readFileSync(join(DOCS, 'README.md'), 'utf8')).toBe(renderFindingsIndex());
  });
  it('the pages inside the tool are the docs pages (npm run docs:findings)', () => {
    const embedded = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'src', 'findings', 'pages.json'), 'utf8'));
    expect(embedded).toEqual(collectPages(join(import.meta.dirname, '..')));
    expect(page('ad301')?.url).toMatch(/\/blob\/v\d+\.\d+\.\d+\/docs\/findings\/AD301\.md$/);
    expect(readerClusterRole()).toContain('name: ambient-doctor-reader');
  });
  it.each(codes)('%s page names its title, severity and section', (code) => {
    const page = readFileSync(join(DOCS, `${code}.md`), 'utf8');
    const def = FINDINGS[code as keyof typeof FINDINGS];
    expect(page).toContain(def.title);
    expect(page).toContain(`Severity: ${def.severity}.`);
    expect(page).toMatch(/Specification: .*§/);
  });
});
