// Query hydrator `hydrator/user-state`: the user's attributes, segment, recent positive interactions and seed items.
import type { QueryHydrator } from '@recsys/pipeline';
import { historySeeds } from '../sources/seeds';
import type { RecallIndex } from '../state/recall-index';
import type { RecallQuery } from '../types';

/** Dependencies of {@link userStateHydrator}. */
export interface UserStateHydratorDeps {
  index: RecallIndex;
}

/**
 * Adds `user`, `segment`, `userRecentItemIds` and their times, and the personalised channels' `seeds` (session items
 * then recent positives, see `historySeeds`) to the query. An unknown user gets no attributes, segment `all` and no
 * recent items: a cold-start request, answered by the popularity and fresh channels. O(recent + session items).
 */
export function userStateHydrator(deps: UserStateHydratorDeps): QueryHydrator<RecallQuery> {
  return {
    id: 'hydrator/user-state',
    hydrate: async (query) => {
      const { index } = deps;
      const userRecentItemIds = index.recentPositives(query.userId);
      return {
        user: index.user(query.userId),
        segment: index.segmentOfUser(query.userId),
        userRecentItemIds,
        userRecentTimesMs: [...index.recentPositiveTimes(query.userId)],
        seeds: historySeeds({ sessionItemIds: query.sessionItemIds, userRecentItemIds }, index.ids),
      };
    },
  };
}
