// Source `source/item-records`: every requested item's and creator's record and the watermarks, in ONE getMany.
import { decodeUserRecord, readEntityRecord, type Catalog, type EntityRecord } from '@recsys/features';
import type { Logger } from '@recsys/logger';
import type { CandidateSource } from '@recsys/pipeline';
import type { FeatureStore } from '@recsys/stores';
import { creatorKey, itemKey, userKey } from '../keys';
import type { ItemCandidate, ItemFeaturesQuery } from '../types';
import { decodeOrWarn, positionsOf, watermarkKeys } from './read-records';

// Records read for serving: windows decoded only if a requested feature reads them (most requests need totals only).
type EntityReader = (bytes: Uint8Array) => EntityRecord;

/**
 * The item and creator readers of one source. When the store shares the arrays it holds (`sharesValues`: an array is
 * one version of a record), a record is decoded once per version and kept with its array (a WeakMap: dropped when a
 * write replaces the array); otherwise every read decodes.
 */
function entityReaders(store: FeatureStore): { readItem: EntityReader; readCreator: EntityReader } {
  if (!store.sharesValues) {
    return { readItem: (bytes) => readEntityRecord('item', bytes), readCreator: (bytes) => readEntityRecord('creator', bytes) };
  }
  const decoded = new WeakMap<Uint8Array, EntityRecord>();
  const cached = (kind: 'item' | 'creator'): EntityReader => (bytes) => {
    let record = decoded.get(bytes);
    if (record === undefined) decoded.set(bytes, (record = readEntityRecord(kind, bytes)));
    return record;
  };
  return { readItem: cached('item'), readCreator: cached('creator') };
}

/** Dependencies of {@link itemRecordsSource}. */
export interface ItemRecordsSourceDeps {
  store: FeatureStore;
  catalog: Catalog;
  logger: Logger;
  /** Engagement partitions whose watermarks are read with the records. */
  partitions: number;
}

/**
 * One candidate per distinct requested item id, with its catalog entry, its record and its creator's (the creator comes
 * from the in-memory catalog, so both are read together). All keys — `i:<item>`, `c:<creator>`, the engagement
 * watermarks and, when `query.userId` is set, `u:<user>` (into `query.user`) — are read in ONE `getMany` (one MGET on
 * Redis), which also makes the read one consistent snapshot recorded in `query.snapshot`. A corrupt record is logged
 * and served as missing. Records are decoded once per stored version when the store shares its arrays. Fails closed:
 * a store failure fails the request.
 */
export function itemRecordsSource(deps: ItemRecordsSourceDeps): CandidateSource<ItemFeaturesQuery, ItemCandidate> {
  const wmKeys = watermarkKeys(deps.partitions);
  const { readItem, readCreator } = entityReaders(deps.store);
  return {
    id: 'source/item-records',
    failOpen: false,
    fetch: async (query) => {
      const ids = [...new Set(query.itemIds)];
      // Each item's catalog entry is looked up once: it names the creator whose record is read with the item's.
      const items = ids.map((id) => deps.catalog.item(id));
      const creators = [...new Set(items.flatMap((item) => (item ? [item.creatorId] : [])))];
      const keys = [...wmKeys];
      for (const id of ids) keys.push(itemKey(id));
      for (const c of creators) keys.push(creatorKey(c));
      if (query.userId !== undefined) keys.push(userKey(query.userId));
      const values = await deps.store.getMany(keys);
      query.snapshot.positions = positionsOf(values.slice(0, wmKeys.length));
      if (query.userId !== undefined) {
        query.user = { record: decodeOrWarn(values[keys.length - 1], decodeUserRecord, deps.logger, { user_id: query.userId }) };
      }
      const creatorRecords = new Map(
        creators.map((c, i) => [c, decodeOrWarn(values[wmKeys.length + ids.length + i], readCreator, deps.logger, { creator_id: c })]),
      );
      return ids.map((id, i) => {
        const item = items[i];
        return {
          id,
          item,
          record: decodeOrWarn(values[wmKeys.length + i], readItem, deps.logger, { item_id: id }),
          creator: item === undefined ? undefined : creatorRecords.get(item.creatorId),
        };
      });
    },
  };
}
