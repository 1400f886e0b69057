// Rewrites docs/findings/README.md from the findings catalogue (npm run docs:findings).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderFindingsIndex } from '../dist/findings/docs-index.js';

writeFileSync(join(import.meta.dirname, '..', 'docs', 'findings', 'README.md'), renderFindingsIndex());
