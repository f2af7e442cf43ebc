/**
 * Ports: each stateful dependency is an interface with a production adapter and an embedded default
 * (DESIGN.md, "Ports and adapters"). Embedded defaults are real implementations and pass the same contract suites.
 */

/** A message to publish. */
export interface OutgoingMessage {
  /** Partitioning key (the user id for engagement events): messages with one key are delivered in order. */
  key: string;
  /** Encoded payload (protobuf). */
  value: Uint8Array;
  /** Headers, e.g. W3C `traceparent`. */
  headers?: Record<string, string>;
}

/** A message as delivered to a consumer. */
export interface DeliveredMessage extends OutgoingMessage {
  topic: string;
  /** Position in the topic (partition-local for Kafka); strictly increasing per key. */
  offset: number;
  /** When the bus accepted it, ms since the Unix epoch. */
  timestampMs: number;
  headers: Record<string, string>;
}

/** How a subscription starts and keeps its position. */
export interface SubscribeOptions {
  topic: string;
  /** Consumer group: members share the work and the committed position. */
  groupId: string;
  /**
   * Where to start when the group has no committed position:
   * `earliest` replays the whole topic, `latest` only new messages.
   */
  from: 'earliest' | 'latest';
  /**
   * When true the position is never committed and every start replays from `from`
   * (for consumers whose state is rebuilt in memory from the log).
   */
  ephemeral?: boolean;
  /**
   * Applies a batch. The position is committed only after it resolves (at-least-once);
   * if it throws, the batch is delivered again after a back-off.
   */
  handler: (batch: DeliveredMessage[]) => Promise<void>;
  /** Largest batch handed to the handler. Default 500. */
  maxBatch?: number;
}

/** A running subscription. */
export interface Subscription {
  /** Resolves when everything published before the call has been handled (for tests and start-up). */
  caughtUp(): Promise<void>;
  /** Stops consuming after the batch in flight and commits its position. */
  stop(): Promise<void>;
}

/** The event bus (Kafka in production, a log file on disk embedded). */
export interface EventBus {
  /** Appends messages durably; resolves when the bus has acknowledged all of them. */
  publish(topic: string, messages: OutgoingMessage[]): Promise<void>;
  subscribe(options: SubscribeOptions): Promise<Subscription>;
  close(): Promise<void>;
}

/** One write to the feature store. */
export interface FeatureWrite {
  key: string;
  value: Uint8Array;
  /** Time to live in ms; absent means no expiry. */
  ttlMs?: number;
}

/** The feature store (Redis in production, in-memory with disk snapshots embedded). */
export interface FeatureStore {
  /** Reads many keys in one round trip; `undefined` for a missing or expired key, in request order. */
  getMany(keys: readonly string[]): Promise<(Uint8Array | undefined)[]>;
  /** Writes many keys in one round trip. */
  setMany(writes: readonly FeatureWrite[]): Promise<void>;
  /** Deletes keys. */
  delete(keys: readonly string[]): Promise<void>;
  close(): Promise<void>;
}

/** A versioned model artifact. */
export interface ModelVersion {
  /** Model name, e.g. `ranking/logistic`. */
  name: string;
  /** Version string; versions of one model sort lexicographically in publication order. */
  version: string;
  /** Files of the version. */
  files: string[];
}

/** The model store (a bucket in production, a local directory embedded). */
export interface ModelStore {
  /** The newest version of a model, or undefined when none is published. */
  latest(name: string): Promise<ModelVersion | undefined>;
  /** Reads one file of a version. */
  read(name: string, version: string, file: string): Promise<Uint8Array>;
  /** Publishes a new version atomically: readers see all of its files or none. */
  publish(name: string, version: string, files: Record<string, Uint8Array>): Promise<ModelVersion>;
  /**
   * Calls `onVersion` whenever a newer version of the model is published; returns a stop function.
   * Versions are reported when greater than `since` (default: the latest version when `watch` is called);
   * pass the version already loaded to close the gap between `latest()` and `watch()`.
   */
  watch(name: string, onVersion: (version: ModelVersion) => void, pollMs?: number, since?: string): () => void;
}
