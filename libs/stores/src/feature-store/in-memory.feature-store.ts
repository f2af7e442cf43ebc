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
  /** When set (with `snapshotPath`), `snapshot()` also runs every this many ms. */
  snapshotEveryMs?: number;
  /**
   * A journal smaller than this is never compacted, whatever the snapshot's size. Default 1 MiB. (Compaction starts
   * once the journal also holds more bytes than the snapshot.)
   */
  compactJournalFromBytes?: number;
  /**
   * How often expired entries are swept out of memory, ms (reads never return them regardless). Default 60,000. A
   * sweep visits only the keys whose expiry fell due since the previous one (keys are filed by expiry time in buckets
   * of this width), so its cost follows what expires, not the size of the store.
   */
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
  /** Changed since the last `snapshot()` call (its key is in the store's list of changed keys). */
  dirty?: boolean;
}

/** Everything an {@link InMemoryFeatureStore} holds: what a snapshot stores. */
export interface FeatureStoreContents {
  meta: Map<string, string>;
  entries: Map<string, FeatureEntry>;
}

/** First bytes of a snapshot file. */
const SNAPSHOT_MAGIC = Buffer.from('RSFS', 'ascii');
/** Version 2 adds the generation after the version byte; version 1 files (generation 0) are still read. */
const SNAPSHOT_VERSION = 2;
/** First bytes of a journal file. */
const JOURNAL_MAGIC = Buffer.from('RSFJ', 'ascii');
const JOURNAL_VERSION = 1;
/** Journal header: magic, version, the generation of the snapshot it extends (u32 BE). */
const JOURNAL_HEADER_BYTES = JOURNAL_MAGIC.length + 1 + 4;
/** A journal record's own header: body length and CRC-32 of the body (u32 BE each). */
const RECORD_HEADER_BYTES = 8;
/** Entry kinds in a journal record. */
const PUT = 1;
const REMOVE = 0;
/**
 * A full snapshot replaces snapshot + journal once the journal holds more bytes than this share of the snapshot
 * (so what is on disk stays within about twice the live data, and a restart reads at most that).
 */
const COMPACT_RATIO = 1;
/** ...but never while the journal is smaller than this (default of `compactJournalFromBytes`). */
const COMPACT_MIN_BYTES = 1 << 20;

/** Appends big-endian fields to one preallocated buffer. */
class Out {
  readonly buf: Buffer;
  at = 0;
  constructor(size: number) {
    this.buf = Buffer.allocUnsafe(size);
  }
  u8(v: number): void {
    this.at = this.buf.writeUInt8(v, this.at);
  }
  u32(v: number): void {
    this.at = this.buf.writeUInt32BE(v, this.at);
  }
  f64(v: number): void {
    this.at = this.buf.writeDoubleBE(v, this.at);
  }
  /** u32 byte length, then the UTF-8 bytes (`bytes` from Buffer.byteLength). */
  text(s: string, bytes: number): void {
    this.u32(bytes);
    this.at += this.buf.write(s, this.at, bytes, 'utf8');
  }
  bytes(v: Uint8Array): void {
    this.u32(v.length);
    this.buf.set(v, this.at);
    this.at += v.length;
  }
}

/** Bytes of the metadata section: `u32 count, count × (text key, text value)`. */
function metaSize(meta: ReadonlyMap<string, string>, keys: Iterable<string>): number {
  let size = 4;
  for (const key of keys) size += 8 + Buffer.byteLength(key) + Buffer.byteLength(meta.get(key) ?? '');
  return size;
}

function writeMeta(out: Out, meta: ReadonlyMap<string, string>, keys: readonly string[]): void {
  out.u32(keys.length);
  for (const key of keys) {
    const value = meta.get(key) ?? '';
    out.text(key, Buffer.byteLength(key));
    out.text(value, Buffer.byteLength(value));
  }
}

/**
 * Snapshot file format, version 2 (integers big-endian):
 * ```
 * "RSFS"  u8 version=2  u32 generation
 * u32 metaCount,  metaCount  × ( u32 keyLen, key UTF-8, u32 valueLen, value UTF-8 )
 * u32 entryCount, entryCount × ( u32 keyLen, key UTF-8, f64 expiresAtMs (0 = never), u32 valueLen, value bytes )
 * u32 crc32 of every byte before it
 * ```
 * (Version 1 is the same without the generation.) Entries already expired when the snapshot is taken are left out;
 * expiry times are absolute, so a TTL keeps running while the store is down. One buffer, sized first.
 */
function encodeSnapshot(meta: ReadonlyMap<string, string>, entries: ReadonlyMap<string, FeatureEntry>, nowMs: number, generation: number): Buffer {
  const metaKeys = [...meta.keys()];
  let size = SNAPSHOT_MAGIC.length + 1 + 4 + metaSize(meta, metaKeys) + 4 + 4;
  let live = 0;
  const keyBytes: number[] = [];
  for (const [key, entry] of entries) {
    if (expired(entry, nowMs)) continue;
    const k = Buffer.byteLength(key);
    keyBytes.push(k);
    size += 4 + k + 8 + 4 + entry.value.length;
    live++;
  }
  const out = new Out(size);
  out.at += SNAPSHOT_MAGIC.copy(out.buf, 0);
  out.u8(SNAPSHOT_VERSION);
  out.u32(generation);
  writeMeta(out, meta, metaKeys);
  out.u32(live);
  let i = 0;
  for (const [key, entry] of entries) {
    if (expired(entry, nowMs)) continue;
    out.text(key, keyBytes[i++]);
    out.f64(entry.expiresAtMs);
    out.bytes(entry.value);
  }
  out.u32(crc32(out.buf, 0, 0, out.at));
  return out.buf;
}

/** Reads big-endian fields of a buffer up to `end`, failing with "truncated" past it. */
class In {
  constructor(
    readonly buf: Buffer,
    public at: number,
    readonly end: number,
  ) {}
  need(n: number): void {
    if (this.at + n > this.end) throw new Error(`truncated record at byte ${this.at}`);
  }
  u8(): number {
    this.need(1);
    return this.buf[this.at++];
  }
  u32(): number {
    this.need(4);
    const v = this.buf.readUInt32BE(this.at);
    this.at += 4;
    return v;
  }
  f64(): number {
    this.need(8);
    const v = this.buf.readDoubleBE(this.at);
    this.at += 8;
    return v;
  }
  slice(): Buffer {
    const n = this.u32();
    this.need(n);
    const v = this.buf.subarray(this.at, this.at + n);
    this.at += n;
    return v;
  }
  text(): string {
    return this.slice().toString('utf8');
  }
}

/** Parses a snapshot; throws a plain Error saying what is wrong (the caller adds the file name). */
function decodeSnapshot(bytes: Buffer, nowMs: number): FeatureStoreContents & { generation: number } {
  const minimum = SNAPSHOT_MAGIC.length + 1 + 4 + 4 + 4;
  if (bytes.length < minimum) throw new Error(`too short (${bytes.length} bytes)`);
  if (!bytes.subarray(0, SNAPSHOT_MAGIC.length).equals(SNAPSHOT_MAGIC)) throw new Error('not a feature-store snapshot (bad magic)');
  const version = bytes.readUInt8(SNAPSHOT_MAGIC.length);
  if (version !== 1 && version !== SNAPSHOT_VERSION) throw new Error(`unsupported snapshot version ${version}`);
  const stored = bytes.readUInt32BE(bytes.length - 4);
  const computed = crc32(bytes, 0, 0, bytes.length - 4);
  if (stored !== computed) throw new Error(`checksum mismatch (stored 0x${stored.toString(16)}, computed 0x${computed.toString(16)})`);
  const input = new In(bytes, SNAPSHOT_MAGIC.length + 1, bytes.length - 4);
  const generation = version === 1 ? 0 : input.u32();
  const meta = new Map<string, string>();
  for (let i = input.u32(); i > 0; i--) {
    const key = input.text();
    meta.set(key, input.text());
  }
  const entries = new Map<string, FeatureEntry>();
  for (let i = input.u32(); i > 0; i--) {
    const key = input.text();
    const expiresAtMs = input.f64();
    const entry = { value: internValue(input.slice()), expiresAtMs };
    if (!expired(entry, nowMs)) entries.set(key, entry);
  }
  if (input.at !== input.end) throw new Error(`${input.end - input.at} unexpected bytes after the last record`);
  return { meta, entries, generation };
}

/**
 * One journal record (format: `u32 bodyLength, u32 crc32(body), body`; body: the metadata section as in a
 * snapshot, then `u32 count, count × (u32 keyLen, key, u8 kind, and for kind 1 (put) f64 expiresAtMs, u32 valueLen,
 * value)`; kind 0 removes the key). It holds the current value of every key changed since the previous record.
 */
function encodeJournalRecord(meta: ReadonlyMap<string, string>, metaKeys: readonly string[], entries: ReadonlyMap<string, FeatureEntry>, keys: readonly string[]): Buffer {
  let size = RECORD_HEADER_BYTES + metaSize(meta, metaKeys) + 4;
  const keyBytes = keys.map((key) => Buffer.byteLength(key));
  keys.forEach((key, i) => {
    const entry = entries.get(key);
    size += 4 + keyBytes[i] + 1 + (entry === undefined ? 0 : 8 + 4 + entry.value.length);
  });
  const out = new Out(size);
  out.at = RECORD_HEADER_BYTES;
  writeMeta(out, meta, metaKeys);
  out.u32(keys.length);
  keys.forEach((key, i) => {
    out.text(key, keyBytes[i]);
    const entry = entries.get(key);
    if (entry === undefined) {
      out.u8(REMOVE);
      return;
    }
    out.u8(PUT);
    out.f64(entry.expiresAtMs);
    out.bytes(entry.value);
  });
  out.buf.writeUInt32BE(size - RECORD_HEADER_BYTES, 0);
  out.buf.writeUInt32BE(crc32(out.buf, 0, RECORD_HEADER_BYTES, size), 4);
  return out.buf;
}

function journalHeader(generation: number): Buffer {
  const head = Buffer.allocUnsafe(JOURNAL_HEADER_BYTES);
  JOURNAL_MAGIC.copy(head, 0);
  head.writeUInt8(JOURNAL_VERSION, JOURNAL_MAGIC.length);
  head.writeUInt32BE(generation, JOURNAL_MAGIC.length + 1);
  return head;
}

/**
 * Applies a journal to the contents of the snapshot of `generation`, record by record, stopping at the first record
 * that is cut short or fails its CRC (a crash mid-append: that record was never complete). Returns whether the
 * whole journal applied (then appending to it can go on).
 */
function applyJournal(bytes: Buffer, generation: number, contents: FeatureStoreContents, nowMs: number): { whole: boolean; records: number } {
  if (bytes.length < JOURNAL_HEADER_BYTES || !bytes.subarray(0, JOURNAL_MAGIC.length).equals(JOURNAL_MAGIC)) return { whole: false, records: 0 };
  if (bytes.readUInt8(JOURNAL_MAGIC.length) !== JOURNAL_VERSION) return { whole: false, records: 0 };
  // A journal of another generation belongs to an older snapshot (a compaction stopped before replacing it).
  if (bytes.readUInt32BE(JOURNAL_MAGIC.length + 1) !== generation) return { whole: false, records: 0 };
  let at = JOURNAL_HEADER_BYTES;
  let records = 0;
  while (at < bytes.length) {
    if (at + RECORD_HEADER_BYTES > bytes.length) return { whole: false, records };
    const length = bytes.readUInt32BE(at);
    const end = at + RECORD_HEADER_BYTES + length;
    if (end > bytes.length || crc32(bytes, 0, at + RECORD_HEADER_BYTES, end) !== bytes.readUInt32BE(at + 4)) return { whole: false, records };
    const input = new In(bytes, at + RECORD_HEADER_BYTES, end);
    for (let i = input.u32(); i > 0; i--) {
      const key = input.text();
      contents.meta.set(key, input.text());
    }
    for (let i = input.u32(); i > 0; i--) {
      const key = input.text();
      if (input.u8() === REMOVE) {
        contents.entries.delete(key);
        continue;
      }
      const expiresAtMs = input.f64();
      const entry = { value: internValue(input.slice()), expiresAtMs };
      if (expired(entry, nowMs)) contents.entries.delete(key);
      else contents.entries.set(key, entry);
    }
    records++;
    at = end;
  }
  return { whole: true, records };
}

/** Shared copies of the 1-byte values (event markers): one per byte value instead of one array per key. */
const ONE_BYTE = Array.from({ length: 256 }, (_, i) => new Uint8Array([i]));
const EMPTY = new Uint8Array(0);

/**
 * A copy of `value` owned by the store; 0- and 1-byte values share one instance per content (the store never
 * mutates what it holds, and reads hand out the arrays held).
 */
/** `value` itself when it is a whole array (nothing else can see its buffer through another view), else a copy. */
function owned(value: Uint8Array): Uint8Array {
  if (value.length <= 1) return internValue(value);
  return value.byteOffset === 0 && value.byteLength === value.buffer.byteLength && !Buffer.isBuffer(value) ? value : internValue(value);
}

function internValue(value: Uint8Array): Uint8Array {
  if (value.length === 0) return EMPTY;
  if (value.length === 1) return ONE_BYTE[value[0]];
  return new Uint8Array(value); // a copy also of a Buffer (whose slice() would be a view)
}

function expired(entry: FeatureEntry, nowMs: number): boolean {
  return entry.expiresAtMs !== 0 && entry.expiresAtMs <= nowMs;
}

/** Where a store's files stand, as found by {@link openInMemoryFeatureStore}. */
interface Persistence {
  /** Generation of the snapshot on disk (0: none yet, or a version 1 file). */
  generation: number;
  /** Bytes of that snapshot. */
  snapshotBytes: number;
  /** Bytes of its journal when records can be appended to it; undefined when the next write must be a full snapshot. */
  journalBytes?: number;
}

/**
 * The embedded {@link FeatureStore}: values live in a Map; TTLs are enforced on every read and expired entries
 * are swept periodically (only the keys that fell due: see `sweepEveryMs`). Persistence is a snapshot plus a journal (`<snapshotPath>.journal`): `snapshot()` appends
 * ONE record holding the current value of every key changed since the previous call (nothing at all when nothing
 * changed) and fsyncs it; when the journal outgrows the snapshot (or cannot be appended to) it writes a full snapshot
 * of a new generation to a temporary file, fsyncs and renames it over the old one, then starts an empty journal of
 * that generation. Loading applies the journal of the snapshot's generation record by record and stops at a torn
 * record, so a crash leaves the state of some earlier `snapshot()` call, never a mix. Values are copied on write, never
 * on read: readers get the arrays held, which nothing changes (a write replaces an array, never edits it), so they
 * must not change them either. getMany/setMany/delete/transact are O(number of keys);
 * `snapshot()` is O(keys changed since the last one), a compaction O(all keys).
 */
export class InMemoryFeatureStore implements FeatureStore {
  /** Reads answer the arrays held (see {@link FeatureStore.sharesValues}). */
  readonly sharesValues = true;
  private readonly entries: Map<string, FeatureEntry>;
  private readonly meta: Map<string, string>;
  private readonly now: () => number;
  private readonly warn: (message: string) => void;
  private readonly timers: NodeJS.Timeout[] = [];
  /** Keys with a TTL by expiry bucket: bucket `b` holds keys that expire at or before `b × sweepMs` (a key may repeat). */
  private readonly expiries = new Map<number, string[]>();
  private readonly sweepMs: number;
  /** The last bucket swept: every key filed up to it has been checked. */
  private sweptBucket: number;
  private snapshotChain: Promise<void> = Promise.resolve();
  private closed = false;
  /**
   * Keys changed since the last snapshot call, each once (an entry's `dirty` flag says it is listed; removed keys
   * may repeat), tracked only with a snapshot path.
   */
  private dirty: string[] | undefined;
  private readonly dirtyMeta = new Set<string>();
  private persistence: Persistence;

  /** Use {@link openInMemoryFeatureStore}, which loads the snapshot and its journal. */
  constructor(
    private readonly options: InMemoryFeatureStoreOptions = {},
    loaded: FeatureStoreContents = { meta: new Map(), entries: new Map() },
    persistence: Persistence = { generation: 0, snapshotBytes: 0 },
  ) {
    this.entries = loaded.entries;
    this.meta = loaded.meta;
    this.persistence = persistence;
    this.dirty = options.snapshotPath === undefined ? undefined : [];
    this.now = options.now ?? Date.now;
    this.warn = options.onWarning ?? ((message) => process.emitWarning(message, 'FeatureStoreWarning'));
    const sweepEveryMs = options.sweepEveryMs ?? 60_000;
    if (!(sweepEveryMs > 0)) throw RecsysError.badRequest('sweepEveryMs', 'must be a positive number of milliseconds');
    this.sweepMs = sweepEveryMs;
    this.sweptBucket = Math.floor(this.now() / sweepEveryMs) - 1;
    for (const [key, entry] of this.entries) if (entry.expiresAtMs !== 0) this.fileExpiry(key, entry.expiresAtMs);
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
    return this.read(keys, false);
  }

  /** Stores each value (a copy); a write without `ttlMs` clears any earlier TTL, as Redis `SET` does. */
  async setMany(writes: readonly FeatureWrite[]): Promise<void> {
    this.assertOpen();
    validateWrites(writes);
    this.apply(writes);
  }

  /**
   * Reads `keys` (the stored arrays, as `getMany`), calls `compute` and applies its writes and merges (a merge's `merged`
   * when given — the key cannot have changed since the read — else `options.merge.merge`), all synchronously: nothing else runs in between, so every transaction succeeds at its
   * first attempt and resolves 1 (`options.watch` changes nothing). A `compute` that throws, or returns an invalid
   * write, rejects and writes nothing. `compute` is handed the stored arrays themselves (it must not modify them),
   * and the store keeps the arrays it returns when they are whole (not views into a larger buffer): they must not be
   * modified afterwards either.
   */
  async transact(keys: readonly string[], compute: (values: (Uint8Array | undefined)[]) => TransactWrite[], options: TransactOptions = {}): Promise<number> {
    this.assertOpen();
    // No copies: compute only reads its values, and the store never changes an array it holds.
    const writes = compute(this.read(keys, false));
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
    for (const write of writes) if (!isMerge(write)) this.put(write.key, owned(write.value), write.ttlMs, nowMs);
    for (const write of merged) this.put(write.key, owned(write.value), write.ttlMs, nowMs);
    for (const key of unreadable) options.onUnreadable?.(key);
    return 1;
  }

  /** Removes the keys; missing keys are ignored. */
  async delete(keys: readonly string[]): Promise<void> {
    this.assertOpen();
    for (const key of keys) {
      if (this.entries.delete(key)) this.dirty?.push(key);
    }
  }

  /** Sets a metadata string (e.g. a stream position), persisted with the snapshot. */
  setMeta(key: string, value: string): void {
    this.assertOpen();
    this.meta.set(key, value);
    this.dirtyMeta.add(key);
  }

  /** A metadata string, or undefined. */
  getMeta(key: string): string | undefined {
    return this.meta.get(key);
  }

  /** Number of entries held, including expired ones not yet swept. */
  get size(): number {
    return this.entries.size;
  }

  /**
   * Drops every expired entry filed in an expiry bucket that is now due (all of them but those expiring within the
   * current `sweepEveryMs`; reads skip those anyway). O(keys filed in the due buckets): a key whose TTL was extended or
   * cleared since it was filed is looked up and kept.
   */
  sweep(): void {
    const nowMs = this.now();
    const last = Math.floor(nowMs / this.sweepMs);
    const drop = (keys: readonly string[]) => {
      for (const key of keys) {
        const entry = this.entries.get(key);
        if (entry !== undefined && expired(entry, nowMs)) this.entries.delete(key);
      }
    };
    if (last - this.sweptBucket > this.expiries.size) {
      // A long gap (a stopped clock, a first sweep long after the last): fewer buckets exist than elapsed.
      for (const [bucket, keys] of this.expiries) {
        if (bucket > last) continue;
        drop(keys);
        this.expiries.delete(bucket);
      }
    } else {
      for (let bucket = this.sweptBucket + 1; bucket <= last; bucket++) {
        const keys = this.expiries.get(bucket);
        if (keys === undefined) continue;
        drop(keys);
        this.expiries.delete(bucket);
      }
    }
    if (last > this.sweptBucket) this.sweptBucket = last;
  }

  /** Files `key` under the bucket its expiry falls in (never one already swept). */
  private fileExpiry(key: string, expiresAtMs: number): void {
    const bucket = Math.max(Math.ceil(expiresAtMs / this.sweepMs), this.sweptBucket + 1);
    const keys = this.expiries.get(bucket);
    if (keys === undefined) this.expiries.set(bucket, [key]);
    else keys.push(key);
  }

  /**
   * Persists a consistent point-in-time state (taken synchronously, written asynchronously): one journal record of
   * the keys changed since the last call (none: nothing is written), or a full snapshot when the journal has grown
   * past the snapshot's size or cannot be appended to. Resolves once it is on disk (fsynced). Concurrent calls are
   * serialised. Does nothing without `snapshotPath`.
   */
  snapshot(): Promise<void> {
    const file = this.options.snapshotPath;
    if (file === undefined || this.dirty === undefined) return Promise.resolve();
    const { journalBytes, snapshotBytes } = this.persistence;
    const minBytes = this.options.compactJournalFromBytes ?? COMPACT_MIN_BYTES;
    const full = journalBytes === undefined || journalBytes > Math.max(minBytes, snapshotBytes * COMPACT_RATIO);
    let write: () => Promise<void>;
    if (full) {
      const generation = this.persistence.generation + 1;
      const bytes = encodeSnapshot(this.meta, this.entries, this.now(), generation);
      this.takeDirty();
      this.dirtyMeta.clear();
      // Until the new journal exists nothing may be appended: a failure on the way leaves the next call full too.
      this.persistence = { generation, snapshotBytes };
      write = async () => {
        await writeFileAtomic(file, bytes);
        await writeFileAtomic(journalFile(file), journalHeader(generation));
        this.persistence = { generation, snapshotBytes: bytes.length, journalBytes: JOURNAL_HEADER_BYTES };
      };
    } else {
      if (this.dirty.length === 0 && this.dirtyMeta.size === 0) return this.snapshotChain;
      const record = encodeJournalRecord(this.meta, [...this.dirtyMeta], this.entries, this.takeDirty());
      this.dirtyMeta.clear();
      this.persistence = { ...this.persistence, journalBytes: journalBytes + record.length };
      write = async () => {
        try {
          await appendDurably(journalFile(file), record);
        } catch (error) {
          // The record may be half written: later records after it would be unreadable, so the next is a full one.
          this.persistence = { generation: this.persistence.generation, snapshotBytes: this.persistence.snapshotBytes };
          throw error;
        }
      };
    }
    const result = this.snapshotChain.then(write);
    this.snapshotChain = result.catch(() => undefined);
    return result;
  }

  /** The keys changed since the last call, each once; clears their entries' flags and the list. */
  private takeDirty(): string[] {
    const listed = this.dirty ?? [];
    this.dirty = [];
    const keys: string[] = [];
    const seen = new Set<string>();
    for (const key of listed) {
      const entry = this.entries.get(key);
      if (entry !== undefined) {
        if (!entry.dirty) continue; // listed again after a removal, already taken
        entry.dirty = false;
      } else if (seen.has(key)) continue;
      seen.add(key);
      keys.push(key);
    }
    return keys;
  }

  /** Stops the timers and writes a final snapshot (when configured). Later calls reject with `unavailable`. */
  async close(): Promise<void> {
    if (this.closed) return;
    for (const timer of this.timers) clearInterval(timer);
    await this.snapshot();
    this.closed = true;
  }

  /**
   * The live values of `keys`, in order (copies, or the stored arrays themselves when `copy` is false); expired
   * entries met on the way are removed.
   */
  private read(keys: readonly string[], copy = true): (Uint8Array | undefined)[] {
    const nowMs = this.now();
    const values: (Uint8Array | undefined)[] = new Array(keys.length);
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i];
      const entry = this.entries.get(key);
      if (entry === undefined) continue;
      if (expired(entry, nowMs)) {
        this.entries.delete(key); // expired: a load drops it too, so nothing to journal
        continue;
      }
      values[i] = copy ? entry.value.slice() : entry.value;
    }
    return values;
  }

  /** Stores a copy of each (already validated) write; a write without `ttlMs` clears any earlier TTL. */
  private apply(writes: readonly FeatureWrite[]): void {
    const nowMs = this.now();
    for (const write of writes) this.store(write, nowMs);
  }

  /** Stores `value` (already owned by the store) under `key`, reusing the key's entry. */
  private put(key: string, value: Uint8Array, ttlMs: number | undefined, nowMs: number): void {
    const expiresAtMs = ttlMs === undefined ? 0 : nowMs + ttlMs;
    const entry = this.entries.get(key);
    if (expiresAtMs !== 0 && entry?.expiresAtMs !== expiresAtMs) this.fileExpiry(key, expiresAtMs);
    if (entry === undefined) {
      const dirty = this.dirty !== undefined;
      this.entries.set(key, { value, expiresAtMs, dirty });
      if (dirty) this.dirty!.push(key);
      return;
    }
    entry.value = value;
    entry.expiresAtMs = expiresAtMs;
    if (this.dirty !== undefined && !entry.dirty) {
      entry.dirty = true;
      this.dirty.push(key);
    }
  }

  /** Stores a copy of a write's value. */
  private store(write: FeatureWrite, nowMs: number): void {
    this.put(write.key, internValue(write.value), write.ttlMs, nowMs);
  }

  private assertOpen(): void {
    if (this.closed) throw new RecsysError('unavailable', 'feature store is closed');
  }
}


/** The journal beside a snapshot file. */
function journalFile(snapshotPath: string): string {
  return `${snapshotPath}.journal`;
}

/** Appends `bytes` to `file` with one write and fdatasyncs it. */
async function appendDurably(file: string, bytes: Buffer): Promise<void> {
  const handle = await fs.open(file, 'a');
  try {
    let written = 0;
    while (written < bytes.length) written += (await handle.write(bytes, written, bytes.length - written)).bytesWritten;
    await handle.datasync();
  } finally {
    await handle.close();
  }
}

/** The bytes of a file, or undefined when it does not exist. */
async function readIfExists(file: string): Promise<Buffer | undefined> {
  try {
    return await fs.readFile(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * Opens an {@link InMemoryFeatureStore}, loading `snapshotPath` and then its journal when they exist. A missing
 * snapshot gives an empty store; an unreadable or corrupt snapshot rejects with an `internal` RecsysError naming the
 * file. The journal is applied up to its first incomplete record (a crash mid-append; reported through `onWarning`),
 * and ignored when it belongs to another snapshot generation; either way the next `snapshot()` is a full one.
 */
export async function openInMemoryFeatureStore(options: InMemoryFeatureStoreOptions = {}): Promise<InMemoryFeatureStore> {
  const file = options.snapshotPath;
  if (file === undefined) return new InMemoryFeatureStore(options);
  let bytes: Buffer | undefined;
  let journal: Buffer | undefined;
  try {
    bytes = await readIfExists(file);
    journal = bytes === undefined ? undefined : await readIfExists(journalFile(file));
  } catch (error) {
    throw new RecsysError('internal', `cannot read feature-store snapshot ${file}: ${errorMessage(error)}`, { cause: error });
  }
  if (bytes === undefined) return new InMemoryFeatureStore(options);
  const nowMs = (options.now ?? Date.now)();
  let loaded: ReturnType<typeof decodeSnapshot>;
  try {
    loaded = decodeSnapshot(bytes, nowMs);
  } catch (error) {
    throw new RecsysError('internal', `feature-store snapshot ${file} is corrupt: ${errorMessage(error)}`, { cause: error });
  }
  const persistence: Persistence = { generation: loaded.generation, snapshotBytes: bytes.length };
  if (journal !== undefined) {
    const { whole, records } = applyJournal(journal, loaded.generation, loaded, nowMs);
    if (whole) persistence.journalBytes = journal.length;
    else {
      const warn = options.onWarning ?? ((message: string) => process.emitWarning(message, 'FeatureStoreWarning'));
      warn(
        `feature store: ${journalFile(file)} is not a whole journal of snapshot generation ${loaded.generation} ` +
          `(applied ${records} record(s) before the first incomplete one, or none of an older generation's); the next snapshot is a full one`,
      );
    }
  }
  return new InMemoryFeatureStore(options, loaded, persistence);
}
