// The items a personalised channel starts from: the session's items, then the user's recent positive interactions.
import type { RecallQuery } from '../types';

/**
 * Weight decay per rank of a seed: the r-th most recent seed (0-based) weighs `RECENCY_DECAY^r`, so the latest
 * interactions steer a channel most while older ones still count (the 20th weighs 0.12).
 */
export const RECENCY_DECAY = 0.9;

/** Seed items, most recent first, without repeats, with a weight each. */
export interface Seeds {
  ids: string[];
  weights: number[];
}

/**
 * The query's seed items: `sessionItemIds` (the current session, most recent first) followed by the user's recent
 * positive interactions (`userRecentItemIds`), without repeats, weighted `RECENCY_DECAY^rank`.
 */
export function historySeeds(query: RecallQuery): Seeds {
  const ids: string[] = [];
  const seen = new Set<string>();
  for (const id of [...query.sessionItemIds, ...(query.userRecentItemIds ?? [])]) {
    if (seen.has(id)) continue;
    seen.add(id);
    ids.push(id);
  }
  return { ids, weights: ids.map((_, r) => Math.pow(RECENCY_DECAY, r)) };
}
