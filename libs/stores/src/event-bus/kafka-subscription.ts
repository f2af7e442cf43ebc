// One subscription of the Kafka bus: a kafkajs consumer in a group, per-partition batches, commit after the handler.
import { RecsysError, errorMessage } from '@recsys/domain';
import type { Consumer, ConsumerConfig, EachBatchPayload, IHeaders, Kafka, KafkaMessage, RetryOptions } from 'kafkajs';
import type { DeadLetter, DeliveredMessage, SubscribeOptions, Subscription } from '../ports';
import { deadLettersOf } from './dead-letters';
import { describeKafkaError } from './kafka-errors';

/** Offsets of one partition: `low` is the first offset still in the log, `high` the next offset to be written. */
export interface PartitionOffsets {
  partition: number;
  low: number;
  high: number;
}

/** Consumer settings shared by a bus's subscriptions. */
export interface KafkaConsumerTuning {
  sessionTimeout: number;
  rebalanceTimeout: number;
  heartbeatInterval: number;
  maxWaitTimeInMs: number;
  retry: RetryOptions;
}

/** What a subscription needs from its bus. */
export interface KafkaSubscriptionSetup {
  kafka: Kafka;
  tuning: KafkaConsumerTuning;
  topic: string;
  /** The group as the caller named it (for messages). */
  groupId: string;
  /** The Kafka group: `groupId`, or a unique throw-away group for an ephemeral subscription. */
  kafkaGroupId: string;
  ephemeral: boolean;
  from: SubscribeOptions['from'];
  handler: SubscribeOptions['handler'];
  maxBatch: number;
  /** kafkajs `partitionsConsumedConcurrently`: partitions whose batches may be in the handler at once. */
  concurrentPartitions: number;
  /** How long `subscribe` waits for the group join and partition assignment, ms. */
  joinTimeoutMs: number;
  publishDeadLetters: (letters: DeadLetter[]) => Promise<void>;
  /** The topic's offsets, one entry per partition. */
  topicOffsets: () => Promise<PartitionOffsets[]>;
  /** The group's committed offsets (the next offset to consume) per partition; partitions without one are absent. */
  committedOffsets: () => Promise<Map<number, number>>;
  /** Deletes the group (ephemeral subscriptions, once stopped); best effort. */
  deleteGroup: () => Promise<void>;
  warn: (message: string) => void;
  /** Like `warn`, for messages that repeat during an outage (held back when one like it was just reported). */
  warnRepeated: (message: string) => void;
  onStopped: () => void;
}

/** First back-off after a handler failure, ms; doubles per consecutive failure of the partition. */
const RETRY_FIRST_MS = 100;
/** Largest back-off after a handler failure, ms. */
const RETRY_MAX_MS = 2_000;
/** How often a waiting `caughtUp` of a durable group re-reads the group's committed offsets (other members' work), ms. */
const COMMITTED_POLL_MS = 200;
/** Delay before a consumer that kafkajs gave up on is replaced, ms. */
const RELAUNCH_MS = 1_000;

/** Header values arrive as bytes (or lists of them when a name repeats; the last wins); the bus only writes strings. */
function decodeHeaders(headers: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, raw] of Object.entries(headers ?? {})) {
    const value = Array.isArray(raw) ? raw[raw.length - 1] : raw;
    out[name] = value === undefined || value === null ? '' : value.toString();
  }
  return out;
}

/**
 * A subscription on Kafka. Delivery: kafkajs `eachBatch` per partition with `autoCommit: false`; each fetched
 * batch is handed over in chunks of at most `maxBatch`; after a chunk's handler resolved and its dead letters were
 * published, the offset after it is resolved and (durable groups) committed. When the handler throws, the partition
 * is paused for a back-off and nothing more of the batch is resolved, so the next fetch starts again at the failed
 * chunk: the same messages, in the same order.
 *
 * Start positions: a group's committed offsets win. Without one, `earliest` is kafkajs' `fromBeginning`; for `latest`
 * the high watermarks are read before `subscribe` resolves and the consumer seeks there when it is assigned the
 * partition (a durable group also commits them), so nothing published after `subscribe` resolved is skipped.
 * Ephemeral subscriptions use a throw-away group that never commits; when kafkajs rejoins (broker restart, crash) the
 * consumer seeks back to what this subscription already handled instead of replaying from `from`.
 */
export class KafkaSubscription implements Subscription {
  private consumer?: Consumer;
  private stopping = false;
  private stopPromise?: Promise<void>;
  /** Next offset to deliver per partition as far as this member knows: handled (ephemeral) or committed (durable). */
  private readonly positions = new Map<number, number>();
  /** Start offsets of `latest` partitions that had no committed offset, applied by a seek on assignment. */
  private readonly seeds = new Map<number, number>();
  /** Consecutive handler failures per partition. */
  private readonly failures = new Map<number, number>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private relaunchTimer?: NodeJS.Timeout;
  /** Partitions assigned to this member at its last join. */
  private assigned: number[] = [];
  private progressWaiters: (() => void)[] = [];

  constructor(private readonly setup: KafkaSubscriptionSetup) {}

  /** Fixes the start positions and starts the consumer; resolves once it joined the group and got its partitions. */
  async start(): Promise<void> {
    const { ephemeral, from, topic } = this.setup;
    if (!ephemeral) for (const [partition, offset] of await this.setup.committedOffsets()) this.positions.set(partition, offset);
    if (from === 'latest') {
      for (const { partition, high } of await this.setup.topicOffsets()) {
        if (this.positions.has(partition)) continue;
        this.seeds.set(partition, high);
        this.positions.set(partition, high);
      }
    }
    await this.launch();
    const consumer = this.consumer;
    // Only this member's partitions: another member may already have committed past the start read above.
    const starts = this.assigned.filter((partition) => this.seeds.has(partition));
    if (!ephemeral && starts.length > 0 && consumer !== undefined) {
      try {
        await consumer.commitOffsets(starts.map((partition) => ({ topic, partition, offset: String(this.seeds.get(partition)) })));
      } catch (error) {
        // The seek on assignment still applies; only a later member of the group might start elsewhere.
        this.setup.warn(`event bus: committing the start position of group ${this.setup.groupId} on ${topic} failed: ${describeKafkaError(error)}`);
      }
    }
  }

  async caughtUp(): Promise<void> {
    this.assertRunning('catching up');
    const targets = (await this.setup.topicOffsets()).filter(({ low, high }) => high > low);
    let lastPoll = Date.now();
    for (;;) {
      this.assertRunning('catching up');
      if (targets.every(({ partition, high }) => (this.positions.get(partition) ?? -1) >= high)) return;
      if (!this.setup.ephemeral && Date.now() - lastPoll >= COMMITTED_POLL_MS) {
        // Partitions assigned to other members of the group advance only in the group's committed offsets.
        lastPoll = Date.now();
        for (const [partition, offset] of await this.setup.committedOffsets()) this.advance(partition, offset);
        continue;
      }
      await this.progress(COMMITTED_POLL_MS);
    }
  }

  stop(): Promise<void> {
    this.stopPromise ??= this.halt();
    return this.stopPromise;
  }

  private async halt(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.relaunchTimer);
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.wake();
    const consumer = this.consumer;
    this.consumer = undefined;
    try {
      // Stops fetching, waits for the batch in flight (which commits its last chunk), leaves the group.
      await consumer?.disconnect();
    } catch (error) {
      this.setup.warn(`event bus: stopping the Kafka consumer of group ${this.setup.groupId} on ${this.setup.topic} failed: ${describeKafkaError(error)}`);
    }
    if (this.setup.ephemeral) await this.setup.deleteGroup().catch(() => undefined);
    this.setup.onStopped();
  }

  /** Creates, connects and runs a consumer; resolves once it joined the group. */
  private async launch(): Promise<void> {
    const { kafka, tuning, kafkaGroupId, topic, from, joinTimeoutMs, groupId } = this.setup;
    this.assertRunning('starting');
    const consumer = kafka.consumer({
      groupId: kafkaGroupId,
      sessionTimeout: tuning.sessionTimeout,
      rebalanceTimeout: tuning.rebalanceTimeout,
      heartbeatInterval: tuning.heartbeatInterval,
      maxWaitTimeInMs: tuning.maxWaitTimeInMs,
      allowAutoTopicCreation: false,
      retry: { ...tuning.retry, restartOnFailure: async () => !this.stopping },
    } satisfies ConsumerConfig);
    this.consumer = consumer;
    let joined!: () => void;
    const join = new Promise<void>((resolve) => (joined = resolve));
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      this.onJoin(consumer, payload.memberAssignment[topic] ?? []);
      joined();
    });
    consumer.on(consumer.events.CRASH, ({ payload }) => this.onCrash(consumer, payload.error, payload.restart));
    let timer: NodeJS.Timeout | undefined;
    // stop() may run while this awaits; a consumer connected after it would never be disconnected.
    const assertLive = () => this.assertRunning('starting');
    try {
      await consumer.connect();
      assertLive();
      await consumer.subscribe({ topics: [topic], fromBeginning: from === 'earliest' });
      assertLive();
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: this.setup.concurrentPartitions,
        eachBatch: (payload) => this.eachBatch(consumer, payload),
      });
      await Promise.race([
        join,
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new RecsysError('unavailable', `Kafka consumer of group ${groupId} on ${topic} did not join its group within ${joinTimeoutMs} ms`)),
            joinTimeoutMs,
          );
        }),
      ]);
      assertLive();
    } catch (error) {
      if (this.consumer === consumer) this.consumer = undefined;
      await consumer.disconnect().catch(() => undefined);
      throw error instanceof RecsysError
        ? error
        : new RecsysError('unavailable', `Kafka consumer of group ${groupId} on ${topic} could not start: ${describeKafkaError(error)}`, { cause: error });
    } finally {
      clearTimeout(timer);
    }
  }

  /** On every (re)join: seek the assigned partitions to the positions kafkajs does not know (see the class comment). */
  private onJoin(consumer: Consumer, partitions: number[]): void {
    if (consumer !== this.consumer) return;
    this.assigned = partitions;
    for (const partition of partitions) {
      const offset = this.setup.ephemeral ? this.positions.get(partition) : this.seeds.get(partition);
      if (offset !== undefined) consumer.seek({ topic: this.setup.topic, partition, offset: String(offset) });
    }
  }

  /** kafkajs restarts a consumer after retriable failures itself; after any other crash this one is replaced. */
  private onCrash(consumer: Consumer, error: Error, restart: boolean): void {
    if (consumer !== this.consumer || this.stopping) return;
    this.setup.warnRepeated(
      `event bus: Kafka consumer of group ${this.setup.groupId} on ${this.setup.topic} crashed; ` +
        `${restart ? 'kafkajs restarts it' : `replacing it in ${RELAUNCH_MS} ms`}: ${describeKafkaError(error)}`,
    );
    if (!restart) this.relaunchLater();
  }

  private relaunchLater(): void {
    if (this.stopping) return;
    this.consumer = undefined;
    this.relaunchTimer = setTimeout(() => {
      this.launch().catch((error: unknown) => {
        if (this.stopping) return;
        this.setup.warn(`event bus: restarting the Kafka consumer of group ${this.setup.groupId} on ${this.setup.topic} failed: ${errorMessage(error)}`);
        this.relaunchLater();
      });
    }, RELAUNCH_MS);
  }

  private async eachBatch(consumer: Consumer, payload: EachBatchPayload): Promise<void> {
    const { batch, resolveOffset, commitOffsetsIfNecessary, isRunning, isStale, heartbeat, pause } = payload;
    const { topic, maxBatch, ephemeral } = this.setup;
    const partition = batch.partition;
    const messages = batch.messages.map((message) => this.toDelivered(partition, message));
    for (let start = 0; start < messages.length; start += maxBatch) {
      if (this.stopping || consumer !== this.consumer || !isRunning() || isStale()) return;
      const chunk = messages.slice(start, start + maxBatch);
      try {
        const letters = deadLettersOf(await this.withHeartbeats(heartbeat, () => this.setup.handler(chunk.slice())));
        if (letters.length > 0) await this.setup.publishDeadLetters(letters);
      } catch (error) {
        this.backOff(partition, chunk, error, pause);
        return;
      }
      this.failures.delete(partition);
      const next = start + maxBatch >= messages.length ? Number(batch.lastOffset()) + 1 : chunk[chunk.length - 1].offset + 1;
      resolveOffset(String(next - 1));
      // A failed commit throws into kafkajs (which rejoins the group); the chunk is then delivered again.
      if (!ephemeral) await commitOffsetsIfNecessary({ topics: [{ topic, partitions: [{ partition, offset: String(next) }] }] });
      this.seeds.delete(partition);
      this.advance(partition, next);
    }
  }

  private toDelivered(partition: number, message: KafkaMessage): DeliveredMessage {
    return {
      topic: this.setup.topic,
      partition,
      offset: Number(message.offset),
      key: message.key === null ? '' : message.key.toString(),
      // A copy: the fetched buffer holds the whole fetch response, which the handler may otherwise keep alive.
      value: message.value === null ? new Uint8Array(0) : new Uint8Array(message.value),
      headers: decodeHeaders(message.headers),
      timestampMs: Number(message.timestamp),
    };
  }

  /** Keeps the group membership alive while a slow handler runs (kafkajs heartbeats only between batches). */
  private async withHeartbeats<T>(heartbeat: () => Promise<void>, run: () => Promise<T>): Promise<T> {
    const timer = setInterval(() => void heartbeat().catch(() => undefined), this.setup.tuning.heartbeatInterval);
    try {
      return await run();
    } finally {
      clearInterval(timer);
    }
  }

  /** Pauses the partition for 100 ms doubling to 2 s; the next fetch after it resumes starts at the failed chunk. */
  private backOff(partition: number, chunk: DeliveredMessage[], error: unknown, pause: () => () => void): void {
    if (this.stopping) return;
    const failures = (this.failures.get(partition) ?? 0) + 1;
    this.failures.set(partition, failures);
    const delay = Math.min(RETRY_FIRST_MS * 2 ** (failures - 1), RETRY_MAX_MS);
    this.setup.warn(
      `event bus: handler of group ${this.setup.groupId} failed on ${chunk.length} message(s) of ${this.setup.topic} ` +
        `partition ${partition} from offset ${chunk[0].offset}; retrying in ${delay} ms: ${errorMessage(error)}`,
    );
    const resume = pause();
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      resume();
    }, delay);
    this.timers.add(timer);
  }

  private advance(partition: number, offset: number): void {
    if ((this.positions.get(partition) ?? -1) >= offset) return;
    this.positions.set(partition, offset);
    this.wake();
  }

  private wake(): void {
    for (const resolve of this.progressWaiters.splice(0)) resolve();
  }

  /** Resolves on the next position change or stop, or after `ms`. */
  private progress(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.progressWaiters.push(done);
    });
  }

  private assertRunning(what: string): void {
    if (this.stopping) {
      throw new RecsysError('unavailable', `subscription of group ${this.setup.groupId} to ${this.setup.topic} stopped before ${what}`);
    }
  }
}
