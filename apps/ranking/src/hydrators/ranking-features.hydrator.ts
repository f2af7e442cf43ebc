/** Query hydrator: the ranking features of every candidate of the batch, from the user's affinities and the item columns. */
import { RANKING_FEATURE_NAMES, rankingFeatureMatrix } from '@recsys/features';
import type { QueryHydrator } from '@recsys/pipeline';
import type { RankingQuery } from '../types';

/**
 * Sets `features` = rankingFeatureMatrix(user topic affinity, the batch's item columns and topics): the same function
 * training replays over the event log (row by row), so serving and training see the same values (item inputs the batch
 * does not carry take their declared defaults). O(rows · ranking features).
 */
export const rankingFeaturesHydrator: QueryHydrator<RankingQuery> = {
  id: 'hydrator/ranking-features',
  failOpen: false,
  hydrate: async (query) => {
    const { values } = rankingFeatureMatrix(query.user, query.batch);
    return { features: { names: RANKING_FEATURE_NAMES, rows: query.batch.rows, values } };
  },
};
