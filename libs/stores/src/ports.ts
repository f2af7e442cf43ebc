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
  /** The partition holding the message (always 0 for the file log); every message of one key is in one partition. */
  partition: number;
  /** Position in the partition; strictly increasing per partition, hence per key. */
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
   * Applies a batch: messages of ONE partition, in offset order. The position is committed only after it resolves
   * (at-least-once); if it throws, the batch is delivered again after a back-off. It may resolve with dead letters:
   * messages it cannot apply (and never will, e.g. undecodable payloads), which are published to
   * {@link SubscribeOptions.deadLetterTopic} before the position is committed (a failed dead-letter publish counts
   * as a handler failure: the batch is delivered again).
   */
  handler: (batch: DeliveredMessage[]) => Promise<void | DeadLetter[]>;
  /** Largest batch handed to the handler. Default 500. */
  maxBatch?: number;
  /**
   * How many partitions' batches the handler may be applying at once. Default 1: one call at a time. Batches of one
   * partition are always handed over one at a time, in offset order, whatever this is. (The file log has one
   * partition per topic, so it always calls one at a time.)
   */
  concurrentPartitions?: number;
  /**
   * Where dead letters go. Default `${topic}.dlq`. Each keeps the original key, value and headers and gains the
   * headers `x-dead-letter-reason`, `x-dead-letter-topic`, `x-dead-letter-partition` and `x-dead-letter-offset`.
   * An ephemeral subscription publishes them again on every replay.
   */
  deadLetterTopic?: string;
}

/** A message a handler gives up on, with the reason (kept in the `x-dead-letter-reason` header). */
export interface DeadLetter {
  message: DeliveredMessage;
  reason: string;
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

/**
 * One merge in a transaction: the store replaces the key's value `v` (undefined when missing or expired) by
 * `operator.merge(v, delta)` of the transaction's {@link TransactOptions.merge} operator, on the server, without the
 * caller reading `v`. Merges of one key from several writers all count, in whatever order they land, so shared
 * records (counters written by every partition) need no optimistic read-modify-write.
 */
export interface FeatureMerge {
  key: string;
  delta: Uint8Array;
  /** Time to live of the merged value in ms (as a write's); absent means no expiry. */
  ttlMs?: number;
  /**
   * The caller's own merge of the value `compute` was given for this key (the key must be one of the keys read)
   * with `delta`, i.e. `operator.merge(given, delta).value`. When the key still holds the value given at commit time
   * the store writes this and skips the operator; otherwise (another client wrote the key meanwhile) it merges
   * `delta` into what the key holds. Saves the server the merge in the common, uncontended case.
   */
  merged?: Uint8Array;
}

/**
 * How a store combines a stored value with a merge's delta (RocksDB calls this a merge operator). It must be
 * associative and commutative in effect — merging deltas `a` then `b` equals `b` then `a` and equals merging their
 * merge — so that concurrent writers may land in any order. The Redis adapter runs {@link MergeOperator.lua} inside
 * the transaction's script; the in-memory adapter runs {@link MergeOperator.merge}: both must give the same bytes.
 */
export interface MergeOperator {
  /** Stable name, unique per operator (names the Redis script). Letters, digits and `_` only. */
  readonly name: string;
  /**
   * The merged value of `current` (undefined when missing) and `delta`. When `current` cannot be read it returns
   * `delta` and reports it by returning `{ value: delta, unreadable: true }`. Pure.
   */
  merge(current: Uint8Array | undefined, delta: Uint8Array): { value: Uint8Array; unreadable: boolean };
  /**
   * Lua 5.1 source (Redis scripting, with its `struct` library) of the same function, as the body of a chunk that
   * defines `local function merge(current, delta)`: `current` is `false` when missing; it returns the merged
   * string and `true` when `current` was unreadable (replaced by `delta`), else `false`.
   */
  readonly lua: string;
}

/** Options of {@link FeatureStore.transact}. */
export interface TransactOptions {
  /** The keys whose concurrent writes make the transaction retry; default every key read. */
  watch?: readonly string[];
  /** The operator of the transaction's merges; required when `compute` returns any {@link FeatureMerge}. */
  merge?: MergeOperator;
  /** Called after the transaction with each merged key whose stored value the operator could not read (replaced). */
  onUnreadable?: (key: string) => void;
}

/** What a transaction's `compute` returns: plain writes and merges, applied together. */
export type TransactWrite = FeatureWrite | FeatureMerge;

/** The feature store (Redis in production, in-memory with disk snapshots embedded). */
export interface FeatureStore {
  /**
   * Reads many keys in one round trip; `undefined` for a missing or expired key, in request order. The arrays answered
   * are read-only: an embedded store hands out the bytes it holds (it never changes them; a write replaces them).
   */
  getMany(keys: readonly string[]): Promise<(Uint8Array | undefined)[]>;
  /**
   * True when `getMany` answers the very arrays the store holds, which a write replaces and never edits: the same
   * array then means the same value, so a reader may keep what it derives from a value keyed by the array (and drops
   * it with the array). Absent or false: every read answers fresh arrays (Redis).
   */
  readonly sharesValues?: boolean;
  /** Writes many keys in one round trip. */
  setMany(writes: readonly FeatureWrite[]): Promise<void>;
  /** Deletes keys. */
  delete(keys: readonly string[]): Promise<void>;
  /**
   * Reads `keys`, calls `compute` with their values (request order, undefined when missing) and applies the
   * writes and merges it returns atomically, such that none of the watched keys (`options.watch`, default all of
   * `keys`) changed value between the read and the write (optimistic concurrency: when one did, everything is read
   * again and `compute` called again, up to `maxAttempts` (default 20), then rejects with a RecsysError
   * 'unavailable'). `compute` must be a pure function of its argument (it may run several times). Writes and merges
   * may name keys outside `keys`; a key is either written or merged, once. Resolves with the number of attempts.
   *
   * `options.watch` narrows the conflict check to those keys (each must be one of `keys`): a caller that knows it
   * is the only writer of the other keys — for as long as it is the writer of a watched key, e.g. a partition's
   * watermark — saves the check of the rest. Merges never conflict: they apply to whatever value the key holds
   * when the transaction commits. Transactions of one client may run concurrently.
   */
  transact(
    keys: readonly string[],
    compute: (values: (Uint8Array | undefined)[]) => TransactWrite[],
    options?: TransactOptions,
  ): Promise<number>;
  close(): Promise<void>;
}

/**
 * Which adapters the services run on: `embedded` (file-log event bus, in-memory feature store with snapshots) or
 * `redis-kafka` (Kafka event bus, Redis feature store).
 */
export type Backend = 'embedded' | 'redis-kafka';

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

/** How a vector collection compares vectors. */
export type VectorDistance = 'cosine' | 'dot' | 'euclid';

/** The shape of a vector collection. */
export interface VectorCollectionSpec {
  /** Number of components of every vector, 1..65,536. */
  dimension: number;
  /** Distance function; fixes how {@link VectorHit.score} is computed. */
  distance: VectorDistance;
}

/** One payload value: what a filter can match on. Numbers must be finite. */
export type VectorPayloadValue = string | number | boolean | string[];

/**
 * Payload of a point. Keys are 1..256 characters without `.`, `[`, `]` or `"` (Qdrant reads those as a path in a
 * filter key); the key `_recsys_id` is reserved (the Qdrant adapter keeps the point's id under it).
 */
export type VectorPayload = Record<string, VectorPayloadValue>;

/** A point to store. */
export interface VectorPoint {
  /** Caller's id, 1..1,024 characters; unique within a collection. */
  id: string;
  /** Exactly `dimension` finite numbers; for a cosine collection not all zero. */
  vector: Float32Array | readonly number[];
  payload?: VectorPayload;
}

/** A stored point as read back. */
export interface VectorRecord {
  id: string;
  /** The stored vector; a cosine collection stores (and returns) it scaled to unit length, as Qdrant does. */
  vector: Float32Array;
  /** The payload, `{}` when the point has none. */
  payload: VectorPayload;
}

/**
 * One filter condition on a payload key. Matching is type-strict (`'1'` does not equal `1`); on a `string[]` value
 * a condition holds when any element matches; a point without the key matches no condition.
 */
export type VectorCondition =
  /** The value (or an element of it) equals `equals`. */
  | { key: string; equals: string | number | boolean }
  /** The value (or an element of it) is one of `anyOf` (at least one value). */
  | { key: string; anyOf: readonly (string | number)[] };

/** A payload filter: every `must` condition holds and no `mustNot` condition holds. Empty lists constrain nothing. */
export interface VectorFilter {
  must?: readonly VectorCondition[];
  mustNot?: readonly VectorCondition[];
}

/** Options of {@link VectorStore.search}. */
export interface VectorSearchOptions {
  /** Maximum number of hits, a positive integer. */
  limit: number;
  /** Only points whose payload passes the filter are returned. */
  filter?: VectorFilter;
  /** Attach each hit's payload. Default false. */
  withPayload?: boolean;
  /**
   * HNSW beam width for this search (higher: better recall, slower); the adapter's default when absent.
   * The search always uses at least `limit`.
   */
  ef?: number;
}

/**
 * A search result. `score` is higher-is-better for every distance:
 * - `cosine`: the cosine similarity, in [-1, 1];
 * - `dot`: the inner product;
 * - `euclid`: minus the Euclidean distance (`-‖a − b‖`, so 0 is an exact match).
 */
export interface VectorHit {
  id: string;
  score: number;
  /** Present when the search asked for payloads (`{}` for a point without one). */
  payload?: VectorPayload;
}

/**
 * A store of vector collections with nearest-neighbour search (Qdrant in production, in-process HNSW embedded).
 * Every argument is validated before anything is written: bad input rejects with a `bad-request` RecsysError
 * naming the field (wrong dimension, bad id, reserved or malformed payload key, bad filter), and an operation on a
 * collection that does not exist rejects with `not-found`.
 */
export interface VectorStore {
  /**
   * Creates the collection when missing; resolves true when it was created, false when it already existed with this
   * spec. An existing collection with another dimension or distance is a `bad-request`.
   */
  ensureCollection(name: string, spec: VectorCollectionSpec): Promise<boolean>;
  /**
   * Inserts or replaces points (a replaced point gets the new vector and the new payload, old payload keys are
   * gone). Within one call a repeated id keeps its last point. Adapters that talk to a server send batches
   * (default 256 points per request), in order.
   */
  upsert(collection: string, points: readonly VectorPoint[]): Promise<void>;
  /** The nearest points, best first (descending `score`; see {@link VectorHit}); at most `limit`. */
  search(collection: string, vector: Float32Array | readonly number[], options: VectorSearchOptions): Promise<VectorHit[]>;
  /** Stored points in request order, `undefined` for ids not stored (duplicates answered each time). */
  get(collection: string, ids: readonly string[]): Promise<(VectorRecord | undefined)[]>;
  /** Removes points; ids not stored are ignored. */
  delete(collection: string, ids: readonly string[]): Promise<void>;
  /** Number of points in the collection. */
  count(collection: string): Promise<number>;
  /** Deletes the collection and its points; resolves false when it did not exist. */
  dropCollection(name: string): Promise<boolean>;
  /** Persists what the adapter persists and releases resources; later calls reject with `unavailable`. */
  close(): Promise<void>;
}
