// The feature stream processor: applies catalog and engagement events to the FeatureEngine, writes changed records.
import { errorMessage } from '@recsys/domain';
import { encodeItemRecord, encodeUserRecord, type FeatureEngine } from '@recsys/features';
import type { Logger } from '@recsys/logger';
import { TOPICS, decodeEach, replayTopics, type DeliveredMessage, type EventBus, type FeatureStore, type FeatureWrite } from '@recsys/stores';
import { decodeCatalogUpsert, decodeEngagement } from '@recsys/contracts';
import { itemKey, parseKey, userKey } from '../keys';
import type { EventClock } from './event-clock';

/** Dependencies of {@link startFeatureStream}. */
export interface FeatureStreamDeps {
  bus: EventBus;
  engine: FeatureEngine;
  store: FeatureStore;
  /** Observes every event and upsert time. */
  clock: EventClock;
  logger: Logger;
  /** Consumer group. Default `feature`. */
  groupId?: string;
}

/** The running stream processor. */
export interface FeatureStream {
  /** Resolves when everything published before the call has been applied and written to the store. */
  caughtUp(): Promise<void>;
  /** Stops both subscriptions. */
  stop(): Promise<void>;
}

/**
 * Writes the records of the users and items the engine marked dirty, in ONE `setMany` per call. Calls are
 * serialised; keys whose write failed stay pending and go out with the next call (the failed batch is redelivered
 * by the bus, but the engine ignores its already-applied event ids, so it would not mark them dirty again).
 */
class RecordWriter {
  private readonly pending = new Set<string>();
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly engine: FeatureEngine,
    private readonly store: FeatureStore,
  ) {}

  /** Takes the engine's dirty keys and writes every pending record. */
  flush(): Promise<void> {
    const run = this.chain.then(() => this.write());
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async write(): Promise<void> {
    const dirty = this.engine.takeDirty();
    for (const id of dirty.userIds) this.pending.add(userKey(id));
    for (const id of dirty.itemIds) this.pending.add(itemKey(id));
    if (this.pending.size === 0) return;
    const keys = [...this.pending];
    const writes: FeatureWrite[] = [];
    for (const key of keys) {
      const parsed = parseKey(key);
      if (parsed?.kind === 'user') {
        const record = this.engine.userRecord(parsed.id);
        if (record) writes.push({ key, value: encodeUserRecord(record) });
      } else if (parsed?.kind === 'item') {
        const record = this.engine.itemRecord(parsed.id);
        if (record) writes.push({ key, value: encodeItemRecord(record) });
      }
    }
    // Records were encoded synchronously above; later changes mark the engine dirty again, so clearing is safe.
    await this.store.setMany(writes);
    for (const key of keys) this.pending.delete(key);
  }
}

/**
 * Subscribes to the catalog and engagement topics (group `feature`, ephemeral, from `earliest`: the engine is in
 * memory and rebuilt by replay at every start) and resolves once both have caught up with the log and every
 * replayed record is in the store. The catalog is replayed to its end before engagement starts, so replayed events
 * update creator and user×topic state. Each handled batch ends with one `setMany` of the changed records; the
 * batch is acknowledged only after that write (a failed write is retried by redelivery). Undecodable messages are
 * logged and skipped.
 */
export async function startFeatureStream(deps: FeatureStreamDeps): Promise<FeatureStream> {
  const { bus, engine, clock, logger } = deps;
  const groupId = deps.groupId ?? 'feature';
  const writer = new RecordWriter(engine, deps.store);
  const skip = (message: DeliveredMessage, error: unknown) =>
    logger.warn('skipping undecodable bus message', { topic: message.topic, offset: message.offset, error: errorMessage(error) });

  const applyCatalog = async (batch: DeliveredMessage[]) => {
    for (const upsert of decodeEach(batch, decodeCatalogUpsert, skip)) {
      clock.observe(upsert.atMs);
      if (upsert.kind === 'item') engine.applyCatalogItem(upsert.item);
      else engine.applyUser(upsert.user);
    }
    await writer.flush();
  };

  const applyEngagement = async (batch: DeliveredMessage[]) => {
    for (const event of decodeEach(batch, decodeEngagement, skip)) {
      clock.observe(event.timestampMs);
      engine.applyEvent(event);
    }
    await writer.flush();
  };

  return replayTopics(bus, groupId, [
    { topic: TOPICS.catalog, handler: applyCatalog },
    { topic: TOPICS.engagement, handler: applyEngagement },
  ]);
}
