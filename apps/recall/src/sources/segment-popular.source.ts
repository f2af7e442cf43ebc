// Recall channel `segment-popular`: the most popular items among users of the requesting user's segment.
import type { CandidateSource } from '@recsys/pipeline';
import { channelCandidates, scaledToBest } from '../channel-scores';
import { ALL_SEGMENT, type RecallIndex } from '../state/recall-index';
import { sourceId, type RecallCandidate, type RecallQuery } from '../types';

/** Dependencies of {@link segmentPopularSource}. */
export interface SegmentPopularSourceDeps {
  index: RecallIndex;
  /** Per-call time budget, ms. */
  timeoutMs?: number;
}

/**
 * The `recall/segment-popular` source: `quotas['segment-popular']` items from the popularity table of the user's
 * segment (country × age bucket, set by `hydrator/user-state`). An unknown user is in segment `all`, which reads
 * the global table, so cold-start users still get an answer. O(quota log quota).
 */
export function segmentPopularSource(deps: SegmentPopularSourceDeps): CandidateSource<RecallQuery, RecallCandidate> {
  return {
    id: sourceId('segment-popular'),
    timeoutMs: deps.timeoutMs,
    fetch: async (query) => {
      const quota = query.quotas['segment-popular'];
      if (quota <= 0) return [];
      const top = deps.index.topPopularInSegment(query.segment ?? ALL_SEGMENT, quota, query.nowMs);
      return channelCandidates('segment-popular', deps.index.ids, top.keys, scaledToBest(top.scores));
    },
  };
}
