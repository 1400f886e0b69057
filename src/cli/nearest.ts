// The nearest of some known words to a mistyped one, as kubectl's "did you mean" offers it.
import { closest, distance } from 'fastest-levenshtein';

/** A suggestion when `typed` is a near miss of one of `known` (at most a third of it changed). */
export function didYouMean(typed: string, known: string[]): string | undefined {
  if (known.length === 0) return undefined;
  const guess = closest(typed, known);
  return distance(typed, guess) <= Math.max(2, Math.floor(typed.length / 3)) ? guess : undefined;
}
