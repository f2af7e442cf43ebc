/** Selector: orders the page so no window of consecutive positions repeats a topic or creator too often. */
import { slidingWindowDiversity } from '@recsys/algorithms';
import type { Selector } from '@recsys/pipeline';
import type { RerankItem, RerankQuery } from '../types';

/** Sliding-window limits of {@link topicDiversitySelector}. */
export interface TopicDiversityOptions {
  /** Window length in positions: every run of `window` consecutive page positions is checked. */
  window: number;
  /** Most items of one topic in any window. */
  maxPerTopic: number;
  /** Most items of one creator in any window. */
  maxPerCreator: number;
}

/**
 * Defaults of the diversity knobs (overridable by RERANKING_DIVERSITY_WINDOW, RERANKING_MAX_PER_TOPIC,
 * RERANKING_MAX_PER_CREATOR): in any 4 consecutive pins at most 2 share a topic and none shares a creator.
 */
export const TOPIC_DIVERSITY_DEFAULTS: Readonly<TopicDiversityOptions> = Object.freeze({ window: 4, maxPerTopic: 2, maxPerCreator: 1 });

/** An empty topic or creator is unknown, not a shared value: each such item gets a key of its own. */
function keyOf(value: string, id: string): string {
  return value.length > 0 ? value : `\u0000${id}`;
}

/**
 * Fills the first `pageSize` positions with slidingWindowDiversity (each position takes the best remaining
 * candidate that keeps every window within the limits; a candidate that would break one is deferred, and
 * the best remaining one is placed only when nothing fits). The candidates that did not make the page follow
 * in ranking order, so this selector removes nothing: the page-size selector cuts the tail.
 * Time O(n log n + pageSize · n) worst case.
 */
export function topicDiversitySelector(deps: { options: TopicDiversityOptions }): Selector<RerankQuery, RerankItem> {
  const { window, maxPerTopic, maxPerCreator } = deps.options;
  return {
    id: 'selector/topic-diversity',
    select: (query, candidates) => {
      const byId = new Map(candidates.map((c) => [c.id, c]));
      const { selected, removed } = slidingWindowDiversity(
        candidates.map((c) => ({ id: c.id, topic: keyOf(c.topic, c.id), creator: keyOf(c.creatorId, c.id), score: c.score })),
        { window, maxPerTopic, maxPerCreator, size: Math.min(query.pageSize, candidates.length) },
      );
      return [...selected, ...removed].map((d) => byId.get(d.id) as RerankItem);
    },
  };
}
