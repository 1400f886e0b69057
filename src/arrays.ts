// Helpers over arrays as long as the input: a spread into a call (`push(...list)`, `Math.max(...list)`)
// passes every element as an argument on the stack and throws "Maximum call stack size exceeded" past
// about 120,000 elements (ESLint forbids it in src/).

/** Appends every item, in order; returns the target. */
export function appendAll<T>(target: T[], items: readonly T[]): T[] {
  for (const item of items) target.push(item);
  return target;
}

/** The largest value, or `floor` when there is none larger. */
export function maxOf(values: Iterable<number>, floor = -Infinity): number {
  let max = floor;
  for (const v of values) if (v > max) max = v;
  return max;
}

/** Adds the value to the list kept under the key, starting the list when there is none. */
export function appendTo<K, V>(groups: Map<K, V[]>, key: K, value: V): void {
  const list = groups.get(key);
  if (list) list.push(value);
  else groups.set(key, [value]);
}
