// The production FeatureStore: Redis through ioredis; one MGET per read, one pipeline per write batch, transactions as
// MGET then one compare-and-set script (with server-side merges) on a second connection; fails fast while Redis is
// unreachable and reconnects by itself.
import { Redis, type ChainableCommander, type RedisOptions } from 'ioredis';
import { RecsysError } from '@recsys/domain';
import type { FeatureMerge, FeatureStore, FeatureWrite, MergeOperator, TransactOptions, TransactWrite } from '../ports';
import { isMerge, validateTransactWrites, validateWrites } from './feature-writes';

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

/** A TTL as a script argument: whole milliseconds (a fractional TTL is rounded up), 0 for none. */
function ttlArg(ttlMs: number | undefined): number {
  return ttlMs === undefined ? 0 : Math.ceil(ttlMs);
}

/** Queues `SET key value [PX ttl]` (Redis wants whole milliseconds: a fractional TTL is rounded up). */
function queueSet(commands: ChainableCommander, write: FeatureWrite): void {
  if (write.ttlMs === undefined) commands.set(write.key, asBuffer(write.value));
  else commands.set(write.key, asBuffer(write.value), 'PX', Math.ceil(write.ttlMs));
}

/**
 * The commit of a transaction, in ONE script (atomic; no other command runs in between). KEYS: the watched keys,
 * the written keys, the merged keys. ARGV: their three counts; a flag per watched key (`1`: read present, `0`:
 * read missing); a flag per merge (`1`/`0`: the caller merged the value it read, present/missing; `2`: it did not);
 * the values read of the watched keys; the written values, their TTLs; the deltas, their TTLs; per merge the value
 * read and the caller's merged value (empty when flagged `2`). TTLs are ms, 0 for none.
 * It first checks that every watched key still holds the value read (else returns `{0, index}`), then computes each
 * merge — the caller's merged value when the key still holds what the caller read, else `merge` (from the operator's
 * Lua) of what it holds and the delta — and only then writes: a script error (say a key of another type) leaves
 * nothing half-written. Returns `{1, merges the server computed, indexes of merged keys whose value the operator
 * could not read...}`.
 */
const COMMIT_BODY = `
local nw, ns, nm = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local wflags, mflags = ARGV[4], ARGV[5]
local byte = string.byte
local a = 6
for i = 1, nw do
  local current = redis.call('GET', KEYS[i])
  if byte(wflags, i) == 49 then
    if current ~= ARGV[a] then return { 0, i } end
  elseif current then
    return { 0, i }
  end
  a = a + 1
end
local sets = a
local deltas = sets + 2 * ns
local reads = deltas + 2 * nm
local mine = reads + nm
local merged, result = {}, { 1, 0 }
for i = 1, nm do
  local current = redis.call('GET', KEYS[nw + ns + i])
  local flag = byte(mflags, i)
  if (flag == 49 and current == ARGV[reads + i - 1]) or (flag == 48 and not current) then
    merged[i] = ARGV[mine + i - 1]
  else
    local value, bad = merge(current, ARGV[deltas + i - 1])
    merged[i] = value
    result[2] = result[2] + 1
    if bad then result[#result + 1] = i end
  end
end
local function put(key, value, ttl)
  ttl = tonumber(ttl)
  if ttl > 0 then redis.call('SET', key, value, 'PX', ttl) else redis.call('SET', key, value) end
end
for i = 1, ns do put(KEYS[nw + i], ARGV[sets + i - 1], ARGV[sets + ns + i - 1]) end
for i = 1, nm do put(KEYS[nw + ns + i], merged[i], ARGV[deltas + nm + i - 1]) end
return result`;

/** The commit script without a merge operator (a merge in it is a script error; validation prevents it). */
const NO_MERGE = `local function merge() error('this transaction has no merge operator') end`;

/** ioredis command name of the commit script of an operator (one defined command per operator). */
function commitCommand(operator: MergeOperator | undefined): string {
  if (operator === undefined) return 'recsysCommit';
  if (!/^[A-Za-z0-9_]+$/.test(operator.name)) throw RecsysError.badRequest('options.merge.name', 'must be letters, digits and _ only');
  return `recsysCommit_${operator.name}`;
}

/** Index of each key in `keys` (the first, for repeated keys). */
function indexOf(keys: readonly string[]): Map<string, number> {
  const at = new Map<string, number>();
  keys.forEach((key, i) => {
    if (!at.has(key)) at.set(key, i);
  });
  return at;
}

/**
 * The values that this client's commits in flight will leave, by key. Commands on the transaction connection run in
 * the order they are sent, so a commit sent after a transaction's MGET but before its own commit runs between
 * the two: the transaction computes on the values that commit writes (a plain write's value, a merge's caller-merged
 * value) instead of the stale ones it read, and its compare-and-set then holds. If that commit fails, the
 * compare-and-set fails too (a watched key: retry; a merge: the server merges): never a lost update.
 */
class PendingWrites {
  private readonly values = new Map<string, { value: Uint8Array | undefined; commit: number }>();
  private commits = 0;

  /** Records a commit about to be sent; returns its token for {@link end}. */
  begin(sets: readonly FeatureWrite[], merges: readonly FeatureMerge[]): { commit: number; keys: string[] } {
    const commit = ++this.commits;
    const keys: string[] = [];
    for (const write of sets) {
      this.values.set(write.key, { value: write.value, commit });
      keys.push(write.key);
    }
    for (const merge of merges) {
      // Without the caller's merged value the outcome is unknown here: later readers read Redis (and may retry).
      if (merge.merged === undefined) this.values.delete(merge.key);
      else {
        this.values.set(merge.key, { value: merge.merged, commit });
        keys.push(merge.key);
      }
    }
    return { commit, keys };
  }

  /** Forgets what a commit wrote (its reply came: Redis has it, or it failed), unless a later commit wrote it again. */
  end(token: { commit: number; keys: string[] }): void {
    for (const key of token.keys) if (this.values.get(key)?.commit === token.commit) this.values.delete(key);
  }

  /** Replaces, in place, the values read of keys that a commit in flight writes. */
  apply(keys: readonly string[], values: (Uint8Array | undefined)[]): void {
    if (this.values.size === 0) return;
    for (let i = 0; i < keys.length; i++) {
      const pending = this.values.get(keys[i]);
      if (pending !== undefined) values[i] = pending.value;
    }
  }
}

type CommitFn = (numKeys: number, ...args: (string | Buffer | number)[]) => Promise<number[]>;

/** The first per-command error of a pipeline or EXEC reply, if any. */
function firstError(results: [error: Error | null, result: unknown][]): Error | undefined {
  for (const [error] of results) if (error) return error;
  return undefined;
}

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
 * - `transact` runs on a dedicated second connection: `MGET keys`, `compute`, then ONE `EVALSHA` of a commit script
 *   that checks the watched keys still hold the values read (compare-and-set), computes the merges with the
 *   operator's Lua and writes everything; when a watched key changed it retries after a short random pause, up to
 *   `maxAttempts`. Two round trips per attempt; no `WATCH`, so transactions of this store run concurrently
 *   (pipelined on the connection) and cost Redis O(keys), not O(keys²).
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
  /** What the commits in flight on the transaction connection will leave (see {@link PendingWrites}). */
  private readonly overlay = new PendingWrites();
  /** Merges the commit script computed itself (the key changed after the caller read it), since open. */
  private serverMerges = 0;
  /** Transactions in flight (close waits for them). */
  private readonly inflight = new Set<Promise<unknown>>();
  private readonly commits = new Set<string>();
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
   * See {@link FeatureStore.transact}. Transactions run concurrently; a `compute` that throws (or returns an invalid
   * write) rejects with its error and writes nothing.
   */
  transact(keys: readonly string[], compute: (values: (Uint8Array | undefined)[]) => TransactWrite[], options: TransactOptions = {}): Promise<number> {
    try {
      this.assertOpen();
    } catch (error) {
      return Promise.reject(error);
    }
    const watch = options.watch ? [...options.watch] : [...keys];
    const result = this.runTransaction([...keys], watch, compute, options);
    this.inflight.add(result);
    const settled = (): void => {
      this.inflight.delete(result);
    };
    result.then(settled, settled);
    return result;
  }

  /**
   * Merges the commit script computed on the server since open: those whose key another client wrote after this
   * client read it (or that came without the caller's merged value). The rest were plain compare-and-set writes.
   */
  get serverMergeCount(): number {
    return this.serverMerges;
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
      await Promise.allSettled([...this.inflight]);
      await Promise.all([shutdown(this.client), shutdown(this.txClient)]);
    })();
    return this.closing;
  }

  private async runTransaction(
    keys: string[],
    watch: string[],
    compute: (values: (Uint8Array | undefined)[]) => TransactWrite[],
    options: TransactOptions,
  ): Promise<number> {
    const tx = this.txClient;
    const watchAt = watch.map((key) => keys.indexOf(key));
    const missing = watchAt.indexOf(-1);
    if (missing !== -1) throw RecsysError.badRequest(`options.watch[${missing}]`, `${JSON.stringify(watch[missing])} is not one of the keys read`);
    const commit = this.commitOf(options.merge);
    for (let attempt = 1; ; attempt++) {
      let values: (Uint8Array | undefined)[] = [];
      if (keys.length > 0) {
        let replies: (Buffer | null)[];
        try {
          replies = await tx.mgetBuffer(keys);
        } catch (error) {
          throw this.failure(`transaction (MGET of ${keyCount(keys.length)})`, error, tx);
        }
        values = replies.map((value) => value ?? undefined);
        // Commits of this client sent after the MGET (they run before any commit sent later): read what they write.
        this.overlay.apply(keys, values);
      }
      const writes = compute(values);
      validateTransactWrites(writes, options.merge, keys);
      // Nothing to write: the MGET was one atomic read, so there is nothing to check either.
      if (writes.length === 0) return attempt;
      const sets: FeatureWrite[] = [];
      const merges: FeatureMerge[] = [];
      for (const write of writes) {
        if (isMerge(write)) merges.push(write);
        else sets.push(write);
      }
      const readAt = merges.some((m) => m.merged !== undefined) ? indexOf(keys) : undefined;
      const args: (string | Buffer | number)[] = [...watch];
      for (const write of sets) args.push(write.key);
      for (const merge of merges) args.push(merge.key);
      let mflags = '';
      for (const merge of merges) mflags += merge.merged === undefined ? '2' : values[readAt!.get(merge.key)!] === undefined ? '0' : '1';
      args.push(watch.length, sets.length, merges.length, watchAt.map((at) => (values[at] === undefined ? '0' : '1')).join('') || '-', mflags || '-');
      for (const at of watchAt) args.push(values[at] === undefined ? '' : asBuffer(values[at]!));
      for (const write of sets) args.push(asBuffer(write.value));
      for (const write of sets) args.push(ttlArg(write.ttlMs));
      for (const merge of merges) args.push(asBuffer(merge.delta));
      for (const merge of merges) args.push(ttlArg(merge.ttlMs));
      for (const merge of merges) {
        const read = merge.merged === undefined ? undefined : values[readAt!.get(merge.key)!];
        args.push(read === undefined ? '' : asBuffer(read));
      }
      for (const merge of merges) args.push(merge.merged === undefined ? '' : asBuffer(merge.merged));
      const what = `transaction (commit of ${sets.length} writes and ${merges.length} merges)`;
      // Sent now, before any later transaction's read: what this commit will leave is what they should compute on.
      const pending = this.overlay.begin(sets, merges);
      let reply: number[];
      try {
        reply = await commit(watch.length + sets.length + merges.length, ...args);
      } catch (error) {
        throw this.failure(what, error, tx);
      } finally {
        this.overlay.end(pending);
      }
      if (reply[0] === 1) {
        this.serverMerges += reply[1];
        if (options.onUnreadable) for (let i = 2; i < reply.length; i++) options.onUnreadable(merges[reply[i] - 1].key);
        return attempt;
      }
      if (attempt >= this.maxAttempts) {
        throw new RecsysError(
          'unavailable',
          `feature store: transaction on Redis at ${this.where} gave up after ${attempt} attempts: another client wrote one of its ${keyCount(watch.length)} watched every time`,
        );
      }
      // Another client wrote a watched key. A random pause breaks lock-step with a client retrying on the same keys.
      await delay(Math.random() * Math.min(2 ** attempt, 100));
    }
  }

  /** The commit script of `operator` as an ioredis command (EVALSHA, EVAL once when Redis does not have it yet). */
  private commitOf(operator: MergeOperator | undefined): CommitFn {
    const name = commitCommand(operator);
    if (!this.commits.has(name)) {
      this.txClient.defineCommand(name, { lua: `${operator?.lua ?? NO_MERGE}\n${COMMIT_BODY}` });
      this.commits.add(name);
    }
    const command = (this.txClient as unknown as Record<string, CommitFn>)[name];
    return command.bind(this.txClient);
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
