// Recall channel `fresh`: items created in the last few days, by popularity then recency (new-item cold start).
import type { CandidateSource } from '@recsys/pipeline';
import { byRank, channelCandidates } from '../channel-scores';
import type { RecallIndex } from '../state/recall-index';
import { sourceId, type RecallCandidate, type RecallQuery } from '../types';

/** Dependencies of {@link freshSource}. */
export interface FreshSourceDeps {
  index: RecallIndex;
  /** Per-call time budget, ms. */
  timeoutMs?: number;
}

/**
 * The `recall/fresh` source: servable items created within the index's fresh window (config
 * `RECALL_FRESH_WINDOW_MS`) before the query time, ordered by global popularity (items without engagement yet
 * score 0), then newest first, then id; scored `1 − rank/quota`. New items have little engagement, so a
 * popularity-only channel would never surface them. The ranking is kept by the index as events arrive
 * (`RecallIndex.topFresh`), so a request costs O(quota log quota) whatever the number of fresh items.
 */
export function freshSource(deps: FreshSourceDeps): CandidateSource<RecallQuery, RecallCandidate> {
  return {
    id: sourceId('fresh'),
    timeoutMs: deps.timeoutMs,
    fetch: async (query) => {
      const quota = query.quotas.fresh;
      if (quota <= 0) return [];
      const items = deps.index.topFresh(quota, query.nowMs);
      return channelCandidates('fresh', deps.index.ids, items, byRank(items.length, quota));
    },
  };
}
