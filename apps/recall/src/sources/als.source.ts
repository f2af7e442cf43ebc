// Recall channel `als`: the items whose ALS factors score highest against the user's factors, via the vector store.
import { recalculateUser } from '@recsys/algorithms';
import type { CandidateSource } from '@recsys/pipeline';
import type { VectorStore } from '@recsys/stores';
import { channelCandidates, scaledToBest } from '../channel-scores';
import type { RecallModels } from '../models/recall-models';
import type { RecallIndex } from '../state/recall-index';
import { sourceId, type RecallCandidate, type RecallQuery } from '../types';
import { seedsOf } from './seeds';

/** Dependencies of {@link alsSource}. */
export interface AlsSourceDeps {
  index: RecallIndex;
  models: RecallModels;
  /** The store holding each ALS version's item factors (collection `als-items-<version>`). */
  vectors: VectorStore;
  /** Per-call time budget, ms. */
  timeoutMs?: number;
}

/**
 * The `recall/als` source. The user's factors come from the `recall/als` artifact; a user it was not trained on
 * who has history (session items, recent positives) is folded in: `recalculateUser` solves for the factors with
 * the item factors fixed (O(n·k² + k³)), all items with the same confidence. A user with neither gets nothing.
 * The nearest item factors by dot product (x·y, the model's score) come from the vector store; the seeds and
 * unservable items are left out; channel score: max(0, x·y) / best.
 */
export function alsSource(deps: AlsSourceDeps): CandidateSource<RecallQuery, RecallCandidate> {
  return {
    id: sourceId('als'),
    timeoutMs: deps.timeoutMs,
    fetch: async (query, ctx) => {
      const quota = query.quotas.als;
      const als = deps.models.als();
      if (quota <= 0 || als === undefined) return [];
      const { model } = als;
      const k = model.factors;
      const seeds = seedsOf(query, deps.index.ids);
      let user: Float32Array;
      const row = als.userIndex.get(query.userId);
      if (row !== undefined) {
        user = model.userFactors.subarray(row * k, row * k + k);
      } else {
        const history: number[] = [];
        for (const id of seeds.ids) {
          const i = als.itemIndex.get(id);
          if (i !== undefined) history.push(i);
        }
        if (history.length === 0) return [];
        user = recalculateUser(model, history, undefined, als.gram);
      }
      const exclude = new Set(seeds.ids);
      const hits = await deps.vectors.search(als.collection, user, { limit: quota + exclude.size });
      if (ctx.signal.aborted) return [];
      const items: number[] = [];
      const scores: number[] = [];
      for (const h of hits) {
        if (items.length >= quota) break;
        const j = als.itemIndex.get(h.id);
        const item = j === undefined ? undefined : als.items[j];
        if (item === undefined || exclude.has(h.id) || !deps.index.isServableAt(item)) continue;
        items.push(item);
        scores.push(h.score);
      }
      return channelCandidates('als', deps.index.ids, items, scaledToBest(scores));
    },
  };
}
