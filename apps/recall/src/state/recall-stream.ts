// Keeps the RecallIndex up to date from the event bus: replays catalog then engagement, then follows both topics.
import type { Logger } from '@recsys/logger';
import { TOPICS, type DeliveredMessage, type EventBus, type Subscription } from '@recsys/stores';
import { errorMessage } from '@recsys/domain';
import { decodeCatalogUpsert, decodeEngagement } from '@recsys/contracts';
import type { RecallIndex } from './recall-index';

/** Dependencies of {@link startRecallStream}. */
export interface RecallStreamDeps {
  bus: EventBus;
  index: RecallIndex;
  logger: Logger;
  /** Consumer group. Default `recall`. */
  groupId?: string;
}

/** The running subscriptions that feed the index. */
export interface RecallStream {
  /** Resolves when everything published before the call has been applied. */
  caughtUp(): Promise<void>;
  /** Stops both subscriptions. */
  stop(): Promise<void>;
}

/**
 * Subscribes to the catalog and engagement topics (ephemeral, from `earliest`: the index lives in memory and is
 * rebuilt by replay at every start) and resolves once both have caught up with the log. The catalog is replayed
 * to its end before engagement starts, so each replayed event is attributed to its user's segment and its item's
 * topics. Messages that cannot be decoded are logged and skipped (redelivering them would never succeed).
 */
export async function startRecallStream(deps: RecallStreamDeps): Promise<RecallStream> {
  const { bus, index, logger } = deps;
  const groupId = deps.groupId ?? 'recall';
  const skip = (message: DeliveredMessage, error: unknown) =>
    logger.warn('skipping undecodable bus message', { topic: message.topic, offset: message.offset, error: errorMessage(error) });

  const subscriptions: Subscription[] = [];
  try {
    const catalog = await bus.subscribe({
      topic: TOPICS.catalog,
      groupId,
      from: 'earliest',
      ephemeral: true,
      handler: async (batch) => {
        for (const message of batch) {
          let upsert;
          try {
            upsert = decodeCatalogUpsert(message.value);
          } catch (error) {
            skip(message, error);
            continue;
          }
          if (upsert.kind === 'item') index.applyItem(upsert.item, upsert.atMs);
          else index.applyUser(upsert.user, upsert.atMs);
        }
      },
    });
    subscriptions.push(catalog);
    await catalog.caughtUp();

    const engagement = await bus.subscribe({
      topic: TOPICS.engagement,
      groupId,
      from: 'earliest',
      ephemeral: true,
      handler: async (batch) => {
        for (const message of batch) {
          let event;
          try {
            event = decodeEngagement(message.value);
          } catch (error) {
            skip(message, error);
            continue;
          }
          index.applyEvent(event);
        }
      },
    });
    subscriptions.push(engagement);
    await engagement.caughtUp();
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
  };
}
