/** Assigns the request's experiment arms (deterministic per user, overridable per request). */
import type { QueryHydrator } from '@recsys/pipeline';
import { assignArms, type ExperimentSource } from '@recsys/experiments';
import type { RecommendQuery } from '../query';

/**
 * Creates the experiment hydrator over the running configuration (read once per request, so a reload applies to the
 * requests that start after it). It must not fail open: a bad override is a bad request.
 */
export function experimentHydrator(deps: { experiments: ExperimentSource }): QueryHydrator<RecommendQuery> {
  return {
    id: 'experiments',
    failOpen: false,
    hydrate: async (q) => {
      const { arms, params } = assignArms(deps.experiments.current(), q.userId, q.overrides);
      return { arms, params };
    },
  };
}
