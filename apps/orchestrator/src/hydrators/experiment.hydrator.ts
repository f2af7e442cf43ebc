/** Assigns the request's experiment arms (deterministic per user, overridable per request). */
import type { QueryHydrator } from '@recsys/pipeline';
import { assignArms, type Layer } from '../experiments/layers';
import type { RecommendQuery } from '../query';

/** Creates the experiment hydrator over the given layers. It must not fail open: a bad override is a bad request. */
export function experimentHydrator(deps: { layers: readonly Layer[] }): QueryHydrator<RecommendQuery> {
  return {
    id: 'experiments',
    failOpen: false,
    hydrate: async (q) => {
      const { arms, params } = assignArms(deps.layers, q.userId, q.overrides);
      return { arms, params };
    },
  };
}
