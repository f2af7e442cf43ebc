/** Reads every candidate's attributes and the item features the ranking models read, in one batched call. */
import type { CandidateHydrator } from '@recsys/pipeline';
import type { Downstreams } from '../gateways/clients';
import { itemFeatureBatchFromWire } from '../gateways/wire';
import type { PinCandidate, RecommendQuery } from '../query';
import type { RankingInputs } from '../state/ranking-inputs';

/**
 * Creates the item-feature hydrator: one GetItemFeatureColumns call for every candidate, asking for the features the
 * ranking models read (`inputs`; every item feature until they are known); each candidate gets the answer and its row.
 * An answer that is not one row per candidate fails the hydrator; on failure candidates keep no features, ranking uses
 * declared defaults and re-ranking unknown attributes.
 */
export function itemFeaturesHydrator(deps: { feature: Downstreams['feature']; inputs: RankingInputs }): CandidateHydrator<RecommendQuery, PinCandidate> {
  return {
    id: 'feature/items',
    hydrate: async (_q, candidates, ctx) => {
      if (candidates.length === 0) return [];
      const res = await deps.feature.getItemFeatureColumns(
        { itemIds: candidates.map((c) => c.id), featureNames: [...deps.inputs.names()] },
        { signal: ctx.signal, deadlineMs: ctx.deadlineMs },
      );
      const features = itemFeatureBatchFromWire(res, candidates.length);
      return candidates.map((_, featureRow) => ({ features, featureRow }));
    },
  };
}
