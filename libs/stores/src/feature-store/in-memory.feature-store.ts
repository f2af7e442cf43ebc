// The embedded FeatureStore: a Map with TTLs and string metadata, snapshotted atomically to one binary file.
import { writeFileAtomic } from '../internal/atomic-write';
import { promises as fs } from 'node:fs';
import { RecsysError, errorMessage } from '@recsys/domain';
import { crc32 } from '../internal/crc32';
import type { FeatureStore, FeatureWrite, TransactOptions, TransactWrite } from '../ports';
import { isMerge, validateTransactWrites, validateWrites } from './feature-writes';

/** Options of {@link openInMemoryFeatureStore}. */
export interface InMemoryFeatureStoreOptions {
  /** Snapshot file; loaded on open (missing = empty store), written by `snapshot()` and `close()`. None: memory only. */
  snapshotPath?: string;
  /** When set (with `snapshotPath`), a snapshot is also written every this many ms. */
  snapshotEveryMs?: number;
  /** How often expired entries are swept out of memory, ms (reads never return them regardless). Default 60,000. */
  sweepEveryMs?: number;
  /** Clock for TTLs, ms since the Unix epoch. Default `Date.now`. */
  now?: () => number;
  /** Receives failures of periodic snapshots. Default: `process.emitWarning`. */
  onWarning?: (message: string) => void;
}

/** One stored value. */
export interface FeatureEntry {
  value: Uint8Array;
  /** Absolute expiry, ms since the Unix epoch; 0 = never. */
  expiresAtMs: number;
}

/** Everything an {@link InMemoryFeatureStore} holds: what a snapshot stores. */
export interface FeatureStoreContents {
  meta: Map<string, string>;
  entries: Map<string, FeatureEntry>;
}

/** First bytes of a snapshot file. */
const SNAPSHOT_MAGIC = Buffer.from('RSFS', 'ascii');
const SNAPSHOT_VERSION = 1;

/**
 * Snapshot file format, version 1 (integers big-endian):
 * ```
 * "RSFS"  u8 version=1
 * u32 metaCount,  metaCount  × ( u32 keyLen, key UTF-8, u32 valueLen, value UTF-8 )
 * u32 entryCount, entryCount × ( u32 keyLen, key UTF-8, f64 expiresAtMs (0 = never), u32 valueLen, value bytes )
 * u32 crc32 of every byte before it
 * ```
 * Entries already expired when the snapshot is taken are left out; expiry times are absolute, so a TTL keeps
 * running while the store is down.
 */
function encodeSnapshot(meta: ReadonlyMap<string, string>, entries: ReadonlyMap<string, FeatureEntry>, nowMs: number): Buffer[] {
  const parts: Buffer[] = [];
  const head = Buffer.allocUnsafe(SNAPSHOT_MAGIC.length + 1 + 4);
  SNAPSHOT_MAGIC.copy(head, 0);
  head.writeUInt8(SNAPSHOT_VERSION, SNAPSHOT_MAGIC.length);
  head.writeUInt32BE(meta.size, SNAPSHOT_MAGIC.length + 1);
  parts.push(head);
  for (const [key, value] of meta) {
    const k = Buffer.from(key, 'utf8');
    const v = Buffer.from(value, 'utf8');
    const record = Buffer.allocUnsafe(8 + k.length + v.length);
    record.writeUInt32BE(k.length, 0);
    k.copy(record, 4);
    record.writeUInt32BE(v.length, 4 + k.length);
    v.copy(record, 8 + k.length);
    parts.push(record);
  }
  const live: [string, FeatureEntry][] = [];
  for (const item of entries) if (!expired(item[1], nowMs)) live.push(item);
  const count = Buffer.allocUnsafe(4);
  count.writeUInt32BE(live.length, 0);
  parts.push(count);
  for (const [key, entry] of live) {
    const k = Buffer.from(key, 'utf8');
    const record = Buffer.allocUnsafe(4 + k.length + 8 + 4 + entry.value.length);
    let at = record.writeUInt32BE(k.length, 0);
    at += k.copy(record, at);
    at = record.writeDoubleBE(entry.expiresAtMs, at);
    at = record.writeUInt32BE(entry.value.length, at);
    record.set(entry.value, at);
    parts.push(record);
  }
  let crc = 0;
  for (const part of parts) crc = crc32(part, crc);
  const tail = Buffer.allocUnsafe(4);
  tail.writeUInt32BE(crc, 0);
  parts.push(tail);
  return parts;
}

/** Parses a snapshot; throws a plain Error saying what is wrong (the caller adds the file name). */
function decodeSnapshot(bytes: Buffer, nowMs: number): FeatureStoreContents {
  const minimum = SNAPSHOT_MAGIC.length + 1 + 4 + 4 + 4;
  if (bytes.length < minimum) throw new Error(`too short (${bytes.length} bytes)`);
  if (!bytes.subarray(0, SNAPSHOT_MAGIC.length).equals(SNAPSHOT_MAGIC)) throw new Error('not a feature-store snapshot (bad magic)');
  const version = bytes.readUInt8(SNAPSHOT_MAGIC.length);
  if (version !== SNAPSHOT_VERSION) throw new Error(`unsupported snapshot version ${version}`);
  const stored = bytes.readUInt32BE(bytes.length - 4);
  const computed = crc32(bytes, 0, 0, bytes.length - 4);
  if (stored !== computed) throw new Error(`checksum mismatch (stored 0x${stored.toString(16)}, computed 0x${computed.toString(16)})`);
  const end = bytes.length - 4;
  let at = SNAPSHOT_MAGIC.length + 1;
  const need = (n: number): void => {
    if (at + n > end) throw new Error(`truncated record at byte ${at}`);
  };
  const u32 = (): number => {
    need(4);
    const v = bytes.readUInt32BE(at);
    at += 4;
    return v;
  };
  const slice = (n: number): Buffer => {
    need(n);
    const v = bytes.subarray(at, at + n);
    at += n;
    return v;
  };
  const meta = new Map<string, string>();
  for (let i = u32(); i > 0; i--) {
    const key = slice(u32()).toString('utf8');
    meta.set(key, slice(u32()).toString('utf8'));
  }
  const entries = new Map<string, FeatureEntry>();
  for (let i = u32(); i > 0; i--) {
    const key = slice(u32()).toString('utf8');
    need(8);
    const expiresAtMs = bytes.readDoubleBE(at);
    at += 8;
    const value = new Uint8Array(slice(u32()));
    const entry = { value, expiresAtMs };
    if (!expired(entry, nowMs)) entries.set(key, entry);
  }
  if (at !== end) throw new Error(`${end - at} unexpected bytes after the last record`);
  return { meta, entries };
}

function expired(entry: FeatureEntry, nowMs: number): boolean {
  return entry.expiresAtMs !== 0 && entry.expiresAtMs <= nowMs;
}

/**
 * The embedded {@link FeatureStore}: values live in a Map; TTLs are enforced on every read and expired entries
 * are swept periodically; `snapshot()` writes the whole store (plus metadata) to a temporary file, fsyncs it and
 * renames it over the snapshot, so a crash leaves either the old or the new snapshot. Values are copied on write
 * and on read, so callers may reuse or mutate their buffers. getMany/setMany/delete/transact are O(number of keys).
 */
export class InMemoryFeatureStore implements FeatureStore {
  private readonly entries: Map<string, FeatureEntry>;
  private readonly meta: Map<string, string>;
  private readonly now: () => number;
  private readonly warn: (message: string) => void;
  private readonly timers: NodeJS.Timeout[] = [];
  private snapshotChain: Promise<void> = Promise.resolve();
  private closed = false;

  /** Use {@link openInMemoryFeatureStore}, which loads the snapshot. */
  constructor(
    private readonly options: InMemoryFeatureStoreOptions = {},
    loaded: FeatureStoreContents = { meta: new Map(), entries: new Map() },
  ) {
    this.entries = loaded.entries;
    this.meta = loaded.meta;
    this.now = options.now ?? Date.now;
    this.warn = options.onWarning ?? ((message) => process.emitWarning(message, 'FeatureStoreWarning'));
    const sweepEveryMs = options.sweepEveryMs ?? 60_000;
    if (!(sweepEveryMs > 0)) throw RecsysError.badRequest('sweepEveryMs', 'must be a positive number of milliseconds');
    this.timers.push(setInterval(() => this.sweep(), sweepEveryMs).unref());
    if (options.snapshotEveryMs !== undefined) {
      if (!(options.snapshotEveryMs > 0)) throw RecsysError.badRequest('snapshotEveryMs', 'must be a positive number of milliseconds');
      if (options.snapshotPath !== undefined) {
        const timer = setInterval(() => {
          this.snapshot().catch((error) => this.warn(`feature store: periodic snapshot to ${options.snapshotPath} failed: ${errorMessage(error)}`));
        }, options.snapshotEveryMs);
        this.timers.push(timer.unref());
      }
    }
  }

  /** Values in request order; `undefined` for missing or expired keys (an expired key is removed on the way). */
  async getMany(keys: readonly string[]): Promise<(Uint8Array | undefined)[]> {
    this.assertOpen();
    return this.read(keys);
  }

  /** Stores each value (a copy); a write without `ttlMs` clears any earlier TTL, as Redis `SET` does. */
  async setMany(writes: readonly FeatureWrite[]): Promise<void> {
    this.assertOpen();
    validateWrites(writes);
    this.apply(writes);
  }

  /**
   * Reads `keys` (copies, as `getMany`), calls `compute` and applies its writes and merges (a merge's `merged`
   * when given — the key cannot have changed since the read — else `options.merge.merge`), all synchronously: nothing else runs in between, so every transaction succeeds at its
   * first attempt and resolves 1 (`options.watch` changes nothing). A `compute` that throws, or returns an invalid
   * write, rejects and writes nothing.
   */
  async transact(keys: readonly string[], compute: (values: (Uint8Array | undefined)[]) => TransactWrite[], options: TransactOptions = {}): Promise<number> {
    this.assertOpen();
    const writes = compute(this.read(keys));
    validateTransactWrites(writes, options.merge, keys);
    const nowMs = this.now();
    const unreadable: string[] = [];
    // Merges first computed, then everything stored: an operator that throws leaves nothing half-applied.
    const merged: FeatureWrite[] = [];
    for (const write of writes) {
      if (!isMerge(write)) continue;
      // Nothing ran since the read: the key still holds what compute was given, so the caller's merge stands.
      if (write.merged !== undefined) {
        merged.push({ key: write.key, value: write.merged, ttlMs: write.ttlMs });
        continue;
      }
      const entry = this.entries.get(write.key);
      const current = entry === undefined || expired(entry, nowMs) ? undefined : entry.value;
      const result = options.merge!.merge(current, write.delta);
      if (result.unreadable) unreadable.push(write.key);
      merged.push({ key: write.key, value: result.value, ttlMs: write.ttlMs });
    }
    for (const write of writes) if (!isMerge(write)) this.store(write, nowMs);
    for (const write of merged) this.store(write, nowMs);
    for (const key of unreadable) options.onUnreadable?.(key);
    return 1;
  }

  /** Removes the keys; missing keys are ignored. */
  async delete(keys: readonly string[]): Promise<void> {
    this.assertOpen();
    for (const key of keys) this.entries.delete(key);
  }

  /** Sets a metadata string (e.g. a stream position), persisted with the snapshot. */
  setMeta(key: string, value: string): void {
    this.assertOpen();
    this.meta.set(key, value);
  }

  /** A metadata string, or undefined. */
  getMeta(key: string): string | undefined {
    return this.meta.get(key);
  }

  /** Number of entries held, including expired ones not yet swept. */
  get size(): number {
    return this.entries.size;
  }

  /** Drops every expired entry now. O(entries). */
  sweep(): void {
    const nowMs = this.now();
    for (const [key, entry] of this.entries) if (expired(entry, nowMs)) this.entries.delete(key);
  }

  /**
   * Writes a consistent point-in-time snapshot (taken synchronously, written asynchronously) atomically.
   * Concurrent calls are serialised. Does nothing without `snapshotPath`.
   */
  snapshot(): Promise<void> {
    const file = this.options.snapshotPath;
    if (file === undefined) return Promise.resolve();
    const parts = encodeSnapshot(this.meta, this.entries, this.now());
    const result = this.snapshotChain.then(() => writeFileAtomic(file, parts));
    this.snapshotChain = result.catch(() => undefined);
    return result;
  }

  /** Stops the timers and writes a final snapshot (when configured). Later calls reject with `unavailable`. */
  async close(): Promise<void> {
    if (this.closed) return;
    for (const timer of this.timers) clearInterval(timer);
    await this.snapshot();
    this.closed = true;
  }

  /** Copies of the live values of `keys`, in order; expired entries met on the way are removed. */
  private read(keys: readonly string[]): (Uint8Array | undefined)[] {
    const nowMs = this.now();
    return keys.map((key) => {
      const entry = this.entries.get(key);
      if (entry === undefined) return undefined;
      if (expired(entry, nowMs)) {
        this.entries.delete(key);
        return undefined;
      }
      return entry.value.slice();
    });
  }

  /** Stores a copy of each (already validated) write; a write without `ttlMs` clears any earlier TTL. */
  private apply(writes: readonly FeatureWrite[]): void {
    const nowMs = this.now();
    for (const write of writes) this.store(write, nowMs);
  }

  private store(write: FeatureWrite, nowMs: number): void {
    this.entries.set(write.key, { value: write.value.slice(), expiresAtMs: write.ttlMs === undefined ? 0 : nowMs + write.ttlMs });
  }

  private assertOpen(): void {
    if (this.closed) throw new RecsysError('unavailable', 'feature store is closed');
  }
}


/**
 * Opens an {@link InMemoryFeatureStore}, loading `snapshotPath` when it exists. A missing snapshot gives an empty
 * store; an unreadable or corrupt one rejects with an `internal` RecsysError naming the file.
 */
export async function openInMemoryFeatureStore(options: InMemoryFeatureStoreOptions = {}): Promise<InMemoryFeatureStore> {
  const file = options.snapshotPath;
  if (file === undefined) return new InMemoryFeatureStore(options);
  let bytes: Buffer;
  try {
    bytes = await fs.readFile(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new InMemoryFeatureStore(options);
    throw new RecsysError('internal', `cannot read feature-store snapshot ${file}: ${errorMessage(error)}`, { cause: error });
  }
  let loaded: FeatureStoreContents;
  try {
    loaded = decodeSnapshot(bytes, (options.now ?? Date.now)());
  } catch (error) {
    throw new RecsysError('internal', `feature-store snapshot ${file} is corrupt: ${errorMessage(error)}`, { cause: error });
  }
  return new InMemoryFeatureStore(options, loaded);
}
