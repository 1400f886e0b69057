// Label selectors with apimachinery semantics (§8.4: NotIn and
// DoesNotExist match an object that lacks the key).
import type { LabelSelector, Labels } from '../snapshot/types.js';

// Selectors and label maps are long-lived objects of one snapshot, and a matrix asks the same
// question millions of times: remember the answers per (selector, labels) pair.
const memo = new WeakMap<LabelSelector, WeakMap<Labels, boolean>>();

export function selectorMatches(selector: LabelSelector | undefined, labels: Labels): boolean {
  if (!selector) return true;
  let bySelector = memo.get(selector);
  if (!bySelector) memo.set(selector, (bySelector = new WeakMap()));
  let hit = bySelector.get(labels);
  if (hit === undefined) bySelector.set(labels, (hit = computeMatch(selector, labels)));
  return hit;
}

function computeMatch(selector: LabelSelector, labels: Labels): boolean {
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    if (labels[key] !== value) return false;
  }
  for (const req of selector.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(labels, req.key);
    const values = req.values ?? [];
    switch (req.operator) {
      case 'In':
        if (!has || !values.includes(labels[req.key])) return false;
        break;
      case 'NotIn':
        if (has && values.includes(labels[req.key])) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
      default:
        // An unknown operator is rejected by the API server; select nothing rather than guess.
        return false;
    }
  }
  return true;
}

/** A plain map selector (Service.spec.selector): every pair must match; empty selects all. */
export function mapSelectorMatches(selector: Labels, labels: Labels): boolean {
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}
