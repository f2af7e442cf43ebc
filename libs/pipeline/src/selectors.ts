/** Reusable selectors: stable descending sort, top-k truncation, and dropping candidates with a repeated key. */
import type { CandidateBase, ComponentOptions, Selector } from './types';

/** Component options a reusable selector accepts besides its id. */
export type SelectorOptions = Omit<ComponentOptions, 'id'>;

/**
 * The first `limit` candidates ordered by `by`, highest first (all of them when `limit` ≥ their number). Stable: equal
 * values keep their input order. NaN values sort last. `by` is called once per candidate. O(n log n) for a full
 * sort; O(n log limit) when `limit` is smaller (a bounded heap keeps the best so far, then only they are sorted).
 */
function sortedDescending<C>(candidates: readonly C[], by: (c: C) => number, limit = Infinity): C[] {
  const n = candidates.length;
  const keys = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const value = by(candidates[i]);
    // NaN last: below every number, −Infinity included; ties (and NaNs) by index.
    keys[i] = Number.isNaN(value) ? Number.NaN : value;
  }
  /** Whether candidate a ranks above candidate b. */
  const above = (a: number, b: number): boolean => {
    const x = keys[a];
    const y = keys[b];
    if (x !== y) {
      if (Number.isNaN(x)) return Number.isNaN(y) ? a < b : false;
      if (Number.isNaN(y)) return true;
      return x > y;
    }
    return a < b;
  };
  let chosen: number[];
  if (limit >= n) {
    chosen = Array.from({ length: n }, (_, i) => i);
  } else {
    // A min-heap (worst on top) of the best `limit` seen so far.
    const heap = new Int32Array(Math.max(0, limit));
    let size = 0;
    const down = (at: number) => {
      for (;;) {
        const l = 2 * at + 1;
        if (l >= size) return;
        let worst = l;
        if (l + 1 < size && above(heap[worst], heap[l + 1])) worst = l + 1;
        if (!above(heap[at], heap[worst])) return;
        const t = heap[at];
        heap[at] = heap[worst];
        heap[worst] = t;
        at = worst;
      }
    };
    for (let i = 0; i < n && heap.length > 0; i++) {
      if (size < heap.length) {
        let at = size++;
        heap[at] = i;
        while (at > 0) {
          const parent = (at - 1) >> 1;
          if (!above(heap[parent], heap[at])) break;
          const t = heap[at];
          heap[at] = heap[parent];
          heap[parent] = t;
          at = parent;
        }
      } else if (above(i, heap[0])) {
        heap[0] = i;
        down(0);
      }
    }
    chosen = Array.from(heap.subarray(0, size));
  }
  chosen.sort((a, b) => (above(a, b) ? -1 : above(b, a) ? 1 : 0));
  return chosen.map((i) => candidates[i]);
}

/**
 * Sorts candidates by `by`, descending and stable (ties keep their input order; NaN sorts last).
 * Removes nothing.
 */
export function sortBy<Q, C extends CandidateBase>(id: string, by: (c: C) => number, options: SelectorOptions = {}): Selector<Q, C> {
  return { ...options, id, select: (_query, candidates) => sortedDescending(candidates, by) };
}

/**
 * Keeps the `k` highest candidates by `by`, in descending order (stable; NaN last). `k` may depend on the
 * query (e.g. the requested page size); it is floored, negative or NaN keeps nothing, `Infinity` keeps all.
 * The candidates beyond `k` count as removed by this selector.
 */
export function topK<Q, C extends CandidateBase>(
  id: string,
  k: number | ((query: Q) => number),
  by: (c: C) => number,
  options: SelectorOptions = {},
): Selector<Q, C> {
  return {
    ...options,
    id,
    select: (query, candidates) => {
      const raw = typeof k === 'function' ? k(query) : k;
      const limit = Number.isNaN(raw) ? 0 : Math.max(0, Math.floor(raw));
      return sortedDescending(candidates, by, limit);
    },
  };
}

/**
 * Keeps the first candidate for each value of `key` and removes the later ones, preserving order
 * (e.g. one item per creator, or one copy of near-duplicate media). O(n).
 */
export function dropDuplicates<Q, C extends CandidateBase>(
  id: string,
  key: (c: C) => string,
  options: SelectorOptions = {},
): Selector<Q, C> {
  return {
    ...options,
    id,
    select: (_query, candidates) => {
      const seen = new Set<string>();
      return candidates.filter((candidate) => {
        const k = key(candidate);
        if (seen.has(k)) return false;
        seen.add(k);
        return true;
      });
    },
  };
}
