// Candidate hydrator `hydrator/user-view`: computes the user's feature view from the record at the query time.
import { userViewFromRecord } from '@recsys/features';
import type { CandidateHydrator } from '@recsys/pipeline';
import type { UserCandidate, UserFeaturesQuery } from '../types';

/**
 * Adds `view`: the declared user features, recent items and normalised topic affinity computed from the stored raw
 * record at `query.nowMs` (affinity decay and account age are exact at read time); a user without a record gets
 * every default and `known: false`.
 */
export const userViewHydrator: CandidateHydrator<UserFeaturesQuery, UserCandidate> = {
  id: 'hydrator/user-view',
  failOpen: false,
  hydrate: async (query, candidates) => candidates.map((c) => ({ view: userViewFromRecord(c.id, c.record, query.nowMs) })),
};
