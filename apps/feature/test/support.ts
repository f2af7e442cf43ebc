// Helpers of the feature service's end-to-end tests: wire encoding, bus taps, Kafka group seeding, bounded waits.
import { createServer } from 'node:net';
import { Writable } from 'node:stream';
import { CatalogEvent, EngagementEvent, eventToWire, itemToWire, userToWire } from '@recsys/contracts';
import type { EngagementEvent as DomainEvent, Item, User } from '@recsys/domain';
import { createLogger, type Logger } from '@recsys/logger';
import type { DeliveredMessage, EventBus, OutgoingMessage, Subscription } from '@recsys/stores';
import { Kafka, logLevel } from 'kafkajs';

/** A logger that prints nothing. */
export function silentLogger(): Logger {
  return createLogger({ service: 'feature', level: 'error', stream: new Writable({ write: (_c, _e, done) => done() }) });
}

/** Engagement events as bus messages, keyed by user id (as clients publish them). */
export function engagementMessages(events: readonly DomainEvent[]): OutgoingMessage[] {
  return events.map((e) => ({ key: e.userId, value: EngagementEvent.encode(eventToWire(e)).finish() }));
}

/** Catalog upserts as bus messages, accepted at `atMs`. */
export function catalogMessages(items: readonly Item[], users: readonly User[], atMs: number): OutgoingMessage[] {
  const timestampMs = String(atMs);
  return [
    ...users.map((u) => ({ key: u.id, value: CatalogEvent.encode({ entity: { $case: 'user', user: userToWire(u) }, timestampMs }).finish() })),
    ...items.map((i) => ({ key: i.id, value: CatalogEvent.encode({ entity: { $case: 'item', item: itemToWire(i) }, timestampMs }).finish() })),
  ];
}

/** Messages of one topic seen since the tap started, optionally only those with one of `keys`. */
export interface Tap {
  readonly messages: DeliveredMessage[];
  stop(): Promise<void>;
}

/** Starts reading `topic` from its end (a throw-away subscription) and keeps the messages whose key is in `keys`. */
export async function tap(bus: EventBus, topic: string, keys?: ReadonlySet<string>): Promise<Tap> {
  const messages: DeliveredMessage[] = [];
  const sub: Subscription = await bus.subscribe({
    topic,
    groupId: 'feature-e2e-tap',
    from: 'latest',
    ephemeral: true,
    handler: async (batch) => {
      for (const m of batch) if (keys === undefined || keys.has(m.key)) messages.push(m);
    },
  });
  return { messages, stop: () => sub.stop() };
}

/**
 * Commits, for a new Kafka consumer group, the end of `topic` as its position (creating the topic with the bus's
 * default 3 partitions when missing), so the group starts with what is published next instead of the history the
 * shared test broker keeps from earlier runs.
 */
export async function seedGroupAtEnd(brokers: string[], groupId: string, topic: string): Promise<void> {
  const admin = new Kafka({ clientId: 'feature-e2e-admin', brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });
    // Right after a topic is created (or the broker restarted) the admin's metadata can name a stale leader
    // ("This server is not the leader for that topic-partition", a retriable error): ask again, a bounded number of times.
    let offsets: Awaited<ReturnType<typeof admin.fetchTopicOffsets>> | undefined;
    for (let attempt = 1; offsets === undefined; attempt++) {
      try {
        offsets = await admin.fetchTopicOffsets(topic);
      } catch (error) {
        if (attempt >= 20 || !(error as { retriable?: boolean }).retriable) throw error;
        await new Promise((resolve) => setTimeout(resolve, 250));
        await admin.fetchTopicMetadata({ topics: [topic] }).catch(() => undefined); // refreshes the leaders
      }
    }
    await admin.setOffsets({ groupId, topic, partitions: offsets.map(({ partition, high }) => ({ partition, offset: high })) });
  } finally {
    await admin.disconnect();
  }
}

/** Deletes consumer groups that have no members left (best effort: a group that is gone already is fine). */
export async function deleteGroups(brokers: string[], groupIds: string[]): Promise<void> {
  const admin = new Kafka({ clientId: 'feature-e2e-admin', brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    await admin.deleteGroups(groupIds).catch(() => undefined);
  } finally {
    await admin.disconnect();
  }
}

/** The high watermark (next offset) of every partition of `topic`. */
export async function highWatermarks(brokers: string[], topic: string): Promise<Map<number, number>> {
  const admin = new Kafka({ clientId: 'feature-e2e-admin', brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    return new Map((await admin.fetchTopicOffsets(topic)).map(({ partition, high }) => [partition, Number(high)]));
  } finally {
    await admin.disconnect();
  }
}

/** `promise`, or a rejection naming `what` after `ms`. */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}
