// Recall channel `related` (related-pins surface only): items sharing topics with the pin being viewed.
import type { CandidateSource } from '@recsys/pipeline';
import { byRank } from '../channel-scores';
import type { RecallIndex } from '../state/recall-index';
import { channelCandidates, sourceId, type RecallCandidate, type RecallQuery } from '../types';

/** Dependencies of {@link relatedSource}. */
export interface RelatedSourceDeps {
  index: RecallIndex;
  /** Per-call time budget, ms. */
  timeoutMs?: number;
}

/**
 * The `recall/related` source, for `related_pins` requests only (other surfaces get nothing). Candidates are the
 * servable items sharing at least one topic with `contextItemId` (the context item itself excluded), ranked by
 * `(shared topics / context topics) × max(0, popularity)`, then by shared topics, newest first, id; scored
 * `1 − rank/quota` (the product is 0 for items without engagement, which still rank by overlap). A context item
 * that is not in the catalog yields nothing. O(m log m) for m items in the context item's topics.
 */
export function relatedSource(deps: RelatedSourceDeps): CandidateSource<RecallQuery, RecallCandidate> {
  return {
    id: sourceId('related'),
    timeoutMs: deps.timeoutMs,
    fetch: async (query) => {
      const quota = query.quotas.related;
      if (quota <= 0 || query.surface !== 'related_pins' || !query.contextItemId) return [];
      const { index } = deps;
      const context = index.item(query.contextItemId);
      if (!context || context.topics.length === 0) return [];
      const overlap = new Map<string, number>();
      for (const topic of new Set(context.topics)) {
        for (const id of index.itemsInTopic(topic)) {
          if (id !== context.id) overlap.set(id, (overlap.get(id) ?? 0) + 1);
        }
      }
      const contextTopics = new Set(context.topics).size;
      const ranked: { id: string; shared: number; key: number; createdAtMs: number }[] = [];
      for (const [id, shared] of overlap) {
        const item = index.item(id);
        if (!item || item.unsafe) continue;
        const key = (shared / contextTopics) * Math.max(0, index.popularity(id, query.nowMs));
        ranked.push({ id, shared, key, createdAtMs: item.createdAtMs });
      }
      ranked.sort((a, b) => b.key - a.key || b.shared - a.shared || b.createdAtMs - a.createdAtMs || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      return channelCandidates('related', byRank(ranked.slice(0, quota).map((r) => r.id), quota));
    },
  };
}
