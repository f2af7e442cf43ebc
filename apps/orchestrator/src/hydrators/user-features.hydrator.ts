/** Reads the user's features, recent interactions and topic affinity from the feature service. */
import type { QueryHydrator } from '@recsys/pipeline';
import type { Downstreams } from '../gateways/clients';
import type { RecommendQuery } from '../query';

/** Creates the user-feature hydrator. On failure the query keeps no user view and ranking uses defaults. */
export function userFeaturesHydrator(deps: { feature: Downstreams['feature'] }): QueryHydrator<RecommendQuery> {
  return {
    id: 'feature/user',
    hydrate: async (q, ctx) => {
      const res = await deps.feature.getUserFeatures({ userId: q.userId }, { signal: ctx.signal, deadlineMs: ctx.deadlineMs });
      return {
        user: {
          known: res.known,
          features: { values: { ...(res.features?.values ?? {}) }, defaulted: [...(res.features?.defaulted ?? [])] },
          recentItemIds: [...res.recentItemIds],
          topicAffinity: { ...res.topicAffinity },
          snapshot: res.snapshot,
        },
      };
    },
  };
}
