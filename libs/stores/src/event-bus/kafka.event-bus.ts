// The production EventBus on Apache Kafka (kafkajs): idempotent ordered publishing, consumer groups, dead letters.
import { randomUUID } from 'node:crypto';
import { RecsysError } from '@recsys/domain';
import { Kafka, Partitioners, logLevel, type Admin, type LogEntry, type Producer, type RetryOptions } from 'kafkajs';
import { assertSafeName } from '../internal/names';
import type { EventBus, OutgoingMessage, SubscribeOptions, Subscription } from '../ports';
import { deadLetterMessages, deadLetterTopicOf } from './dead-letters';
import { describeKafkaError, isRetriable } from './kafka-errors';
import { KafkaPublisher } from './kafka-publisher';
import { KafkaSubscription, type KafkaConsumerTuning, type PartitionOffsets } from './kafka-subscription';
import { assertOutgoingMessages } from './outgoing';

/** Options of {@link openKafkaEventBus}. */
export interface KafkaEventBusOptions {
  /** Bootstrap brokers, `host:port`. */
  brokers: readonly string[];
  /** Client id the brokers log and quota by, e.g. `recsys-feature`. */
  clientId: string;
  /**
   * Receives problems the bus works around (handler failures retried, broker outages, consumer restarts) and
   * kafkajs' own warnings and errors. Default: `process.emitWarning`.
   */
  onWarning?: (message: string) => void;
  /** Partitions of topics the bus creates. Default 3. */
  partitions?: number;
  /** Replication factor of topics the bus creates; -1 means the broker's `default.replication.factor`. Default -1. */
  replicationFactor?: number;
  /**
   * Topic configs applied when the bus creates a topic, by topic name, e.g.
   * `{ 'recsys.catalog.v1': { 'cleanup.policy': 'compact' } }`. Existing topics are left as they are.
   */
  topicConfigs?: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** How long a publish keeps retrying (broker down, leader moving) before it rejects with `unavailable`, ms. Default 10,000. */
  publishTimeoutMs?: number;
  /** Most messages waiting for an acknowledgement; a publish beyond it rejects at once with `unavailable`. Default 100,000. */
  maxPendingMessages?: number;
  /** Most estimated bytes per produce request; keep below the topics' `max.message.bytes` (1 MiB). Default 512 KiB. */
  maxRequestBytes?: number;
  /** Consumer group session timeout, ms (the broker's `group.min.session.timeout.ms` is 6,000 by default). Default 10,000. */
  sessionTimeoutMs?: number;
  /** Consumer heartbeat interval, ms: how fast members notice a rebalance. Default 500. */
  heartbeatIntervalMs?: number;
  /** How long a rebalance waits for members to rejoin, ms. Default 10,000. */
  rebalanceTimeoutMs?: number;
  /** Longest a fetch waits on the broker for new messages, ms; bounds how long `stop()` waits for an idle fetch. Default 200. */
  maxWaitTimeMs?: number;
  /** How long `subscribe` waits to join the group and get partitions, ms. Default 30,000. */
  joinTimeoutMs?: number;
  /** How long admin requests (topic creation, offsets) keep retrying a broker that is unavailable, ms. Default 10,000. */
  adminTimeoutMs?: number;
}

/** Default largest batch handed to a handler. */
const DEFAULT_MAX_BATCH = 500;
/** Retries inside one kafkajs operation (connect, metadata, produce); the bus retries whole operations around them. */
const KAFKAJS_RETRY: RetryOptions = { retries: 3, initialRetryTime: 100, maxRetryTime: 1_000, factor: 0.2, multiplier: 2 };
/** Consumers retry their fetch loop longer before kafkajs declares a crash (and restarts them). */
const CONSUMER_RETRY: RetryOptions = { retries: 8, initialRetryTime: 100, maxRetryTime: 2_000, factor: 0.2, multiplier: 2 };
/**
 * kafkajs warns about this on every idempotent producer with bounded retries. Here it does not apply: a send that
 * fails after its retries is resent only by a NEW producer (see KafkaPublisher), so sequence numbers are never reused.
 */
const IGNORED_WARNING = 'Limiting retries for the idempotent producer may invalidate EoS guarantees';
/** A kafkajs warning (or consumer crash report) repeated within this window is counted instead of reported again, ms. */
const REPEAT_WINDOW_MS = 10_000;

function positiveInteger(name: string, value: number | undefined, fallback: number): number {
  const n = value ?? fallback;
  if (!Number.isSafeInteger(n) || n < 1) throw RecsysError.badRequest(name, `must be a positive integer, got ${String(value)}`);
  return n;
}

/**
 * The production {@link EventBus} on Kafka (kafkajs 2.2).
 *
 * Publishing: one idempotent producer (`acks: -1`, one request in flight), publishes sent in call order and batched
 * while a request is in flight; keyed messages are placed by the default (murmur2) partitioner, so one key stays in
 * one partition and in order. A publish resolves when the broker acknowledged all of its messages; while the brokers
 * are unreachable it keeps retrying for `publishTimeoutMs`, then rejects with `unavailable`; beyond
 * `maxPendingMessages` unacknowledged messages it rejects at once.
 *
 * Topics are created on first use (publish or subscribe) through the admin client with `partitions` partitions and
 * `topicConfigs`; automatic topic creation by the broker is not relied on. Dead letters go to
 * `SubscribeOptions.deadLetterTopic` (default `<topic>.dlq`), published before the batch is committed.
 *
 * Consuming: see {@link KafkaSubscription}. A handler batch holds messages of one partition in offset order; order
 * across partitions (different keys) is not defined. `caughtUp()` resolves once, for every partition, the handled
 * position (the group's committed offset for durable groups) reached the high watermark read when it was called.
 */
export class KafkaEventBus implements EventBus {
  private readonly kafka: Kafka;
  private readonly publisher: KafkaPublisher;
  private readonly warn: (message: string) => void;
  private readonly brokers: readonly string[];
  private readonly partitions: number;
  private readonly replicationFactor: number;
  private readonly topicConfigs: Readonly<Record<string, Readonly<Record<string, string>>>>;
  private readonly tuning: KafkaConsumerTuning;
  private readonly joinTimeoutMs: number;
  private readonly adminTimeoutMs: number;
  private admin?: Promise<Admin>;
  /** The last error kafkajs logged, for error messages. */
  private lastKafkaError?: string;
  /** Repeated kafkajs warnings by shape (digits blanked): when last reported and how many were held back since. */
  private readonly repeats = new Map<string, { at: number; held: number }>();
  private readonly topics = new Map<string, Promise<void>>();
  private readonly subscriptions = new Set<KafkaSubscription>();
  private closed = false;
  private closing?: Promise<void>;

  /** Use {@link openKafkaEventBus}. Connections are opened on first use. */
  constructor(options: KafkaEventBusOptions) {
    const { brokers, clientId } = options;
    if (!Array.isArray(brokers) || brokers.length === 0 || brokers.some((b) => typeof b !== 'string' || b.trim() === '')) {
      throw RecsysError.badRequest('brokers', 'must be a non-empty list of host:port strings');
    }
    if (typeof clientId !== 'string' || clientId.trim() === '') throw RecsysError.badRequest('clientId', 'must be a non-empty string');
    this.brokers = [...brokers];
    this.warn = options.onWarning ?? ((message) => process.emitWarning(message, 'EventBusWarning'));
    this.partitions = positiveInteger('partitions', options.partitions, 3);
    this.replicationFactor = options.replicationFactor ?? -1;
    if (!Number.isSafeInteger(this.replicationFactor) || (this.replicationFactor < 1 && this.replicationFactor !== -1)) {
      throw RecsysError.badRequest('replicationFactor', 'must be a positive integer or -1 (the broker default)');
    }
    this.topicConfigs = options.topicConfigs ?? {};
    const sessionTimeout = positiveInteger('sessionTimeoutMs', options.sessionTimeoutMs, 10_000);
    const heartbeatInterval = positiveInteger('heartbeatIntervalMs', options.heartbeatIntervalMs, 500);
    if (heartbeatInterval >= sessionTimeout) throw RecsysError.badRequest('heartbeatIntervalMs', 'must be below sessionTimeoutMs');
    this.tuning = {
      sessionTimeout,
      heartbeatInterval,
      rebalanceTimeout: positiveInteger('rebalanceTimeoutMs', options.rebalanceTimeoutMs, 10_000),
      maxWaitTimeInMs: positiveInteger('maxWaitTimeMs', options.maxWaitTimeMs, 200),
      retry: CONSUMER_RETRY,
    };
    this.joinTimeoutMs = positiveInteger('joinTimeoutMs', options.joinTimeoutMs, 30_000);
    this.adminTimeoutMs = positiveInteger('adminTimeoutMs', options.adminTimeoutMs, 10_000);
    this.kafka = new Kafka({
      clientId,
      brokers: [...brokers],
      retry: KAFKAJS_RETRY,
      logLevel: logLevel.WARN,
      logCreator: () => (entry) => this.log(entry),
    });
    this.publisher = new KafkaPublisher({
      createProducer: () => this.createProducer(),
      ensureTopic: (topic) => this.ensureTopic(topic),
      publishTimeoutMs: positiveInteger('publishTimeoutMs', options.publishTimeoutMs, 10_000),
      maxPendingMessages: positiveInteger('maxPendingMessages', options.maxPendingMessages, 100_000),
      maxRequestBytes: positiveInteger('maxRequestBytes', options.maxRequestBytes, 512 * 1024),
      brokers: this.brokers,
      lastKafkaError: () => this.lastKafkaError,
      warn: this.warn,
    });
  }

  /**
   * Publishes the messages in order (creating the topic on first use); resolves when the broker acknowledged all of
   * them (`acks: -1`). Rejects with bad-request for an invalid topic or message, with unavailable when the bus is
   * closed, when `publishTimeoutMs` passes without an acknowledgement (the messages may still be written), or at once
   * when `maxPendingMessages` would be exceeded.
   */
  async publish(topic: string, messages: OutgoingMessage[]): Promise<void> {
    this.assertOpen();
    assertSafeName('topic', topic);
    assertOutgoingMessages(messages);
    await this.publisher.publish(topic, messages);
  }

  /**
   * Starts consuming (creating the topic on first use); resolves once the consumer joined its group and got its
   * partitions, with the start position fixed: a message published after it resolves is delivered even with
   * `from: 'latest'`. Ephemeral subscriptions use a unique throw-away group (`<groupId>.ephemeral.<uuid>`), deleted
   * when they stop. Handler failures are retried with back-off (100 ms doubling to 2 s) per partition.
   */
  async subscribe(options: SubscribeOptions): Promise<Subscription> {
    this.assertOpen();
    const { topic, groupId, from, ephemeral = false, handler, maxBatch = DEFAULT_MAX_BATCH, concurrentPartitions = 1 } = options;
    assertSafeName('topic', topic);
    assertSafeName('groupId', groupId);
    const deadLetterTopic = deadLetterTopicOf(options);
    assertSafeName('deadLetterTopic', deadLetterTopic);
    if (from !== 'earliest' && from !== 'latest') throw RecsysError.badRequest('from', "must be 'earliest' or 'latest'");
    if (!Number.isInteger(maxBatch) || maxBatch < 1) throw RecsysError.badRequest('maxBatch', 'must be a positive integer');
    if (!Number.isInteger(concurrentPartitions) || concurrentPartitions < 1) throw RecsysError.badRequest('concurrentPartitions', 'must be a positive integer');
    if (typeof handler !== 'function') throw RecsysError.badRequest('handler', 'must be a function');

    await this.ensureTopic(topic);
    const kafkaGroupId = ephemeral ? `${groupId}.ephemeral.${randomUUID()}` : groupId;
    const subscription: KafkaSubscription = new KafkaSubscription({
      kafka: this.kafka,
      tuning: this.tuning,
      topic,
      groupId,
      kafkaGroupId,
      ephemeral,
      from,
      handler,
      maxBatch,
      concurrentPartitions,
      joinTimeoutMs: this.joinTimeoutMs,
      publishDeadLetters: (letters) => this.publisher.publish(deadLetterTopic, deadLetterMessages(letters)),
      topicOffsets: () => this.topicOffsets(topic),
      committedOffsets: () => this.committedOffsets(kafkaGroupId, topic),
      deleteGroup: async () => {
        await (await this.adminClient()).deleteGroups([kafkaGroupId]);
      },
      warn: this.warn,
      warnRepeated: (message) => this.warnRepeated(message),
      onStopped: () => this.subscriptions.delete(subscription),
    });
    this.subscriptions.add(subscription);
    try {
      await subscription.start();
      this.assertOpen();
    } catch (error) {
      await subscription.stop();
      throw error;
    }
    return subscription;
  }

  /**
   * Stops every subscription (each finishes and commits its batch in flight), waits for publishes in flight (each
   * resolves or times out), then disconnects the producer and the admin client.
   */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.subscriptions].map((subscription) => subscription.stop()));
    await this.publisher.drain();
    await this.publisher.close();
    const admin = this.admin;
    this.admin = undefined;
    if (admin !== undefined) await admin.then((client) => client.disconnect()).catch(() => undefined);
  }

  private assertOpen(): void {
    if (this.closed) throw new RecsysError('unavailable', 'event bus is closed');
  }

  private createProducer(): Producer {
    return this.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
      retry: KAFKAJS_RETRY,
    });
  }

  /** Creates the topic unless it exists; one attempt per topic at a time, remembered once it succeeded. */
  private ensureTopic(topic: string): Promise<void> {
    let known = this.topics.get(topic);
    if (known === undefined) {
      const configEntries = Object.entries(this.topicConfigs[topic] ?? {}).map(([name, value]) => ({ name, value }));
      known = this.withAdmin(`creating topic ${topic}`, async (admin) => {
        await admin.createTopics({
          topics: [{ topic, numPartitions: this.partitions, replicationFactor: this.replicationFactor, configEntries }],
          waitForLeaders: true,
        });
      });
      this.topics.set(topic, known);
      known.catch(() => this.topics.delete(topic));
    }
    return known;
  }

  private async topicOffsets(topic: string): Promise<PartitionOffsets[]> {
    const offsets = await this.withAdmin(`reading the offsets of ${topic}`, (admin) => admin.fetchTopicOffsets(topic));
    return offsets.map(({ partition, high, low }) => ({ partition, high: Number(high), low: Number(low) }));
  }

  private async committedOffsets(groupId: string, topic: string): Promise<Map<number, number>> {
    const topics = await this.withAdmin(`reading the committed offsets of group ${groupId}`, (admin) =>
      admin.fetchOffsets({ groupId, topics: [topic] }),
    );
    const committed = new Map<number, number>();
    for (const { partition, offset } of topics.find((t) => t.topic === topic)?.partitions ?? []) {
      const n = Number(offset);
      if (n >= 0) committed.set(partition, n);
    }
    return committed;
  }

  private adminClient(): Promise<Admin> {
    if (this.admin === undefined) {
      const admin = this.kafka.admin({ retry: KAFKAJS_RETRY });
      const connected = admin.connect().then(() => admin);
      this.admin = connected;
      connected.catch(() => {
        if (this.admin === connected) this.admin = undefined;
      });
    }
    return this.admin;
  }

  /**
   * Runs an admin operation, retrying failures Kafka calls retriable (broker down, coordinator loading) with back-off
   * for up to `adminTimeoutMs`; then rejects with `unavailable` (or `internal` for a permanent error).
   */
  private async withAdmin<T>(what: string, operation: (admin: Admin) => Promise<T>): Promise<T> {
    const deadline = Date.now() + this.adminTimeoutMs;
    let delay = 100;
    for (;;) {
      try {
        return await operation(await this.adminClient());
      } catch (error) {
        const retriable = isRetriable(error);
        if (!retriable || Date.now() + delay > deadline || this.closed) {
          throw new RecsysError(
            retriable ? 'unavailable' : 'internal',
            `Kafka (${this.brokers.join(',')}): ${what} failed: ${describeKafkaError(error)}`,
            { cause: error },
          );
        }
      }
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, 1_000);
    }
  }

  /** kafkajs logs at WARN and above go to `onWarning`, except protocol error responses it handles (or rethrows) itself. */
  private log({ namespace, level, log }: LogEntry): void {
    if (level > logLevel.WARN) return;
    const { message, error } = log as { message: string; error?: unknown };
    if (message === IGNORED_WARNING) return;
    if (namespace === 'Connection' && message.startsWith('Response ')) return;
    const line = `kafkajs ${namespace}: ${message}${error === undefined ? '' : `: ${String(error)}`}`;
    if (level === logLevel.ERROR) this.lastKafkaError = line;
    this.warnRepeated(line);
  }

  /**
   * Reports a warning unless one of the same shape was reported in the last 10 s (a broker outage makes kafkajs
   * log every reconnect attempt); the next report of that shape says how many were held back.
   */
  private warnRepeated(message: string): void {
    const shape = message.replace(/\d+/g, '#');
    const now = Date.now();
    const seen = this.repeats.get(shape);
    if (seen !== undefined && now - seen.at < REPEAT_WINDOW_MS) {
      seen.held += 1;
      return;
    }
    if (this.repeats.size > 1_000) this.repeats.clear();
    this.repeats.set(shape, { at: now, held: 0 });
    this.warn(seen !== undefined && seen.held > 0 ? `${message} (${seen.held} more like it held back)` : message);
  }
}

/**
 * Opens a {@link KafkaEventBus}. Nothing is connected yet: the producer, the admin client and each subscription's
 * consumer connect on first use, so this resolves even while the brokers are down (publish and subscribe then fail
 * with `unavailable`).
 */
export async function openKafkaEventBus(options: KafkaEventBusOptions): Promise<KafkaEventBus> {
  return new KafkaEventBus(options);
}
