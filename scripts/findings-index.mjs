// Rewrites docs/findings/README.md from the findings catalogue, and src/findings/pages.json, the
// docs pages the `docs` and `rbac` commands print (the compiled binary has no docs/ on disk).
// Run by `npm run docs:findings`; a test compares both with what is committed.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderFindingsIndex } from '../dist/findings/docs-index.js';
import { collectPages } from './pages.mjs';

const root = join(import.meta.dirname, '..');
writeFileSync(join(root, 'docs', 'findings', 'README.md'), renderFindingsIndex());
writeFileSync(join(root, 'src', 'findings', 'pages.json'), `${JSON.stringify(collectPages(root), null, 2)}\n`);
