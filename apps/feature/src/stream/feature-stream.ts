// The feature stream: the catalog replayed into memory, then engagement batches applied to the feature store.
import { decodeCatalogUpsert } from '@recsys/contracts';
import { errorMessage } from '@recsys/domain';
import type { Catalog } from '@recsys/features';
import type { Logger } from '@recsys/logger';
import { TOPICS, decodeEach, type DeliveredMessage, type EventBus, type Subscription } from '@recsys/stores';
import type { EventClock } from './event-clock';
import type { EngagementProcessor } from './engagement-processor';

/** Dependencies of {@link startFeatureStream}. */
export interface FeatureStreamDeps {
  bus: EventBus;
  catalog: Catalog;
  processor: EngagementProcessor;
  /** Observes every event and upsert time. */
  clock: EventClock;
  logger: Logger;
  /**
   * How the engagement subscription keeps its position:
   * - `group`: a durable consumer group (Kafka + Redis: the store holds the state, the group the position);
   * - `replay`: from the earliest message at every start, skipping what the store's watermark says was applied
   *   (embedded: the in-memory store is restored from its snapshot, which may lag the bus).
   */
  engagementMode: 'group' | 'replay';
  /** Consumer group of the engagement subscription; the catalog's is `<groupId>-catalog`. Default `feature`. */
  groupId?: string;
  /**
   * Largest engagement batch, i.e. events per store transaction. Default {@link ENGAGEMENT_BATCH}. Measured on the
   * in-process store (docs/benchmarks.md): 500 cost less CPU than 2,000 or 20,000 — a larger batch saves record
   * decodes and encodes but its garbage outlives young-generation collections.
   */
  maxBatch?: number;
  /** Partitions applied at once (Kafka; their store round trips overlap). Default {@link ENGAGEMENT_PARTITIONS_AT_ONCE}. */
  concurrentPartitions?: number;
}

/** Default largest engagement batch (events per store transaction). */
export const ENGAGEMENT_BATCH = 500;
/**
 * Default number of engagement partitions applied at once. Partitions share no written key (users and markers belong
 * to one partition, items and creators are merged), so their batches never conflict.
 */
export const ENGAGEMENT_PARTITIONS_AT_ONCE = 4;

/** The running stream processor. */
export interface FeatureStream {
  /** Resolves when everything published before the call has been applied and written to the store. */
  caughtUp(): Promise<void>;
  /** Stops both subscriptions (the batch in flight finishes and is committed). */
  stop(): Promise<void>;
}

/** Counters of the stream since start. */
export interface FeatureStreamStats {
  applied: number;
  duplicates: number;
  redelivered: number;
  deadLettered: number;
  conflicts: number;
}

/**
 * Subscribes to the catalog (ephemeral, from the earliest message: every replica keeps the whole catalog in memory;
 * the topic is compacted by id) and waits for it to catch up, then to the engagement topic, and resolves once that
 * has caught up too. Each engagement batch is one store transaction ({@link EngagementProcessor}), several partitions'
 * at once; its position is
 * committed only after the transaction and after its malformed messages were dead-lettered to
 * `recsys.engagement.v1.dlq`. A failed transaction (store down) fails the batch, which the bus redelivers.
 * A malformed message is dead-lettered at least once: again when its batch is redelivered, but not when a replay
 * (embedded) meets it at or before the watermark the store held at start.
 */
export async function startFeatureStream(deps: FeatureStreamDeps): Promise<FeatureStream & { stats: () => FeatureStreamStats }> {
  const { bus, catalog, processor, clock, logger } = deps;
  const groupId = deps.groupId ?? 'feature';
  const stats: FeatureStreamStats = { applied: 0, duplicates: 0, redelivered: 0, deadLettered: 0, conflicts: 0 };
  const skip = (message: DeliveredMessage, error: unknown) =>
    logger.warn('skipping undecodable catalog message', { topic: message.topic, offset: message.offset, error: errorMessage(error) });

  const applyCatalog = async (batch: DeliveredMessage[]) => {
    for (const upsert of decodeEach(batch, decodeCatalogUpsert, skip)) {
      clock.observe(upsert.atMs);
      if (upsert.kind === 'item') catalog.upsertItem(upsert.item);
      else catalog.upsertUser(upsert.user);
    }
  };

  // Malformed messages at or before the watermark come again after a failure (maybe of their dead-letter publish):
  // they are published again (at least once). Except, in replay mode, those the store already held when this
  // stream first saw the partition: earlier runs dead-lettered them, and every start replays them.
  const replayedUpTo = new Map<number, number>();

  const applyEngagement = async (batch: DeliveredMessage[]) => {
    if (batch.length === 0) return [];
    const { topic, partition } = batch[0];
    if (deps.engagementMode === 'replay' && !replayedUpTo.has(partition)) replayedUpTo.set(partition, await processor.watermark(topic, partition));
    const outcome = await processor.applyBatch(batch);
    clock.observe(outcome.latestEventMs);
    stats.applied += outcome.applied;
    stats.duplicates += outcome.duplicates;
    stats.redelivered += outcome.redelivered;
    stats.conflicts += Math.max(0, outcome.attempts - 1);
    const before = replayedUpTo.get(partition) ?? -1;
    const letters = [...outcome.redeliveredDeadLetters.filter((d) => d.message.offset > before), ...outcome.deadLetters];
    stats.deadLettered += letters.length;
    for (const dead of letters) {
      logger.warn('dead-lettering a malformed engagement event', { partition, offset: dead.message.offset, reason: dead.reason });
    }
    return letters;
  };

  const subscriptions: Subscription[] = [];
  try {
    const catalogSub = await bus.subscribe({ topic: TOPICS.catalog, groupId: `${groupId}-catalog`, from: 'earliest', ephemeral: true, handler: applyCatalog });
    subscriptions.push(catalogSub);
    await catalogSub.caughtUp();
    const engagementSub = await bus.subscribe({
      topic: TOPICS.engagement,
      groupId,
      from: 'earliest',
      ephemeral: deps.engagementMode === 'replay',
      handler: applyEngagement,
      maxBatch: deps.maxBatch ?? ENGAGEMENT_BATCH,
      concurrentPartitions: deps.concurrentPartitions ?? ENGAGEMENT_PARTITIONS_AT_ONCE,
    });
    subscriptions.push(engagementSub);
    await engagementSub.caughtUp();
  } catch (error) {
    await Promise.allSettled(subscriptions.map((s) => s.stop()));
    throw error;
  }
  return {
    caughtUp: async () => {
      await Promise.all(subscriptions.map((s) => s.caughtUp()));
    },
    stop: async () => {
      await Promise.all(subscriptions.map((s) => s.stop()));
    },
    stats: () => ({ ...stats }),
  };
}
