// Top-K ranking metrics of one user's ranked list against the user's relevant (held-out) items, binary relevance.
import { checkK, checkSorted, sortedContains } from './top-k';

/*
 * Conventions shared by every function here:
 * - `ranked` is the user's recommendation list, best first (item indexes, no duplicates); only its first
 *   min(k, length) entries count. A list shorter than k is not padded: the missing slots are misses.
 * - `relevant` is the user's relevant items, sorted ascending without duplicates (a CSR row is).
 * - A user without relevant items has no defined value: every function returns NaN, and the evaluation
 *   harness skips such users (and counts them) instead of averaging NaN.
 */

/** HitRate@K: 1 when at least one of the top `k` items is relevant, else 0. O(k log |relevant|). */
export function hitRateAtK(ranked: ArrayLike<number>, relevant: ArrayLike<number>, k: number): number {
  const hits = countHits(ranked, relevant, k);
  return Number.isNaN(hits) ? NaN : hits > 0 ? 1 : 0;
}

/**
 * Precision@K: relevant items among the top `k`, divided by `k` (not by the list length, so a list shorter
 * than k is penalised for its empty slots). O(k log |relevant|).
 */
export function precisionAtK(ranked: ArrayLike<number>, relevant: ArrayLike<number>, k: number): number {
  return countHits(ranked, relevant, k) / k;
}

/**
 * Recall@K: relevant items among the top `k`, divided by |relevant| (the plain definition). A user with more
 * than k relevant items cannot reach 1. The "truncated" variant that divides by min(k, |relevant|) is not
 * offered: it is a different metric under the same name, and NDCG@K and MAP@K already carry that normalisation.
 * O(k log |relevant|).
 */
export function recallAtK(ranked: ArrayLike<number>, relevant: ArrayLike<number>, k: number): number {
  return countHits(ranked, relevant, k) / relevant.length;
}

/**
 * NDCG@K with binary relevance and the log2 discount: DCG = Σ_{r ≤ k, item r relevant} 1 / log2(r + 1) (r
 * 1-based), divided by the ideal DCG, Σ_{r=1}^{min(k, |relevant|)} 1 / log2(r + 1). In [0, 1]. O(k log |relevant|).
 */
export function ndcgAtK(ranked: ArrayLike<number>, relevant: ArrayLike<number>, k: number): number {
  checkArgs(relevant, k);
  if (relevant.length === 0) return NaN;
  const n = Math.min(k, ranked.length);
  let dcg = 0;
  for (let r = 0; r < n; r++) if (sortedContains(relevant, ranked[r])) dcg += 1 / Math.log2(r + 2);
  let ideal = 0;
  const m = Math.min(k, relevant.length);
  for (let r = 0; r < m; r++) ideal += 1 / Math.log2(r + 2);
  return dcg / ideal;
}

/**
 * Reciprocal rank: 1 / (1-based position of the first relevant item among the first `k` entries of `ranked`),
 * 0 when there is none. `k` defaults to the whole list; for the untruncated reciprocal rank over a full
 * ranking of scores, use `1 / firstRelevantRank(...)`. The mean over users is MRR. O(k log |relevant|).
 */
export function reciprocalRank(ranked: ArrayLike<number>, relevant: ArrayLike<number>, k: number = ranked.length || 1): number {
  checkArgs(relevant, k);
  if (relevant.length === 0) return NaN;
  const n = Math.min(k, ranked.length);
  for (let r = 0; r < n; r++) if (sortedContains(relevant, ranked[r])) return 1 / (r + 1);
  return 0;
}

/**
 * Average precision @K: the sum of precision@r over the positions r ≤ k that hold a relevant item, divided by
 * min(k, |relevant|) (the most hits the top k can hold, so a perfect list scores 1 even when |relevant| > k).
 * The mean over users is MAP@K. O(k log |relevant|).
 */
export function averagePrecisionAtK(ranked: ArrayLike<number>, relevant: ArrayLike<number>, k: number): number {
  checkArgs(relevant, k);
  if (relevant.length === 0) return NaN;
  const n = Math.min(k, ranked.length);
  let hits = 0;
  let sum = 0;
  for (let r = 0; r < n; r++) {
    if (sortedContains(relevant, ranked[r])) {
      hits++;
      sum += hits / (r + 1);
    }
  }
  return sum / Math.min(k, relevant.length);
}

/** Number of the first `k` entries of `ranked` that are in `relevant`; NaN when `relevant` is empty. */
export function countHits(ranked: ArrayLike<number>, relevant: ArrayLike<number>, k: number): number {
  checkArgs(relevant, k);
  if (relevant.length === 0) return NaN;
  const n = Math.min(k, ranked.length);
  let hits = 0;
  for (let r = 0; r < n; r++) if (sortedContains(relevant, ranked[r])) hits++;
  return hits;
}

function checkArgs(relevant: ArrayLike<number>, k: number): void {
  checkK(k);
  checkSorted(relevant, 'relevant');
}
