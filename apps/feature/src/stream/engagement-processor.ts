// The engagement stream processor: applies one bus batch to the feature store in one transaction (users written, items
// and creators merged).
import { decodeEngagement } from '@recsys/contracts';
import { errorMessage, type EngagementEvent } from '@recsys/domain';
import {
  ENTITY_RECORD_MERGE,
  RecordSet,
  applyEngagement,
  busEventRejection,
  decodeCreatorRecord,
  decodeItemRecord,
  decodeUserRecord,
  mergeBlock,
  encodeCreatorRecord,
  encodeItemRecord,
  encodeUserRecord,
  type CatalogLookup,
  type EntityRecord,
} from '@recsys/features';
import type { DeadLetter, DeliveredMessage, FeatureStore, TransactWrite } from '@recsys/stores';
import { MARKER_VALUE, creatorKey, decodeWatermark, encodeWatermark, itemKey, markerKey, userKey, watermarkKey } from '../keys';

/** Knobs of {@link EngagementProcessor}. */
export interface EngagementProcessorOptions {
  /** How long an applied event id is remembered to drop client retries of the same event, ms. */
  markerTtlMs: number;
  /** Records not written for this long expire, ms; absent: never. */
  recordTtlMs?: number;
  /**
   * Called when a stored record cannot be decoded; the batch then treats it as missing and overwrites it (its
   * counts are lost — reads already serve defaults for it — instead of blocking the partition forever). For item and
   * creator records the store reports it after the merge that replaced them.
   */
  onCorruptRecord?: (key: string, error: unknown) => void;
}

/** What one batch did. `applied + duplicates + redelivered + deadLetters.length` is the batch length. */
export interface BatchOutcome {
  applied: number;
  /** Events whose id was already applied (client retries). */
  duplicates: number;
  /**
   * Messages at or before the partition's stored watermark (bus redeliveries, or the replay of an embedded log),
   * malformed ones included: they were handled before and change nothing now.
   */
  redelivered: number;
  /** Malformed messages after the watermark: handled now for the first time, for the dead-letter topic. */
  deadLetters: DeadLetter[];
  /**
   * Malformed messages at or before the watermark (counted in `redelivered`): dead-lettered when first handled,
   * unless that dead-letter publish failed (which is why the batch came again). See `FeatureStream` for which are
   * published again.
   */
  redeliveredDeadLetters: DeadLetter[];
  /** The partition's stored watermark the batch was applied after (−1 when none). */
  watermark: number;
  /** Transaction attempts (more than 1 when another applier of the same partition moved its watermark meanwhile). */
  attempts: number;
  /** The latest event time of the batch's well-formed events, ms; −Infinity when none. */
  latestEventMs: number;
}

interface Decoded {
  offset: number;
  event: EngagementEvent;
}

/**
 * Applies engagement batches to the feature store. One batch (one partition, offset order) is ONE
 * `FeatureStore.transact`: it reads the partition's watermark, the markers of the batch's event ids and the records
 * of its users, items and creators; applies every event after the watermark whose id has no marker with
 * {@link applyEngagement}; and atomically writes the changed user records, the new markers and the new watermark, and
 * MERGES the batch's counts of each item and creator (a delta record) into their stored records
 * ({@link ENTITY_RECORD_MERGE}): with the delta goes the processor's own merge into the value it read, which the store
 * writes when the key still holds that value, and otherwise merges the delta into what it holds (Redis: in the
 * commit script). So:
 * - a batch redelivered after a crash between the store write and the bus commit changes nothing (watermark);
 * - the same event sent twice (a client retry, another offset) is applied once while its marker lives;
 * - several processors (a consumer group, or one process applying its partitions concurrently) share items and
 *   creators without conflicts: merges add counts whatever their order, so no batch re-reads or retries for them.
 *   Users and markers need no conflict check: events are keyed by user, so only the applier of the user's partition
 *   writes them (this holds while the topic's partition count stays the same); the watermark is the one watched key,
 *   so a batch that another applier of the same partition got in before (a rebalance) is re-read and re-applied.
 * Malformed messages are returned as dead letters and advance the watermark like applied ones.
 * The catalog entries of the batch's items are read once, before the transaction, so every attempt credits the
 * same creators.
 */
export class EngagementProcessor {
  constructor(
    private readonly store: FeatureStore,
    private readonly catalog: CatalogLookup,
    private readonly options: EngagementProcessorOptions,
  ) {}

  /** The last offset of `topic`/`partition` applied to the store (−1 when none). One store read. */
  async watermark(topic: string, partition: number): Promise<number> {
    const [bytes] = await this.store.getMany([watermarkKey(topic, partition)]);
    return decodeWatermark(bytes);
  }

  private decodeOrDrop<T>(key: string, bytes: Uint8Array | undefined, decode: (b: Uint8Array) => T): T | undefined {
    if (bytes === undefined) return undefined;
    try {
      return decode(bytes);
    } catch (error) {
      this.options.onCorruptRecord?.(key, error);
      return undefined;
    }
  }

  /** Applies one batch of one partition. */
  async applyBatch(batch: readonly DeliveredMessage[]): Promise<BatchOutcome> {
    if (batch.length === 0) {
      const latestEventMs = Number.NEGATIVE_INFINITY;
      return { applied: 0, duplicates: 0, redelivered: 0, deadLetters: [], redeliveredDeadLetters: [], watermark: -1, attempts: 0, latestEventMs };
    }
    const { topic, partition } = batch[0];
    const malformed: DeadLetter[] = [];
    const decoded: Decoded[] = [];
    for (const message of batch) {
      let event: EngagementEvent;
      try {
        event = decodeEngagement(message.value);
      } catch (error) {
        malformed.push({ message, reason: errorMessage(error) });
        continue;
      }
      const reason = busEventRejection(event, message.timestampMs);
      if (reason) malformed.push({ message, reason });
      else decoded.push({ offset: message.offset, event });
    }

    const wmKey = watermarkKey(topic, partition);
    const eventIds = [...new Set(decoded.map((d) => d.event.eventId))];
    const userIds = [...new Set(decoded.map((d) => d.event.userId))];
    // The batch's view of the catalog, fixed for every attempt of the transaction (see the class comment).
    const items = new Map<string, ReturnType<CatalogLookup['item']>>();
    for (const d of decoded) if (!items.has(d.event.itemId)) items.set(d.event.itemId, this.catalog.item(d.event.itemId));
    const catalog: CatalogLookup = { item: (id) => items.get(id) };
    const itemIds = [...items.keys()];
    const creatorIds = [...new Set([...items.values()].map((item) => item?.creatorId).filter((c): c is string => c !== undefined))];
    const keys = [wmKey, ...eventIds.map(markerKey), ...userIds.map(userKey), ...itemIds.map(itemKey), ...creatorIds.map(creatorKey)];
    const lastOffset = batch[batch.length - 1].offset;

    let outcome = { applied: 0, duplicates: 0, redelivered: 0, watermark: -1 };
    const attempts = await this.store.transact(
      keys,
      (values) => {
        const watermark = decodeWatermark(values[0]);
        outcome = { applied: 0, duplicates: 0, redelivered: 0, watermark };
        if (watermark >= lastOffset) {
          outcome.redelivered = decoded.length;
          return [];
        }
        let at = 1;
        const seen = new Set<string>();
        for (const id of eventIds) if (values[at++] !== undefined) seen.add(id);
        // Users are read and rewritten; items and creators start empty here and end as the batch's deltas.
        const records = new RecordSet();
        for (const id of userIds) {
          const bytes = values[at++];
          const record = this.decodeOrDrop(userKey(id), bytes, decodeUserRecord);
          if (record) records.users.set(id, record);
        }
        const stored = new Map<string, Uint8Array | undefined>();
        for (const id of itemIds) stored.set(itemKey(id), values[at++]);
        for (const id of creatorIds) stored.set(creatorKey(id), values[at++]);
        const applied: string[] = [];
        for (const { offset, event } of decoded) {
          if (offset <= watermark) outcome.redelivered++;
          else if (seen.has(event.eventId)) outcome.duplicates++;
          else {
            seen.add(event.eventId);
            applied.push(event.eventId);
            applyEngagement(records, catalog, event);
          }
        }
        outcome.applied = applied.length;
        const ttlMs = this.options.recordTtlMs;
        const writes: TransactWrite[] = [];
        for (const id of records.changedUsers) writes.push({ key: userKey(id), value: encodeUserRecord(records.users.get(id)!), ttlMs });
        // Each delta goes with its merge into the value read (ENTITY_RECORD_MERGE's result, computed here on the
        // decoded delta): the store writes that unless the key changed since.
        const merge = (key: string, delta: EntityRecord, decode: (b: Uint8Array) => EntityRecord, encode: (r: EntityRecord) => Uint8Array): TransactWrite => {
          const deltaBytes = encode(delta);
          const base = this.decodeOrDrop(key, stored.get(key), decode);
          if (base === undefined) return { key, delta: deltaBytes, merged: deltaBytes, ttlMs };
          mergeBlock(base.counters, delta.counters);
          return { key, delta: deltaBytes, merged: encode(base), ttlMs };
        };
        for (const id of records.changedItems) writes.push(merge(itemKey(id), records.items.get(id)!, decodeItemRecord, encodeItemRecord));
        for (const id of records.changedCreators) writes.push(merge(creatorKey(id), records.creators.get(id)!, decodeCreatorRecord, encodeCreatorRecord));
        for (const id of applied) writes.push({ key: markerKey(id), value: MARKER_VALUE, ttlMs: this.options.markerTtlMs });
        writes.push({ key: wmKey, value: encodeWatermark(lastOffset) });
        return writes;
      },
      { watch: [wmKey], merge: ENTITY_RECORD_MERGE, onUnreadable: (key) => this.options.onCorruptRecord?.(key, new Error('unreadable stored record replaced by the server merge')) },
    );
    const { applied, duplicates, watermark } = outcome;
    const fresh = malformed.filter((d) => d.message.offset > watermark);
    const redeliveredDeadLetters = malformed.filter((d) => d.message.offset <= watermark);
    const redelivered = outcome.redelivered + redeliveredDeadLetters.length;
    const latestEventMs = decoded.reduce((max, d) => Math.max(max, d.event.timestampMs), Number.NEGATIVE_INFINITY);
    return { applied, duplicates, redelivered, deadLetters: fresh, redeliveredDeadLetters, watermark, attempts, latestEventMs };
  }
}
