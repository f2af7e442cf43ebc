// The items a personalised channel starts from: the session's items, then the user's recent positive interactions.
import type { ItemIds } from '../state/item-ids';
import type { RecallQuery } from '../types';

/**
 * Weight decay per rank of a seed: the r-th most recent seed (0-based) weighs `RECENCY_DECAY^r`, so the latest
 * interactions steer a channel most while older ones still count (the 20th weighs 0.12).
 */
export const RECENCY_DECAY = 0.9;

/** Seed items, most recent first, without repeats, with a weight each. */
export interface Seeds {
  ids: string[];
  /** The item index of each seed; −1 for an id the recall state has never seen. */
  items: Int32Array;
  weights: Float64Array;
}

/**
 * The query's seed items: `sessionItemIds` (the current session, most recent first) followed by the user's recent
 * positive interactions (`userRecentItemIds`), without repeats, weighted `RECENCY_DECAY^rank`. The user-state
 * hydrator computes them once per request (`query.seeds`); {@link seedsOf} falls back to computing them.
 */
export function historySeeds(query: Pick<RecallQuery, 'sessionItemIds' | 'userRecentItemIds'>, itemIds: ItemIds): Seeds {
  const ids: string[] = [];
  const seen = new Set<string>();
  const add = (id: string) => {
    if (seen.has(id)) return;
    seen.add(id);
    ids.push(id);
  };
  for (const id of query.sessionItemIds) add(id);
  for (const id of query.userRecentItemIds ?? []) add(id);
  const items = Int32Array.from(ids, (id) => itemIds.index(id) ?? -1);
  const weights = Float64Array.from(ids, (_, r) => Math.pow(RECENCY_DECAY, r));
  return { ids, items, weights };
}

/** The seeds of a hydrated query, or computed from it. */
export function seedsOf(query: RecallQuery, itemIds: ItemIds): Seeds {
  return query.seeds ?? historySeeds(query, itemIds);
}
