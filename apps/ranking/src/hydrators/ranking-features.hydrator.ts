/** Candidate hydrator: builds each candidate's ranking feature vector from the user and item feature records. */
import { rankingFeatures } from '@recsys/features';
import type { CandidateHydrator } from '@recsys/pipeline';
import type { RankingCandidate, RankingQuery } from '../types';

/**
 * Sets `features` = rankingFeatures(user topic affinity, item feature record, item topic): the same function
 * training replays over the event log, so serving and training see the same values. O(n · features).
 */
export const rankingFeaturesHydrator: CandidateHydrator<RankingQuery, RankingCandidate> = {
  id: 'hydrator/ranking-features',
  failOpen: false,
  hydrate: async (query, candidates) => {
    const user = { topicAffinity: query.user.topicAffinity };
    return candidates.map((c) => ({ features: rankingFeatures(user, { features: c.itemFeatures }, c.topic) }));
  },
};
