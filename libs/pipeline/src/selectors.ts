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
  // Sort keys: NaN becomes −Infinity with a flag, so it ranks below every number, −Infinity included.
  const keys = new Float64Array(n);
  const nan = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const value = by(candidates[i]);
    if (Number.isNaN(value)) {
      keys[i] = Number.NEGATIVE_INFINITY;
      nan[i] = 1;
    } else keys[i] = value;
  }
  /** < 0 when candidate a ranks above candidate b (ties by input order). */
  const compare = (a: number, b: number): number => {
    if (nan[a] !== nan[b]) return nan[a] - nan[b];
    const x = keys[a];
    const y = keys[b];
    return x > y ? -1 : x < y ? 1 : a - b;
  };
  let chosen: Uint32Array;
  if (limit >= n) {
    chosen = new Uint32Array(n);
    for (let i = 0; i < n; i++) chosen[i] = i;
  } else {
    // A heap with the worst of the best `limit` seen so far on top.
    const heap = new Uint32Array(Math.max(0, limit));
    let size = 0;
    for (let i = 0; i < n && heap.length > 0; i++) {
      if (size < heap.length) {
        let at = size++;
        heap[at] = i;
        while (at > 0) {
          const parent = (at - 1) >> 1;
          if (compare(heap[parent], heap[at]) > 0) break;
          const t = heap[at];
          heap[at] = heap[parent];
          heap[parent] = t;
          at = parent;
        }
      } else if (compare(i, heap[0]) < 0) {
        heap[0] = i;
        let at = 0;
        for (;;) {
          const l = 2 * at + 1;
          if (l >= size) break;
          const worst = l + 1 < size && compare(heap[l + 1], heap[l]) > 0 ? l + 1 : l;
          if (compare(heap[at], heap[worst]) > 0) break;
          const t = heap[at];
          heap[at] = heap[worst];
          heap[worst] = t;
          at = worst;
        }
      }
    }
    chosen = heap.subarray(0, size);
  }
  chosen.sort(compare);
  const out: C[] = new Array(chosen.length);
  for (let i = 0; i < chosen.length; i++) out[i] = candidates[chosen[i]];
  return out;
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
