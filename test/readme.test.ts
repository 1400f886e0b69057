// README's usage shows real output: every block marked `<!-- run: … -->` is what the command
// prints now (`node scripts/readme.mjs` rewrites them).
import { describe, expect, it } from 'vitest';
import { readmeBlocks } from '../scripts/readme.mjs';

describe('README output blocks', () => {
  const blocks = readmeBlocks();
  it('has the examples', () => expect(blocks.length).toBeGreaterThanOrEqual(5));
  it.each(blocks.map((b) => [b.args, b] as const))('%s', (_args, b) => expect(b.shown).toBe(b.actual));
});
