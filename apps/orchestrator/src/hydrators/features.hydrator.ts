/** Reads the user's features and every candidate's attributes and ranking inputs from the feature service, in one call. */
import type { CandidateHydrator } from '@recsys/pipeline';
import type { Downstreams } from '../gateways/clients';
import { itemFeatureBatchFromWire, userViewFromWire } from '../gateways/wire';
import type { PinCandidate, RecommendQuery } from '../query';
import type { RankingInputs } from '../state/ranking-inputs';

/**
 * Creates the feature hydrator: one GetFeatureColumns call (one store read) for the user and every candidate, asking for
 * the item features the ranking models read (`inputs`; every item feature until they are known). Each candidate gets
 * the answer and its row; the query gets the user's view. An answer that is not one row per candidate fails the
 * hydrator; on failure the query keeps no user view, candidates no features: ranking uses declared defaults and
 * re-ranking unknown attributes.
 */
export function featuresHydrator(deps: { feature: Downstreams['feature']; inputs: RankingInputs }): CandidateHydrator<RecommendQuery, PinCandidate> {
  return {
    id: 'features',
    hydrate: async (q, candidates, ctx) => {
      if (candidates.length === 0) return [];
      const res = await deps.feature.getFeatureColumns(
        { userId: q.userId, itemIds: candidates.map((c) => c.id), itemFeatureNames: [...deps.inputs.names()] },
        { signal: ctx.signal, deadlineMs: ctx.deadlineMs },
      );
      const features = itemFeatureBatchFromWire(res, candidates.length);
      return { candidates: candidates.map((_, featureRow) => ({ features, featureRow })), query: { user: userViewFromWire(res.user) } };
    },
  };
}
