/** Reusable selectors: stable descending sort, top-k truncation, and dropping candidates with a repeated key. */
import type { CandidateBase, ComponentOptions, Selector } from './types';

/** Component options a reusable selector accepts besides its id. */
export type SelectorOptions = Omit<ComponentOptions, 'id'>;

/**
 * Candidates ordered by `by`, highest first. Stable: equal values keep their input order. NaN values sort
 * last. O(n log n); `by` is called once per candidate.
 */
function sortedDescending<C>(candidates: readonly C[], by: (c: C) => number): C[] {
  const keyed = candidates.map((candidate, index) => {
    const value = by(candidate);
    return { candidate, index, value: Number.isNaN(value) ? -Infinity : value, nan: Number.isNaN(value) };
  });
  keyed.sort((a, b) => {
    if (a.nan !== b.nan) return a.nan ? 1 : -1;
    if (a.value !== b.value) return a.value > b.value ? -1 : 1;
    return a.index - b.index;
  });
  return keyed.map((k) => k.candidate);
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
      return sortedDescending(candidates, by).slice(0, limit);
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
