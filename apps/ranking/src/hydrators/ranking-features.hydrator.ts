/** Candidate hydrator: builds each candidate's ranking feature vector from the user's record and the item feature columns. */
import { RANKING_ITEM_INPUTS, rankingFeatures, type RankingItemInput } from '@recsys/features';
import type { CandidateHydrator } from '@recsys/pipeline';
import type { RankingCandidate, RankingQuery } from '../types';

/**
 * Sets `features` = rankingFeatures(user topic affinity, item features, item topic): the same function training
 * replays over the event log, so serving and training see the same values. The column of each item input is
 * looked up once per request; each candidate then gets a record of just those few inputs (an input the request
 * does not name takes its declared default). O(n · ranking features).
 */
export const rankingFeaturesHydrator: CandidateHydrator<RankingQuery, RankingCandidate> = {
  id: 'hydrator/ranking-features',
  failOpen: false,
  hydrate: async (query, candidates) => {
    const user = { topicAffinity: query.user.topicAffinity };
    const columnOf = new Map(query.itemFeatureNames.map((name, i) => [name, i]));
    const inputs = RANKING_ITEM_INPUTS.flatMap((name): [RankingItemInput, number][] => {
      const column = columnOf.get(name);
      return column === undefined ? [] : [[name, column]];
    });
    return candidates.map((c) => {
      const features: Record<string, number> = {};
      for (const [name, column] of inputs) features[name] = c.itemValues[column];
      return { features: rankingFeatures(user, { features }, c.topic) };
    });
  },
};
