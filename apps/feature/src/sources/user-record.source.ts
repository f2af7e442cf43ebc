// Source `source/user-record`: the requested user's record and the watermarks, in one getMany.
import { decodeUserRecord } from '@recsys/features';
import type { Logger } from '@recsys/logger';
import type { CandidateSource } from '@recsys/pipeline';
import type { FeatureStore } from '@recsys/stores';
import { userKey } from '../keys';
import type { UserCandidate, UserFeaturesQuery } from '../types';
import { decodeOrWarn, positionsOf, watermarkKeys } from './read-records';

/** Dependencies of {@link userRecordSource}. */
export interface UserRecordSourceDeps {
  store: FeatureStore;
  logger: Logger;
  /** Engagement partitions whose watermarks are read with the record. */
  partitions: number;
}

/**
 * The single candidate of a user request with its decoded record (none when the store has none; a corrupt record is
 * logged and served as missing), read in one `getMany` with the engagement watermarks (recorded in
 * `query.snapshot`). Fails closed: a store failure fails the request.
 */
export function userRecordSource(deps: UserRecordSourceDeps): CandidateSource<UserFeaturesQuery, UserCandidate> {
  const wmKeys = watermarkKeys(deps.partitions);
  return {
    id: 'source/user-record',
    failOpen: false,
    fetch: async (query) => {
      const values = await deps.store.getMany([...wmKeys, userKey(query.userId)]);
      query.snapshot.positions = positionsOf(values.slice(0, wmKeys.length));
      return [{ id: query.userId, record: decodeOrWarn(values[wmKeys.length], decodeUserRecord, deps.logger, { user_id: query.userId }) }];
    },
  };
}
