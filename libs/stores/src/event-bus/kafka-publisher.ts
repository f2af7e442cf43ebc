// Publishing to Kafka: one ordered queue per bus, sent one idempotent batch at a time and retried until acknowledged.
import { RecsysError } from '@recsys/domain';
import type { Message, Producer } from 'kafkajs';
import type { OutgoingMessage } from '../ports';
import { describeKafkaError, isRetriable, rootCause } from './kafka-errors';

/** What the publisher needs from its bus. */
export interface KafkaPublisherSetup {
  /** A new, not yet connected, idempotent producer. */
  createProducer: () => Producer;
  /** Resolves once the topic exists (creating it when needed). */
  ensureTopic: (topic: string) => Promise<void>;
  /** How long a publish may wait for its acknowledgement before it rejects with `unavailable`, ms. */
  publishTimeoutMs: number;
  /** Most messages waiting for an acknowledgement; a publish beyond it rejects at once with `unavailable`. */
  maxPendingMessages: number;
  /** Most estimated bytes per produce request (Kafka refuses record batches above `max.message.bytes`, 1 MiB). */
  maxRequestBytes: number;
  /** The brokers, for error messages. */
  brokers: readonly string[];
  /** The last error kafkajs reported (e.g. a refused connection), for error messages before any send failed. */
  lastKafkaError: () => string | undefined;
  warn: (message: string) => void;
}

/** One publish call. */
interface PublishRequest {
  topic: string;
  count: number;
  /** Slices not yet acknowledged. */
  unacknowledged: number;
  settled: boolean;
  /** After a permanent error in a shared request, the publish is sent on its own to find out whose error it was. */
  alone: boolean;
  timer?: NodeJS.Timeout;
  resolve: () => void;
  reject: (error: Error) => void;
}

/** A run of a publish's messages small enough for one produce request. */
interface Slice {
  request: PublishRequest;
  messages: Message[];
  bytes: number;
}

/** Estimated record overhead in a record batch (varint lengths, attributes, deltas), bytes. */
const RECORD_OVERHEAD_BYTES = 24;
/** First back-off after a failed send, ms; doubles per consecutive failure. */
const RETRY_FIRST_MS = 100;
/** Largest back-off after a failed send, ms. */
const RETRY_MAX_MS = 1_000;

/** Kafka protocol errors that mean "this record can never be written", reported as bad requests. */
const BAD_REQUEST_TYPES = new Set(['MESSAGE_TOO_LARGE', 'RECORD_LIST_TOO_LARGE', 'INVALID_RECORD', 'CORRUPT_MESSAGE', 'INVALID_TOPIC_EXCEPTION']);
/** Errors about the producer's own id, epoch or sequence numbers: a new producer fixes them. */
const PRODUCER_STATE_TYPES = new Set([
  'OUT_OF_ORDER_SEQUENCE_NUMBER',
  'DUPLICATE_SEQUENCE_NUMBER',
  'UNKNOWN_PRODUCER_ID',
  'INVALID_PRODUCER_EPOCH',
  'INVALID_PRODUCER_ID_MAPPING',
  'PRODUCER_FENCED',
]);

/** The Kafka protocol error type (e.g. `MESSAGE_TOO_LARGE`) behind an error, if any. */
function errorType(error: unknown): string | undefined {
  const type = (rootCause(error) as { type?: unknown } | null)?.type;
  return typeof type === 'string' ? type : undefined;
}

/**
 * Sends publishes in call order, one produce request at a time (so a retry never overtakes a later publish: per-key
 * order holds even for publishes not awaited one by one), batching whatever queued up meanwhile into the next request.
 *
 * Acknowledgement: a publish resolves when kafkajs' `sendBatch` with `acks: -1` resolved for all its messages. A send
 * that fails is retried (back-off 100 ms doubling to 1 s) until it succeeds or every publish in it timed out; before
 * any retry the producer is replaced, so the retried records get a new producer id: an earlier attempt that reached
 * the log after all is then a duplicate (at-least-once), never a lost record (reusing the old producer's sequence
 * numbers for different records could make the broker discard them as duplicates).
 */
export class KafkaPublisher {
  private readonly queue: Slice[] = [];
  private pending = 0;
  private producer?: Producer;
  private connected?: Promise<Producer>;
  private running?: Promise<void>;
  private failures = 0;
  private lastError = '';
  private idle: (() => void)[] = [];

  constructor(private readonly setup: KafkaPublisherSetup) {}

  /**
   * Queues the messages and resolves once Kafka acknowledged all of them; rejects with `unavailable` when that takes
   * longer than `publishTimeoutMs` (the messages may still be written later) or at once when `maxPendingMessages`
   * would be exceeded, and with `bad-request` when Kafka refuses the records themselves.
   */
  publish(topic: string, messages: readonly OutgoingMessage[]): Promise<void> {
    const { maxPendingMessages, publishTimeoutMs } = this.setup;
    if (messages.length === 0) return Promise.resolve();
    if (this.pending + messages.length > maxPendingMessages) {
      return Promise.reject(
        new RecsysError(
          'unavailable',
          `Kafka publish to ${topic} refused: ${this.pending} message(s) are already waiting for an acknowledgement and ` +
            `${messages.length} more would exceed maxPendingMessages (${maxPendingMessages}); the brokers (${this.setup.brokers.join(',')}) ` +
            `are slow or unreachable${this.lastError === '' ? '' : `: ${this.lastError}`}`,
        ),
      );
    }
    return new Promise<void>((resolve, reject) => {
      const request: PublishRequest = { topic, count: messages.length, unacknowledged: 0, settled: false, alone: false, resolve, reject };
      const slices = this.slice(request, messages);
      request.unacknowledged = slices.length;
      this.queue.push(...slices);
      this.pending += messages.length;
      request.timer = setTimeout(() => this.expire(request), publishTimeoutMs);
      this.kick();
    });
  }

  /** Resolves once nothing is queued or in flight (every publish acknowledged, rejected or timed out). */
  drain(): Promise<void> {
    if (this.running === undefined && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  /** Disconnects the producer; call after {@link drain}. */
  async close(): Promise<void> {
    await this.dropProducer();
  }

  /** Messages waiting for an acknowledgement. */
  get pendingMessages(): number {
    return this.pending;
  }

  private slice(request: PublishRequest, messages: readonly OutgoingMessage[]): Slice[] {
    const slices: Slice[] = [];
    let current: Slice | undefined;
    for (const message of messages) {
      const value = Buffer.from(message.value.buffer, message.value.byteOffset, message.value.byteLength);
      const headers = message.headers ?? {};
      let bytes = RECORD_OVERHEAD_BYTES + Buffer.byteLength(message.key) + value.length;
      for (const [name, headerValue] of Object.entries(headers)) bytes += Buffer.byteLength(name) + Buffer.byteLength(headerValue) + 4;
      if (current === undefined || current.bytes + bytes > this.setup.maxRequestBytes) {
        current = { request, messages: [], bytes: 0 };
        slices.push(current);
      }
      current.messages.push({ key: message.key, value, headers: { ...headers } });
      current.bytes += bytes;
    }
    return slices;
  }

  private expire(request: PublishRequest): void {
    if (request.settled) return;
    const reason = this.lastError !== '' ? this.lastError : this.setup.lastKafkaError();
    this.settle(
      request,
      new RecsysError(
        'unavailable',
        `Kafka did not acknowledge ${request.count} message(s) for ${request.topic} within ${this.setup.publishTimeoutMs} ms ` +
          `(brokers ${this.setup.brokers.join(',')})${reason === undefined ? '' : `: ${reason}`}`,
      ),
    );
  }

  /** Settles a request; its slices still queued are dropped. */
  private settle(request: PublishRequest, error?: Error): void {
    if (request.settled) return;
    request.settled = true;
    clearTimeout(request.timer);
    for (let i = this.queue.length - 1; i >= 0; i--) {
      if (this.queue[i].request === request) {
        this.pending -= this.queue[i].messages.length;
        this.queue.splice(i, 1);
      }
    }
    if (error === undefined) request.resolve();
    else request.reject(error);
  }

  private kick(): void {
    this.running ??= this.run().finally(() => {
      this.running = undefined;
      if (this.queue.length > 0) this.kick();
      else for (const resolve of this.idle.splice(0)) resolve();
    });
  }

  private async run(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.take();
      try {
        await this.send(batch);
      } catch (error) {
        await this.failed(batch, error);
        continue;
      }
      if (this.failures > 0) this.setup.warn(`event bus: Kafka accepts publishes again after ${this.failures} failed attempt(s)`);
      this.failures = 0;
      this.lastError = '';
      for (const slice of batch) {
        this.pending -= slice.messages.length;
        slice.request.unacknowledged -= 1;
        if (slice.request.unacknowledged === 0) this.settle(slice.request);
      }
    }
  }

  /** Takes slices from the head of the queue for one produce request, in order. */
  private take(): Slice[] {
    const first = this.queue[0];
    let bytes = first.bytes;
    let end = 1;
    while (end < this.queue.length) {
      const next = this.queue[end];
      if (bytes + next.bytes > this.setup.maxRequestBytes) break;
      if ((first.request.alone || next.request.alone) && next.request !== first.request) break;
      bytes += next.bytes;
      end += 1;
    }
    return this.queue.splice(0, end);
  }

  private async send(batch: Slice[]): Promise<void> {
    const topics: string[] = [];
    const byTopic = new Map<string, Message[]>();
    for (const slice of batch) {
      let messages = byTopic.get(slice.request.topic);
      if (messages === undefined) {
        messages = [];
        byTopic.set(slice.request.topic, messages);
        topics.push(slice.request.topic);
      }
      messages.push(...slice.messages);
    }
    await Promise.all(topics.map((topic) => this.setup.ensureTopic(topic)));
    const producer = await this.connect();
    await producer.sendBatch({ acks: -1, topicMessages: topics.map((topic) => ({ topic, messages: byTopic.get(topic) ?? [] })) });
  }

  /**
   * After a failed send: a new producer before anything is sent again; the unsettled slices back at the head of the
   * queue, in order. A permanent error settles the one publish it belongs to, or sends each publish of a shared
   * request alone to find it; a transient one waits a back-off.
   */
  private async failed(batch: Slice[], error: unknown): Promise<void> {
    const live = batch.filter((slice) => !slice.request.settled);
    for (const slice of batch) if (slice.request.settled) this.pending -= slice.messages.length;
    this.queue.unshift(...live);
    await this.dropProducer();
    const requests = new Set(live.map((slice) => slice.request));
    const type = errorType(error);
    if (!isRetriable(error) && !(type !== undefined && PRODUCER_STATE_TYPES.has(type))) {
      if (requests.size === 1) {
        const [request] = requests;
        const category = type !== undefined && BAD_REQUEST_TYPES.has(type) ? 'bad-request' : 'internal';
        this.settle(request, new RecsysError(category, `Kafka refused the publish to ${request.topic}: ${describeKafkaError(error)}`, { cause: error }));
      } else {
        for (const request of requests) request.alone = true;
      }
      return;
    }
    this.failures += 1;
    this.lastError = describeKafkaError(error);
    const delay = Math.min(RETRY_FIRST_MS * 2 ** (this.failures - 1), RETRY_MAX_MS);
    if (this.failures === 1) this.setup.warn(`event bus: publishing to Kafka failed, retrying every ≤ ${RETRY_MAX_MS} ms: ${this.lastError}`);
    await new Promise((resolve) => setTimeout(resolve, delay));
  }

  private connect(): Promise<Producer> {
    if (this.connected === undefined) {
      const producer = this.setup.createProducer();
      this.producer = producer;
      this.connected = producer.connect().then(
        () => producer,
        async (error: unknown) => {
          await this.dropProducer();
          throw error;
        },
      );
    }
    return this.connected;
  }

  private async dropProducer(): Promise<void> {
    const producer = this.producer;
    this.producer = undefined;
    this.connected = undefined;
    if (producer === undefined) return;
    try {
      await producer.disconnect();
    } catch {
      // Disconnecting a producer whose broker is gone can fail; the sockets are closed either way.
    }
  }
}
