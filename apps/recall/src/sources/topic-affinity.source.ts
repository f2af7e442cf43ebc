// Recall channel `topic-affinity`: popular items in the topics of the user's recent and in-session items.
import type { CandidateSource } from '@recsys/pipeline';
import { channelCandidates } from '../channel-scores';
import type { RecallIndex } from '../state/recall-index';
import { sourceId, type RecallCandidate, type RecallQuery } from '../types';

/** Dependencies of {@link topicAffinitySource}. */
export interface TopicAffinitySourceDeps {
  index: RecallIndex;
  /** Per-call time budget, ms. */
  timeoutMs?: number;
}

/**
 * How often each topic occurs among the topics of `itemIds` (items not in the catalog are ignored), as
 * `[topic, count]` sorted by count descending, then topic id.
 */
export function topicFrequencies(index: RecallIndex, itemIds: readonly string[]): [string, number][] {
  const counts = new Map<string, number>();
  for (const id of itemIds) {
    for (const topic of index.item(id)?.topics ?? []) counts.set(topic, (counts.get(topic) ?? 0) + 1);
  }
  return [...counts].sort(([ta, a], [tb, b]) => b - a || (ta < tb ? -1 : ta > tb ? 1 : 0));
}

/**
 * Splits `quota` over weighted topics in proportion to their weights (largest remainder), so the counts sum to
 * `quota`. `weights` must be sorted descending.
 */
export function allocate(quota: number, weights: readonly number[]): number[] {
  const total = weights.reduce((s, w) => s + w, 0);
  if (total <= 0) return weights.map(() => 0);
  const exact = weights.map((w) => (quota * w) / total);
  const counts = exact.map(Math.floor);
  let left = quota - counts.reduce((s, c) => s + c, 0);
  const byRemainder = exact.map((e, i) => [e - Math.floor(e), i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (const [, i] of byRemainder) {
    if (left <= 0) break;
    counts[i]++;
    left--;
  }
  return counts;
}

/**
 * The `recall/topic-affinity` source. The seeds are the user's recent positive interactions (from the index, via
 * `hydrator/user-state`) and the session's `context.recent_item_ids`; each topic of a seed item counts once per
 * occurrence. The quota is split over the topics in proportion to those frequencies; each topic contributes its
 * most popular servable items (an item already taken for a heavier topic is skipped, and a topic's unused share
 * passes to the next topic). Channel score: `(topic weight / heaviest weight) × (popularity / topic's best
 * popularity)`, so the best item of the user's main topic scores 1.
 */
export function topicAffinitySource(deps: TopicAffinitySourceDeps): CandidateSource<RecallQuery, RecallCandidate> {
  return {
    id: sourceId('topic-affinity'),
    timeoutMs: deps.timeoutMs,
    fetch: async (query) => {
      const quota = query.quotas['topic-affinity'];
      if (quota <= 0) return [];
      const topics = topicFrequencies(deps.index, [...(query.userRecentItemIds ?? []), ...query.sessionItemIds]);
      if (topics.length === 0) return [];
      const shares = allocate(quota, topics.map(([, n]) => n));
      const heaviest = topics[0][1];
      const taken = new Set<number>();
      const items = new Int32Array(quota);
      const scores = new Float64Array(quota);
      let n = 0;
      let carry = 0;
      const notTaken = (item: number) => !taken.has(item);
      topics.forEach(([topic, weight], i) => {
        const want = Math.min(shares[i] + carry, quota - n);
        if (want <= 0) return;
        const top = deps.index.topPopularInTopic(topic, want, query.nowMs, notTaken);
        const best = top.keys.length > 0 ? top.scores[0] : 0;
        for (let r = 0; r < top.keys.length; r++) {
          taken.add(top.keys[r]);
          items[n] = top.keys[r];
          scores[n++] = best > 0 ? (weight / heaviest) * (top.scores[r] / best) : 0;
        }
        carry = want - top.keys.length;
      });
      // Stable sort by score, descending (equal scores keep the topic order).
      const order = new Int32Array(n);
      for (let r = 0; r < n; r++) order[r] = r;
      order.sort((a, b) => scores[b] - scores[a] || a - b);
      const sortedItems = new Int32Array(n);
      const sortedScores = new Float64Array(n);
      for (let r = 0; r < n; r++) {
        sortedItems[r] = items[order[r]];
        sortedScores[r] = scores[order[r]];
      }
      return channelCandidates('topic-affinity', deps.index.ids, sortedItems, sortedScores);
    },
  };
}
