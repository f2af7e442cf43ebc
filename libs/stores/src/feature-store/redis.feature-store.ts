// The production FeatureStore: Redis through ioredis; one MGET per read, one pipeline per write batch, WATCH/MULTI/EXEC
// transactions on a second connection; fails fast while Redis is unreachable and reconnects by itself.
import { Redis, type ChainableCommander, type RedisOptions } from 'ioredis';
import { RecsysError } from '@recsys/domain';
import type { FeatureStore, FeatureWrite, TransactOptions } from '../ports';
import { validateWrites } from './feature-writes';

/** Options of {@link openRedisFeatureStore}. */
export interface RedisFeatureStoreOptions {
  /** `redis://[[user]:password@]host[:port][/db]`, or `rediss://` for TLS (config: `REDIS_URL`). */
  url: string;
  /** A command without a reply after this many ms rejects with `unavailable`. Default 1,000. */
  commandTimeoutMs?: number;
  /**
   * How long {@link openRedisFeatureStore} waits for both connections to be ready, ms; also the timeout of each TCP
   * connection attempt. Default 5,000.
   */
  connectTimeoutMs?: number;
  /**
   * Longest pause between reconnection attempts, ms: the pause doubles from 50 ms up to this, plus up to 50 ms of
   * random jitter. Reconnection never gives up. Default 2,000.
   */
  maxReconnectDelayMs?: number;
  /** Attempts of one {@link RedisFeatureStore.transact} before it rejects with `unavailable`. Default 20. */
  maxAttempts?: number;
  /** Receives connection losses and recoveries (one message per change). Default: `process.emitWarning`. */
  onWarning?: (message: string) => void;
}

/** `url` without its password, for messages. */
function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable url)';
  }
}

function positive(value: number | undefined, fallback: number, field: string): number {
  if (value === undefined) return fallback;
  if (!(value > 0 && Number.isFinite(value))) throw RecsysError.badRequest(field, 'must be a positive number');
  return value;
}

/** A view of `value` as a Buffer (no copy), which ioredis sends as bytes; it would stringify a plain Uint8Array. */
function asBuffer(value: Uint8Array): Buffer {
  return Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
}

/** Queues `SET key value [PX ttl]` (Redis wants whole milliseconds: a fractional TTL is rounded up). */
function queueSet(commands: ChainableCommander, write: FeatureWrite): void {
  if (write.ttlMs === undefined) commands.set(write.key, asBuffer(write.value));
  else commands.set(write.key, asBuffer(write.value), 'PX', Math.ceil(write.ttlMs));
}

/**
 * `SET key value [PX ttl]` for many keys in ONE command: KEYS are the keys, ARGV the values then the TTLs (0: none).
 * One command instead of thousands keeps the client's per-command cost out of large transactions.
 */
const SET_MANY_SCRIPT = `
local n = #KEYS
for i = 1, n do
  local ttl = tonumber(ARGV[n + i])
  if ttl > 0 then redis.call('SET', KEYS[i], ARGV[i], 'PX', ttl) else redis.call('SET', KEYS[i], ARGV[i]) end
end
return n`;

/** Writes at or above this count go out as one {@link SET_MANY_SCRIPT} call instead of one SET each. */
const SCRIPT_WRITES = 64;

/** Queues the writes: one SET each, or one script call for a large batch. */
function queueWrites(commands: ChainableCommander, writes: readonly FeatureWrite[]): void {
  if (writes.length < SCRIPT_WRITES) {
    for (const write of writes) queueSet(commands, write);
    return;
  }
  const args: (string | Buffer | number)[] = [];
  for (const write of writes) args.push(write.key);
  for (const write of writes) args.push(asBuffer(write.value));
  for (const write of writes) args.push(write.ttlMs === undefined ? 0 : Math.ceil(write.ttlMs));
  commands.eval(SET_MANY_SCRIPT, writes.length, ...args);
}

/** The first per-command error of a pipeline or EXEC reply, if any. */
function firstError(results: [error: Error | null, result: unknown][]): Error | undefined {
  for (const [error] of results) if (error) return error;
  return undefined;
}

const noop = (): void => undefined;

/**
 * The message of a thrown value. Not `instanceof Error`: socket errors come from Node's own realm, which is not the
 * caller's under jest, and would otherwise print as `Error: ...`.
 */
function messageOf(error: unknown): string {
  const message = (error as { message?: unknown } | null)?.message;
  return typeof message === 'string' ? message : String(error);
}

/** `n keys`, singular for one. */
function keyCount(n: number): string {
  return n === 1 ? '1 key' : `${n} keys`;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Ends a connection: QUIT when it is up (replies already asked for still arrive), otherwise just drop it. */
async function shutdown(client: Redis): Promise<void> {
  if (client.status === 'end') return;
  if (client.status !== 'ready') {
    client.disconnect();
    return;
  }
  const ended = new Promise<void>((resolve) => client.once('end', () => resolve()));
  try {
    await client.quit();
  } catch {
    client.disconnect();
  }
  await ended;
}

/**
 * The Redis {@link FeatureStore}. Keys are used verbatim (callers add their own prefixes); values are Redis strings.
 *
 * - `getMany` is ONE `MGET` whatever the number of keys; values come back as Buffer views of the bytes received
 *   (no copy; they stay valid and belong to the caller). A view keeps the whole socket chunk it was read from (up to
 *   64 KiB) alive, so a caller that keeps values for long should keep copies (`value.slice()`).
 * - `setMany` is ONE pipeline of `SET key value [PX ttlMs]` (one round trip, not atomic across keys); `delete` is ONE
 *   `UNLINK`.
 * - `transact` runs on a dedicated second connection, one transaction at a time (they queue): `WATCH keys` + `MGET`,
 *   `compute`, then `MULTI` + the SETs (one `EVAL` of a SET-many script from 64 writes on) + `EXEC` in one write; a null EXEC (a watched key changed) retries after a
 *   short random pause, up to `maxAttempts`. Two round trips per attempt.
 *
 * While Redis is unreachable every call rejects at once, or within `commandTimeoutMs` when a reply does not come,
 * with an `unavailable` RecsysError naming Redis and the url (never the password); nothing is queued for later,
 * and a command in flight when the connection drops is failed, not resent. Both connections reconnect by
 * themselves (capped exponential back-off, forever); `onWarning` hears when a connection is lost and when it is back.
 * A call that fails on a timeout may still have been applied by Redis.
 */
export class RedisFeatureStore implements FeatureStore {
  /** The url as shown in messages (password hidden). */
  readonly where: string;
  private readonly client: Redis;
  private readonly txClient: Redis;
  private readonly commandTimeoutMs: number;
  private readonly connectTimeoutMs: number;
  private readonly maxAttempts: number;
  private readonly warn: (message: string) => void;
  private readonly lastError = new Map<Redis, string>();
  private txChain: Promise<unknown> = Promise.resolve();
  private closing: Promise<void> | undefined;

  /**
   * Starts connecting in the background and returns at once; calls made before the connections are ready reject
   * with `unavailable`. Prefer {@link openRedisFeatureStore}, which waits for them. A url that is not `redis://` or
   * `rediss://`, or a non-positive option, is a `bad-request`.
   */
  constructor(options: RedisFeatureStoreOptions) {
    let protocol: string;
    try {
      protocol = new URL(options.url).protocol;
    } catch {
      throw RecsysError.badRequest('url', `${JSON.stringify(redactUrl(options.url))} is not a URL; expected redis://host:port`);
    }
    if (protocol !== 'redis:' && protocol !== 'rediss:') throw RecsysError.badRequest('url', `must start with redis:// or rediss://, got ${protocol}//`);
    this.where = redactUrl(options.url);
    this.commandTimeoutMs = positive(options.commandTimeoutMs, 1_000, 'commandTimeoutMs');
    this.connectTimeoutMs = positive(options.connectTimeoutMs, 5_000, 'connectTimeoutMs');
    const maxReconnectDelayMs = positive(options.maxReconnectDelayMs, 2_000, 'maxReconnectDelayMs');
    this.maxAttempts = Math.floor(positive(options.maxAttempts, 20, 'maxAttempts'));
    this.warn = options.onWarning ?? ((message) => process.emitWarning(message, 'FeatureStoreWarning'));
    const common: RedisOptions = {
      commandTimeout: this.commandTimeoutMs,
      connectTimeout: this.connectTimeoutMs,
      // Fail fast: no offline queue, and commands in flight when a connection drops are failed, never resent.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      autoResendUnfulfilledCommands: false,
      retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times - 1, 20), maxReconnectDelayMs) + Math.floor(Math.random() * 50),
    };
    this.client = this.connect(options.url, { ...common, connectionName: 'recsys-features' }, 'read/write');
    this.txClient = this.connect(options.url, { ...common, connectionName: 'recsys-features-tx' }, 'transaction');
  }

  /** Values in request order (duplicates answered each time), `undefined` for missing or expired keys. ONE `MGET`. */
  async getMany(keys: readonly string[]): Promise<(Uint8Array | undefined)[]> {
    this.assertOpen();
    if (keys.length === 0) return [];
    let replies: (Buffer | null | undefined)[];
    try {
      replies = await this.client.mgetBuffer(keys as string[]);
    } catch (error) {
      throw this.failure(`MGET of ${keyCount(keys.length)}`, error, this.client);
    }
    // The reply array is ours: map null to undefined in place instead of allocating another.
    for (let i = 0; i < replies.length; i++) if (replies[i] === null) replies[i] = undefined;
    return replies as (Uint8Array | undefined)[];
  }

  /** Writes every key in ONE pipeline; a write without `ttlMs` clears any earlier TTL (Redis `SET`). */
  async setMany(writes: readonly FeatureWrite[]): Promise<void> {
    this.assertOpen();
    validateWrites(writes);
    if (writes.length === 0) return;
    const pipeline = this.client.pipeline();
    for (const write of writes) queueSet(pipeline, write);
    let results: [Error | null, unknown][] | null;
    try {
      results = await pipeline.exec();
    } catch (error) {
      throw this.failure(`SET of ${keyCount(writes.length)}`, error, this.client);
    }
    const error = results === null ? new Error('no reply') : firstError(results);
    if (error !== undefined) throw this.failure(`SET of ${keyCount(writes.length)}`, error, this.client);
  }

  /** Removes the keys with ONE `UNLINK`; missing keys are ignored. */
  async delete(keys: readonly string[]): Promise<void> {
    this.assertOpen();
    if (keys.length === 0) return;
    try {
      await this.client.unlink(keys as string[]);
    } catch (error) {
      throw this.failure(`UNLINK of ${keyCount(keys.length)}`, error, this.client);
    }
  }

  /**
   * See {@link FeatureStore.transact}. Runs after the transactions already queued on this store's transaction
   * connection. A `compute` that throws (or returns an invalid write) rejects with its error and writes nothing.
   */
  transact(keys: readonly string[], compute: (values: (Uint8Array | undefined)[]) => FeatureWrite[], options: TransactOptions = {}): Promise<number> {
    try {
      this.assertOpen();
    } catch (error) {
      return Promise.reject(error);
    }
    const watch = options.watch ? [...options.watch] : [...keys];
    const result = this.txChain.then(() => this.runTransaction([...keys], watch, compute));
    this.txChain = result.catch(noop);
    return result;
  }

  /**
   * Resolves when both connections are ready; rejects with `unavailable` (naming the last connection error) when
   * they are not within `timeoutMs` (default: the `connectTimeoutMs` option).
   */
  async connected(timeoutMs = this.connectTimeoutMs): Promise<void> {
    await Promise.all([this.ready(this.client, timeoutMs), this.ready(this.txClient, timeoutMs)]);
  }

  /** Waits for the transaction in progress and those queued, then QUITs both connections. Later calls reject. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.txChain;
      await Promise.all([shutdown(this.client), shutdown(this.txClient)]);
    })();
    return this.closing;
  }

  private async runTransaction(keys: string[], watch: string[], compute: (values: (Uint8Array | undefined)[]) => FeatureWrite[]): Promise<number> {
    const tx = this.txClient;
    for (let attempt = 1; ; attempt++) {
      let values: (Uint8Array | undefined)[] = [];
      if (keys.length > 0) {
        let replies: (Buffer | null)[];
        try {
          // Sent back to back on the transaction connection: one round trip, and MGET reads after WATCH took effect.
          [, replies] = await Promise.all([watch.length > 0 ? tx.watch(watch) : undefined, tx.mgetBuffer(keys)]);
        } catch (error) {
          tx.unwatch().catch(noop);
          throw this.failure(`transaction (WATCH + MGET of ${keyCount(keys.length)})`, error, tx);
        }
        values = replies.map((value) => value ?? undefined);
      }
      let writes: FeatureWrite[];
      try {
        writes = compute(values);
        validateWrites(writes, 'compute result');
      } catch (error) {
        if (keys.length > 0) tx.unwatch().catch(noop);
        throw error;
      }
      if (writes.length === 0) {
        // The MGET was one atomic read; nothing to write, so nothing to check. UNWATCH is ordered before later commands.
        if (keys.length > 0) tx.unwatch().catch(noop);
        return attempt;
      }
      const multi = tx.multi();
      queueWrites(multi, writes);
      let results: [Error | null, unknown][] | null;
      try {
        results = await multi.exec();
      } catch (error) {
        throw this.failure(`transaction (MULTI + ${writes.length} SET + EXEC)`, error, tx);
      }
      if (results !== null) {
        const error = firstError(results);
        if (error !== undefined) throw this.failure(`transaction (MULTI + ${writes.length} SET + EXEC)`, error, tx);
        return attempt;
      }
      if (attempt >= this.maxAttempts) {
        throw new RecsysError(
          'unavailable',
          `feature store: transaction on Redis at ${this.where} gave up after ${attempt} attempts: another client wrote one of its ${keyCount(keys.length)} every time`,
        );
      }
      // Another client wrote a watched key. A random pause breaks lock-step with a client retrying on the same keys.
      await delay(Math.random() * Math.min(2 ** attempt, 100));
    }
  }

  private connect(url: string, options: RedisOptions, role: string): Redis {
    const client = new Redis(url, options);
    let down = false;
    const lost = (reason: string): void => {
      if (down || this.closing !== undefined) return;
      down = true;
      this.warn(`feature store: ${role} connection to Redis at ${this.where} is down (${reason}); reconnecting`);
    };
    client.on('error', (error: Error) => {
      this.lastError.set(client, messageOf(error));
      lost(messageOf(error));
    });
    client.on('close', () => lost('connection closed'));
    client.on('ready', () => {
      this.lastError.delete(client);
      if (!down) return;
      down = false;
      this.warn(`feature store: ${role} connection to Redis at ${this.where} is back`);
    });
    return client;
  }

  private ready(client: Redis, timeoutMs: number): Promise<void> {
    if (client.status === 'ready') return Promise.resolve();
    return new Promise((resolve, reject) => {
      const onReady = (): void => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        client.off('ready', onReady);
        const last = this.lastError.get(client);
        reject(new RecsysError('unavailable', `feature store: cannot connect to Redis at ${this.where} within ${timeoutMs} ms${last === undefined ? '' : `: ${last}`}`));
      }, timeoutMs);
      client.once('ready', onReady);
    });
  }

  /** A failed Redis call as an `unavailable` RecsysError saying what failed, where, and why in plain words. */
  private failure(what: string, error: unknown, client: Redis): RecsysError {
    if (error instanceof RecsysError) return error;
    let why = messageOf(error);
    if (why.startsWith("Stream isn't writeable")) {
      const last = this.lastError.get(client);
      why = `not connected (status ${client.status}${last === undefined ? '' : `; last error: ${last}`})`;
    } else if (why === 'Command timed out') {
      why = `no reply within ${this.commandTimeoutMs} ms`;
    } else if ((error as Error | undefined)?.name === 'MaxRetriesPerRequestError') {
      why = 'connection lost before the reply';
    }
    return new RecsysError('unavailable', `feature store: ${what} on Redis at ${this.where} failed: ${why}`, { cause: error });
  }

  private assertOpen(): void {
    if (this.closing !== undefined) throw new RecsysError('unavailable', `feature store: Redis at ${this.where}: the store is closed`);
  }
}

/**
 * Opens a {@link RedisFeatureStore} and waits until both of its connections are ready. Rejects with `unavailable`
 * (after closing what it opened) when Redis cannot be reached within `connectTimeoutMs`, and with `bad-request` for
 * a url that is not `redis://` or `rediss://`.
 */
export async function openRedisFeatureStore(options: RedisFeatureStoreOptions): Promise<RedisFeatureStore> {
  const store = new RedisFeatureStore(options);
  try {
    await store.connected();
  } catch (error) {
    await store.close();
    throw error;
  }
  return store;
}
