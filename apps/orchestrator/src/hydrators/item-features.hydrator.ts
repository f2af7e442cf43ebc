/** Reads every candidate's attributes and features from the feature service in one batched call. */
import { RecsysError } from '@recsys/domain';
import type { CandidateHydrator } from '@recsys/pipeline';
import type { Downstreams } from '../gateways/clients';
import type { PinCandidate, RecommendQuery } from '../query';

/**
 * Creates the item-feature hydrator: every candidate gets its row of the answer's feature columns (sharing the
 * answer's `feature_names` array), known flag and attributes. An answer that is not one aligned item per
 * requested id, in request order, fails the hydrator; on failure candidates keep no features and ranking uses
 * declared defaults.
 */
export function itemFeaturesHydrator(deps: { feature: Downstreams['feature'] }): CandidateHydrator<RecommendQuery, PinCandidate> {
  return {
    id: 'feature/items',
    hydrate: async (_q, candidates, ctx) => {
      if (candidates.length === 0) return [];
      const res = await deps.feature.getItemFeatures(
        { itemIds: candidates.map((c) => c.id) },
        { signal: ctx.signal, deadlineMs: ctx.deadlineMs },
      );
      if (res.items.length !== candidates.length) {
        throw new RecsysError('internal', `feature service answered ${res.items.length} items for ${candidates.length} ids`);
      }
      const names = res.featureNames;
      const snapshot = res.snapshot;
      return candidates.map((c, i) => {
        const item = res.items[i];
        if (item.itemId !== c.id) throw new RecsysError('internal', `feature service answered item ${i} with ${item.itemId}, asked for ${c.id}`);
        if (item.values.length !== names.length) {
          throw new RecsysError('internal', `feature service answered ${item.values.length} values for ${names.length} feature names (item ${c.id})`);
        }
        return {
          known: item.known,
          features: { names, values: item.values, defaulted: item.defaulted, snapshot },
          creatorId: item.attributes?.creatorId ?? '',
          topic: item.attributes?.topics[0] ?? '',
          aspectRatio: item.attributes?.aspectRatio || 1,
          unsafe: item.attributes?.unsafe ?? false,
        };
      });
    },
  };
}
