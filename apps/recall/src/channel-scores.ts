/** Channel-score helpers shared by the recall sources: every channel score lies in [0, 1]. */
import type { ScoredKey } from '@recsys/algorithms';

/**
 * Scores relative to the best one: `score / max`, so the channel's top item scores 1. Popularity lists hold
 * positive scores only; a non-positive maximum gives every item 0.
 */
export function relativeToBest(scored: readonly ScoredKey[]): { id: string; score: number }[] {
  const best = scored.reduce((m, s) => Math.max(m, s.score), 0);
  return scored.map(({ key, score }) => ({ id: key, score: best > 0 ? Math.max(0, score) / best : 0 }));
}

/** Rank-based scores for an ordered list: `1 − rank / quota` (the first item scores 1, the quota-th 1/quota). */
export function byRank(ids: readonly string[], quota: number): { id: string; score: number }[] {
  return ids.map((id, rank) => ({ id, score: 1 - rank / Math.max(quota, ids.length) }));
}
