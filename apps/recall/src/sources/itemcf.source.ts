// Recall channel `itemcf`: item-CF neighbours of the user's session and recent positive items.
import { scoreItemCF } from '@recsys/algorithms';
import type { CandidateSource } from '@recsys/pipeline';
import { scaledToBest, topOfDense } from '../channel-scores';
import type { RecallModels } from '../models/recall-models';
import type { RecallIndex } from '../state/recall-index';
import { channelCandidates, sourceId, type RecallCandidate, type RecallQuery } from '../types';
import { historySeeds } from './seeds';

/** Dependencies of {@link itemCFSource}. */
export interface ItemCFSourceDeps {
  index: RecallIndex;
  models: RecallModels;
  /** Per-call time budget, ms. */
  timeoutMs?: number;
}

/**
 * The `recall/itemcf` source. Seeds: the session's items then the user's recent positives, weighted by recency
 * (`historySeeds`); those in the item-CF table vote for their neighbours with `scoreItemCF` (Σ weight ×
 * similarity). The seeds themselves and unservable items are left out; channel score: score / best score. Not
 * configured (answers nothing) until a `recall/itemcf` artifact is loaded. O(table items + seeds × k).
 */
export function itemCFSource(deps: ItemCFSourceDeps): CandidateSource<RecallQuery, RecallCandidate> {
  return {
    id: sourceId('itemcf'),
    timeoutMs: deps.timeoutMs,
    fetch: async (query) => {
      const quota = query.quotas.itemcf;
      const model = deps.models.itemcf();
      if (quota <= 0 || model === undefined) return [];
      const seeds = historySeeds(query);
      const items: number[] = [];
      const weights: number[] = [];
      seeds.ids.forEach((id, r) => {
        const i = model.itemIndex.get(id);
        if (i !== undefined) {
          items.push(i);
          weights.push(seeds.weights[r]);
        }
      });
      if (items.length === 0) return [];
      scoreItemCF(model.neighbors, Int32Array.from(items), Float32Array.from(weights), model.scratch);
      const exclude = new Set(seeds.ids);
      const top = topOfDense(model.scratch, model.itemIds, quota, (id) => !exclude.has(id) && deps.index.isServable(id));
      return channelCandidates('itemcf', scaledToBest(top));
    },
  };
}
