// docs/findings/README.md, the index of finding codes, rendered from the catalogue so the two
// cannot drift (a test compares them; `npm run docs:findings` rewrites the page).
import { FINDINGS, type FindingCode } from './catalogue.js';

export function renderFindingsIndex(): string {
  const rows = (Object.keys(FINDINGS) as FindingCode[]).map((code) => {
    const { severity, title, section } = FINDINGS[code];
    return `| [${code}](${code}.md) | ${severity} | ${title.replace(/\|/g, '\\|')} | ${section} |`;
  });
  return [
    '# Finding codes',
    '',
    'Every finding the tool reports, with its severity and the section of the ambient semantics it implements.',
    'Generated from `src/findings/catalogue.ts` by `npm run docs:findings`; do not edit by hand.',
    '',
    '| code | severity | title | section |',
    '|---|---|---|---|',
    ...rows,
    '',
  ].join('\n');
}
