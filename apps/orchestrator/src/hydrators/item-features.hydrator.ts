/** Reads every candidate's attributes and features from the feature service in one batched call. */
import type { CandidateHydrator } from '@recsys/pipeline';
import type { Downstreams } from '../gateways/clients';
import type { PinCandidate, RecommendQuery } from '../query';

/** Creates the item-feature hydrator. On failure candidates keep no features and ranking uses defaults. */
export function itemFeaturesHydrator(deps: { feature: Downstreams['feature'] }): CandidateHydrator<RecommendQuery, PinCandidate> {
  return {
    id: 'feature/items',
    hydrate: async (_q, candidates, ctx) => {
      if (candidates.length === 0) return [];
      const res = await deps.feature.getItemFeatures(
        { itemIds: candidates.map((c) => c.id) },
        { signal: ctx.signal, deadlineMs: ctx.deadlineMs },
      );
      const byId = new Map(res.items.map((i) => [i.itemId, i]));
      return candidates.map((c) => {
        const item = byId.get(c.id);
        if (!item) return {};
        return {
          known: item.known,
          features: { values: { ...(item.features?.values ?? {}) }, defaulted: [...(item.features?.defaulted ?? [])] },
          creatorId: item.attributes?.creatorId ?? '',
          topic: item.attributes?.topics[0] ?? '',
          aspectRatio: item.attributes?.aspectRatio || 1,
          unsafe: item.attributes?.unsafe ?? false,
        };
      });
    },
  };
}
