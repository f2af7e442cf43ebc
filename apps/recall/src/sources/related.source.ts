// Recall channel `related` (related-pins surface only): items sharing topics with the pin being viewed.
import type { CandidateSource } from '@recsys/pipeline';
import { byRank, channelCandidates } from '../channel-scores';
import type { RecallIndex } from '../state/recall-index';
import { sourceId, type RecallCandidate, type RecallQuery } from '../types';

/** Dependencies of {@link relatedSource}. */
export interface RelatedSourceDeps {
  index: RecallIndex;
  /** Per-call time budget, ms. */
  timeoutMs?: number;
}

/** A candidate of the related channel with its sort keys. */
interface Ranked {
  item: number;
  id: string;
  shared: number;
  key: number;
  createdAtMs: number;
}

/** The related ranking: key, then shared topics, then newest, then id. */
function compareRanked(a: Ranked, b: Ranked): number {
  return b.key - a.key || b.shared - a.shared || b.createdAtMs - a.createdAtMs || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** A min-heap of the `k` largest keys seen, for the stopping bound. */
class KthLargest {
  private readonly heap: number[] = [];
  constructor(private readonly k: number) {}

  /** The k-th largest key offered so far, −Infinity before k keys. */
  get value(): number {
    return this.heap.length < this.k ? Number.NEGATIVE_INFINITY : this.heap[0];
  }

  offer(key: number): void {
    const h = this.heap;
    if (h.length === this.k) {
      if (!(key > h[0])) return;
      h[0] = key;
      for (let i = 0; ; ) {
        const l = 2 * i + 1;
        if (l >= h.length) break;
        const c = l + 1 < h.length && h[l + 1] < h[l] ? l + 1 : l;
        if (!(h[c] < h[i])) break;
        [h[c], h[i]] = [h[i], h[c]];
        i = c;
      }
      return;
    }
    h.push(key);
    for (let i = h.length - 1; i > 0; ) {
      const p = (i - 1) >> 1;
      if (!(h[i] < h[p])) break;
      [h[p], h[i]] = [h[i], h[p]];
      i = p;
    }
  }
}

/**
 * The `recall/related` source, for `related_pins` requests only (other surfaces get nothing). Candidates are the
 * servable items sharing at least one topic with `contextItemId` (the context item itself excluded), ranked by
 * `(shared topics / context topics) × max(0, popularity)`, then by shared topics, newest first, id; scored
 * `1 − rank/quota` (the product is 0 for items without engagement, which still rank by overlap). A context item
 * that is not in the catalog yields nothing.
 *
 * The items with a positive key come from the context topics' popularity lists walked best first together (a
 * threshold algorithm: an item not reached yet scores at most the next popularity on the lists, since its share of
 * topics is at most 1, so the walk stops once that bound falls below the quota-th key found): O(q log q) for q
 * items reached, independent of the topics' sizes. Only when fewer than `quota` items have a positive key are the
 * context topics' remaining items (no or negative popularity) read, O(m log m) for m items in those topics.
 */
export function relatedSource(deps: RelatedSourceDeps): CandidateSource<RecallQuery, RecallCandidate> {
  return {
    id: sourceId('related'),
    timeoutMs: deps.timeoutMs,
    fetch: async (query) => {
      const quota = query.quotas.related;
      if (quota <= 0 || query.surface !== 'related_pins' || !query.contextItemId) return [];
      const { index } = deps;
      const contextIndex = index.ids.index(query.contextItemId);
      const context = contextIndex === undefined ? undefined : index.itemAt(contextIndex);
      if (contextIndex === undefined || !context || context.topics.length === 0) return [];
      const topics = [...new Set(context.topics)];
      const rankedOf = (item: number, key: number): Ranked | undefined => {
        const it = index.itemAt(item);
        if (item === contextIndex || it === undefined || !index.isServableAt(item)) return undefined;
        let shared = 0;
        for (const topic of new Set(it.topics)) if (topics.includes(topic)) shared++;
        return { item, id: it.id, shared, key: (shared / topics.length) * key, createdAtMs: it.createdAtMs };
      };

      // Positive keys: the topics' popularity lists, merged best first, until the bound drops below the quota-th key.
      const cursors = topics.flatMap((t) => index.topicCursor(t) ?? []);
      const kth = new KthLargest(quota);
      const seen = new Set<number>();
      const ranked: Ranked[] = [];
      for (;;) {
        let at = -1;
        let anchor = Number.NEGATIVE_INFINITY;
        cursors.forEach((c, i) => {
          const a = c.peekAnchor();
          if (a > anchor) [at, anchor] = [i, a];
        });
        // The bound is computed from the anchor (1e-12 of slack for its rounding against the scores themselves).
        if (at < 0 || index.scoreOfAnchor(anchor, query.nowMs) * (1 + 1e-12) < kth.value) break;
        const item = cursors[at].next();
        if (seen.has(item)) continue;
        seen.add(item);
        const r = rankedOf(item, Math.max(0, index.popularityAt(item, query.nowMs)));
        if (r === undefined || !(r.key > 0)) continue;
        ranked.push(r);
        kth.offer(r.key);
      }
      ranked.sort(compareRanked);
      if (ranked.length < quota) {
        // Not enough engaged items: the rest of the topics' items, whose key is 0, by overlap, newest, id.
        const rest: Ranked[] = [];
        const tail = new Set<number>();
        for (const topic of topics) for (const item of index.itemsInTopic(topic)) if (!seen.has(item)) tail.add(item);
        for (const item of tail) {
          const r = rankedOf(item, Math.max(0, index.popularityAt(item, query.nowMs)));
          if (r !== undefined && !(r.key > 0)) rest.push(r);
        }
        rest.sort(compareRanked);
        ranked.push(...rest.slice(0, quota - ranked.length));
      }
      const top = ranked.slice(0, quota);
      return channelCandidates(
        'related',
        index.ids,
        top.map((r) => r.item),
        byRank(top.length, quota),
      );
    },
  };
}
