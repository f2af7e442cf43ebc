// Recall channel `itemcf`: item-CF neighbours of the user's session and recent positive items.
import { accumulateItemCF } from '@recsys/algorithms';
import type { CandidateSource } from '@recsys/pipeline';
import { topOfScores } from '../channel-scores';
import type { RecallModels } from '../models/recall-models';
import type { RecallIndex } from '../state/recall-index';
import { sourceId, type RecallCandidate, type RecallQuery } from '../types';
import { seedsOf } from './seeds';

/** Dependencies of {@link itemCFSource}. */
export interface ItemCFSourceDeps {
  index: RecallIndex;
  models: RecallModels;
  /** Per-call time budget, ms. */
  timeoutMs?: number;
}

/**
 * The `recall/itemcf` source. Seeds: the session's items then the user's recent positives, weighted by recency
 * (`historySeeds`); those in the item-CF table vote for their neighbours (`accumulateItemCF`: Σ weight ×
 * similarity). The seeds themselves and unservable items are left out; channel score: score / best score. Not
 * configured (answers nothing) until a `recall/itemcf` artifact is loaded. O(seeds × k log quota), independent of
 * the table's size.
 */
export function itemCFSource(deps: ItemCFSourceDeps): CandidateSource<RecallQuery, RecallCandidate> {
  return {
    id: sourceId('itemcf'),
    timeoutMs: deps.timeoutMs,
    fetch: async (query) => {
      const quota = query.quotas.itemcf;
      const model = deps.models.itemcf();
      if (quota <= 0 || model === undefined) return [];
      const seeds = seedsOf(query, deps.index.ids);
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
      accumulateItemCF(model.neighbors, Int32Array.from(items), Float32Array.from(weights), model.scratch);
      // The seeds never come back: their own scores are zeroed (scores ≤ 0 are never listed).
      for (const i of items) model.scratch.values[i] = 0;
      return topOfScores('itemcf', deps.index, model.scratch, model.items, quota);
    },
  };
}
