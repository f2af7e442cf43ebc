// Query hydrator `hydrator/user-state`: the user's attributes, segment and recent positive interactions from the index.
import { segmentOf } from '@recsys/domain';
import type { QueryHydrator } from '@recsys/pipeline';
import type { RecallIndex } from '../state/recall-index';
import type { RecallQuery } from '../types';

/** Dependencies of {@link userStateHydrator}. */
export interface UserStateHydratorDeps {
  index: RecallIndex;
}

/**
 * Adds `user`, `segment`, `userRecentItemIds` and their times to the query. An unknown user gets no attributes, segment `all`
 * and no recent items: a cold-start request, answered by the popularity and fresh channels. O(recent items).
 */
export function userStateHydrator(deps: UserStateHydratorDeps): QueryHydrator<RecallQuery> {
  return {
    id: 'hydrator/user-state',
    hydrate: async (query) => {
      const user = deps.index.user(query.userId);
      return {
        user,
        segment: segmentOf(user),
        userRecentItemIds: [...deps.index.recentPositives(query.userId)],
        userRecentTimesMs: [...deps.index.recentPositiveTimes(query.userId)],
      };
    },
  };
}
