/** Channel-score helpers shared by the recall sources: every channel score lies in [0, 1]. */
import { TopCandidates, type ScoredKey } from '@recsys/algorithms';

/** An item id and a score. */
export interface Scored {
  id: string;
  score: number;
}

/**
 * Scores relative to the best one: `score / max`, so the channel's top item scores 1. Popularity lists hold
 * positive scores only; a non-positive maximum gives every item 0.
 */
export function relativeToBest(scored: readonly ScoredKey[]): Scored[] {
  return scaledToBest(scored.map(({ key, score }) => ({ id: key, score })));
}

/** {@link relativeToBest} for `{ id, score }` lists: `max(0, score) / max`, 0 for all when no score is positive. */
export function scaledToBest(scored: readonly Scored[]): Scored[] {
  const best = scored.reduce((m, s) => Math.max(m, s.score), 0);
  return scored.map(({ id, score }) => ({ id, score: best > 0 ? Math.max(0, score) / best : 0 }));
}

/** Rank-based scores for an ordered list: `1 − rank / quota` (the first item scores 1, the quota-th 1/quota). */
export function byRank(ids: readonly string[], quota: number): Scored[] {
  return ids.map((id, rank) => ({ id, score: 1 - rank / Math.max(quota, ids.length) }));
}

/**
 * The `n` best positive entries of a dense score vector (entry j is item `ids[j]`) that `accept` admits, best
 * first, equal scores by lower index. `accept` is asked only about positive entries. O(m + p log n) for m entries
 * of which p are positive.
 */
export function topOfDense(scores: Float32Array, ids: readonly string[], n: number, accept: (id: string) => boolean): Scored[] {
  if (n <= 0) return [];
  const best = new TopCandidates(n);
  for (let j = 0; j < scores.length; j++) if (scores[j] > 0 && accept(ids[j])) best.push(j, scores[j]);
  const top = new Int32Array(best.length);
  const values = new Float32Array(best.length);
  best.drain(top, values);
  return Array.from(top, (j, r) => ({ id: ids[j], score: values[r] }));
}
