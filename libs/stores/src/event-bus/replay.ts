// Rebuilding in-memory state from the bus: replay topics from the start, one after the other, then keep consuming.
import type { DeliveredMessage, EventBus, SubscribeOptions, Subscription } from '../ports';

/** One topic to replay and the handler that applies its batches (it may return dead letters, see {@link SubscribeOptions.handler}). */
export interface ReplayTopic {
  topic: string;
  handler: SubscribeOptions['handler'];
}

/** Replaying subscriptions: `caughtUp` once everything published so far is applied, `stop` to end them. */
export type Replay = Pick<Subscription, 'caughtUp' | 'stop'>;

/**
 * Subscribes to each topic in order, ephemerally from the earliest message (nothing is committed: the state is
 * rebuilt from the log at every start), and waits for each to catch up before subscribing to the next — so, for
 * example, the catalog is complete before the engagement events that refer to it are applied. Resolves once all
 * have caught up; if any step fails, the subscriptions made so far are stopped and the error is rethrown.
 */
export async function replayTopics(bus: EventBus, groupId: string, topics: readonly ReplayTopic[]): Promise<Replay> {
  const subscriptions: Subscription[] = [];
  try {
    for (const { topic, handler } of topics) {
      const subscription = await bus.subscribe({ topic, groupId, from: 'earliest', ephemeral: true, handler });
      subscriptions.push(subscription);
      await subscription.caughtUp();
    }
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

/**
 * Decodes every message of a batch with `decode`; a message that cannot be decoded is handed to `onUndecodable`
 * and left out (redelivering it would never succeed), so one bad payload does not hold up its batch.
 */
export function decodeEach<T>(
  batch: readonly DeliveredMessage[],
  decode: (bytes: Uint8Array) => T,
  onUndecodable: (message: DeliveredMessage, error: unknown) => void,
): T[] {
  const decoded: T[] = [];
  for (const message of batch) {
    try {
      decoded.push(decode(message.value));
    } catch (error) {
      onUndecodable(message, error);
    }
  }
  return decoded;
}
