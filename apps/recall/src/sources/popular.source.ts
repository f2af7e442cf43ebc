// Recall channel `popular`: the globally most popular items (time-decayed engagement), scored relative to the top one.
import type { CandidateSource } from '@recsys/pipeline';
import { channelCandidates, scaledToBest } from '../channel-scores';
import type { RecallIndex } from '../state/recall-index';
import { sourceId, type RecallCandidate, type RecallQuery } from '../types';

/** Dependencies of {@link popularSource}. */
export interface PopularSourceDeps {
  index: RecallIndex;
  /** Per-call time budget, ms. */
  timeoutMs?: number;
}

/** The `recall/popular` source: `quotas.popular` items from the global popularity table. O(quota log quota). */
export function popularSource(deps: PopularSourceDeps): CandidateSource<RecallQuery, RecallCandidate> {
  return {
    id: sourceId('popular'),
    timeoutMs: deps.timeoutMs,
    fetch: async (query) => {
      const quota = query.quotas.popular;
      if (quota <= 0) return [];
      const top = deps.index.topPopular(quota, query.nowMs);
      return channelCandidates('popular', deps.index.ids, top.keys, scaledToBest(top.scores));
    },
  };
}
