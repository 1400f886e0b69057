// "Did you mean": the nearest names to one the input does not have.
import { compareText } from '../../order.js';

/** Edit distance, for "did you mean" suggestions. */
function distance(a: string, b: string): number {
  const dp = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = dp[0];
    dp[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = dp[j];
      dp[j] = Math.min(dp[j] + 1, dp[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return dp[b.length];
}

export function nearest(name: string, candidates: string[], max = 3): string[] {
  return [...new Set(candidates)]
    .map((c) => ({ c, d: distance(name, c) - (c.includes(name) || name.includes(c) ? 2 : 0) }))
    .sort((x, y) => x.d - y.d || compareText(x.c, y.c))
    .slice(0, max)
    .map((x) => x.c);
}

export function suggest(what: string, name: string, candidates: string[]): string {
  if (candidates.length === 0) return `${what} "${name}" not found, and the input has none`;
  return `${what} "${name}" not found; nearest: ${nearest(name, candidates).join(', ')}`;
}
