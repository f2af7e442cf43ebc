// Source `source/user-record`: reads the requested user's record from the feature store.
import { errorMessage } from '@recsys/domain';
import { decodeUserRecord, type UserRecord } from '@recsys/features';
import type { Logger } from '@recsys/logger';
import type { CandidateSource } from '@recsys/pipeline';
import type { FeatureStore } from '@recsys/stores';
import { userKey } from '../keys';
import type { UserCandidate, UserFeaturesQuery } from '../types';

/** Dependencies of {@link userRecordSource}. */
export interface UserRecordSourceDeps {
  store: FeatureStore;
  logger: Logger;
}

/**
 * The single candidate of a user request, with the decoded record (none when the store has no record or it
 * cannot be decoded; the latter is logged and the user is served with defaults). Fails closed: a store failure
 * fails the request.
 */
export function userRecordSource(deps: UserRecordSourceDeps): CandidateSource<UserFeaturesQuery, UserCandidate> {
  return {
    id: 'source/user-record',
    failOpen: false,
    fetch: async (query) => {
      const [bytes] = await deps.store.getMany([userKey(query.userId)]);
      if (bytes === undefined) return [{ id: query.userId }];
      let record: UserRecord;
      try {
        record = decodeUserRecord(bytes);
      } catch (error) {
        deps.logger.warn('undecodable user record, serving defaults', { user_id: query.userId, error: errorMessage(error) });
        return [{ id: query.userId }];
      }
      return [{ id: query.userId, record }];
    },
  };
}
