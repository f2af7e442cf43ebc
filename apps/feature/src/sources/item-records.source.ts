// Source `source/item-records`: reads every requested item's record from the feature store in one getMany.
import { errorMessage } from '@recsys/domain';
import { decodeItemRecord, type ItemRecord } from '@recsys/features';
import type { Logger } from '@recsys/logger';
import type { CandidateSource } from '@recsys/pipeline';
import type { FeatureStore } from '@recsys/stores';
import { itemKey } from '../keys';
import type { ItemCandidate, ItemFeaturesQuery } from '../types';

/** Dependencies of {@link itemRecordsSource}. */
export interface ItemRecordsSourceDeps {
  store: FeatureStore;
  logger: Logger;
}

/**
 * One candidate per distinct requested item id, with its decoded record (none when the store has no record, or
 * the record cannot be decoded: that is logged and the item is served with defaults). All keys are read in ONE
 * `getMany` (one round trip, pipelined on Redis). Fails closed: a store failure fails the request.
 */
export function itemRecordsSource(deps: ItemRecordsSourceDeps): CandidateSource<ItemFeaturesQuery, ItemCandidate> {
  return {
    id: 'source/item-records',
    failOpen: false,
    fetch: async (query) => {
      const ids = [...new Set(query.itemIds)];
      const values = await deps.store.getMany(ids.map(itemKey));
      return ids.map((id, i) => {
        const bytes = values[i];
        if (bytes === undefined) return { id };
        let record: ItemRecord;
        try {
          record = decodeItemRecord(bytes);
        } catch (error) {
          deps.logger.warn('undecodable item record, serving defaults', { item_id: id, error: errorMessage(error) });
          return { id };
        }
        return { id, record };
      });
    },
  };
}
