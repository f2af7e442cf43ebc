// Candidate hydrator `hydrator/user-view`: computes the user's feature view from the record at the query time.
import { userView, type Catalog, type UserFeatureView, type UserRecord } from '@recsys/features';
import type { CandidateHydrator } from '@recsys/pipeline';
import type { UserCandidate, UserFeaturesQuery } from '../types';

/**
 * Adds `view`: the declared user features, recent items and normalised topic affinity computed from the stored
 * record and the catalog's registration attributes at `query.nowMs`; a user with neither gets every default and
 * `known: false`.
 */
export function userViewHydrator(deps: { catalog: Catalog }): CandidateHydrator<UserFeaturesQuery, UserCandidate> {
  return {
    id: 'hydrator/user-view',
    failOpen: false,
    hydrate: async (query, candidates) => candidates.map((c) => ({ view: userViewOf(deps.catalog, c.id, c.record, query.nowMs) })),
  };
}

/** A user's view at `nowMs` from the stored record (if any) and the catalog's registration attributes. */
export function userViewOf(catalog: Catalog, userId: string, record: UserRecord | undefined, nowMs: number): UserFeatureView {
  return userView(userId, { record, user: catalog.user(userId), catalog }, nowMs);
}
