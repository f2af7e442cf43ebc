// Recall channel `fresh`: items created in the last few days, by popularity then recency (new-item cold start).
import type { Item } from '@recsys/domain';
import type { CandidateSource } from '@recsys/pipeline';
import { byRank } from '../channel-scores';
import type { RecallIndex } from '../state/recall-index';
import { channelCandidates, sourceId, type RecallCandidate, type RecallQuery } from '../types';

/** Dependencies of {@link freshSource}. */
export interface FreshSourceDeps {
  index: RecallIndex;
  /** How old an item may be to count as fresh, ms (default config: 3 days). */
  windowMs: number;
  /** Per-call time budget, ms. */
  timeoutMs?: number;
}

/**
 * The `recall/fresh` source: servable items created within `windowMs` before the query time, ordered by global
 * popularity (items without engagement yet score 0), then newest first, then id; scored `1 − rank/quota`.
 * New items have little engagement, so a popularity-only channel would never surface them. O(f log f) for f fresh items.
 */
export function freshSource(deps: FreshSourceDeps): CandidateSource<RecallQuery, RecallCandidate> {
  return {
    id: sourceId('fresh'),
    timeoutMs: deps.timeoutMs,
    fetch: async (query) => {
      const quota = query.quotas.fresh;
      if (quota <= 0) return [];
      const { index } = deps;
      const ranked = index
        .itemsCreatedSince(query.nowMs - deps.windowMs)
        .filter((item) => !item.unsafe)
        .map((item): [Item, number] => [item, index.popularity(item.id, query.nowMs)])
        .sort(([a, pa], [b, pb]) => pb - pa || b.createdAtMs - a.createdAtMs || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
        .slice(0, quota)
        .map(([item]) => item.id);
      return channelCandidates('fresh', byRank(ranked, quota));
    },
  };
}
