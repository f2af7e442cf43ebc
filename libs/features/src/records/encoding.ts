// Feature-store bytes: packed binary records (format byte 2), one value per key, decoded without parsing text.

import { RecsysError } from '@recsys/domain';
import { COUNTER_COUNT } from '../definitions/event-updates';
import { WINDOWS } from '../definitions/windows';
import type { CounterBlock, WindowSlot } from '../state/counter-block';
import type { EntityRecord, RecentItem, UserRecord, UserTopicRecord } from './records';

/**
 * Format byte of the packed binary layout. Layout (little endian): `[format u8][kind u8]` then
 * - block: totals as a counter row, last engagement `f64`, then per window `count u8` and `count × (bucket i32, row)`;
 * - counter row: a `u8` mask of the counters that are not +0, then those counters as `f64` in COUNTER_NAMES order;
 * - user (kind 1): block, `recent u16 × (string, atMs f64)`, `topics u16 × (string, block, affinity f64, at f64)`;
 * - item (kind 2) and creator (kind 3): block.
 * Strings are `u16 byte length + UTF-8`. Doubles are stored exactly, so decode(encode(r)) equals r.
 */
export const RECORD_FORMAT_BINARY_V2 = 2;

/** Kind byte of each record (the second byte). */
export const KIND = { user: 1, item: 2, creator: 3 } as const;
type Kind = keyof typeof KIND;

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** Appends to one growing buffer; {@link SCRATCH} is reused by every encode (they are synchronous and never nest). */
class Writer {
  private bytes = new Uint8Array(4096);
  private view = new DataView(this.bytes.buffer);
  private at = 0;

  reset(): this {
    this.at = 0;
    return this;
  }

  private room(n: number): void {
    if (this.at + n <= this.bytes.length) return;
    let size = this.bytes.length * 2;
    while (size < this.at + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.bytes.subarray(0, this.at));
    this.bytes = next;
    this.view = new DataView(next.buffer);
  }

  u8(v: number): void {
    this.room(1);
    this.bytes[this.at++] = v;
  }

  u16(v: number): void {
    this.room(2);
    this.view.setUint16(this.at, v, true);
    this.at += 2;
  }

  i32(v: number): void {
    this.room(4);
    this.view.setInt32(this.at, v, true);
    this.at += 4;
  }

  f64(v: number): void {
    this.room(8);
    this.view.setFloat64(this.at, v, true);
    this.at += 8;
  }


  string(s: string): void {
    this.room(2 + s.length * 3);
    const { written } = encoder.encodeInto(s, this.bytes.subarray(this.at + 2));
    if (written > 0xffff) throw new RecsysError('internal', `cannot encode a feature record: a string of ${written} bytes is over 65535`);
    this.view.setUint16(this.at, written, true);
    this.at += 2 + written;
  }

  finish(): Uint8Array {
    return this.bytes.slice(0, this.at);
  }
}

const SCRATCH = new Writer();

class Reader {
  private readonly view: DataView;
  private at = 0;

  constructor(
    private readonly bytes: Uint8Array,
    readonly kind: Kind,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  private need(n: number): void {
    if (this.at + n > this.bytes.length) throw corrupt(this.kind, `truncated at byte ${this.at} (needs ${n} more of ${this.bytes.length})`);
  }

  u8(): number {
    this.need(1);
    return this.bytes[this.at++];
  }

  u16(): number {
    this.need(2);
    const v = this.view.getUint16(this.at, true);
    this.at += 2;
    return v;
  }

  i32(): number {
    this.need(4);
    const v = this.view.getInt32(this.at, true);
    this.at += 4;
    return v;
  }

  f64(): number {
    this.need(8);
    const v = this.view.getFloat64(this.at, true);
    this.at += 8;
    return v;
  }


  string(): string {
    const n = this.u16();
    this.need(n);
    try {
      return decoder.decode(this.bytes.subarray(this.at, this.at + n));
    } catch {
      throw corrupt(this.kind, `invalid UTF-8 at byte ${this.at}`);
    } finally {
      this.at += n;
    }
  }

  end(): void {
    if (this.at !== this.bytes.length) throw corrupt(this.kind, `${this.bytes.length - this.at} trailing bytes`);
  }

  /** Moves past `n` bytes (checked). */
  skip(n: number): void {
    this.need(n);
    this.at += n;
  }

  /** The current byte offset. */
  get position(): number {
    return this.at;
  }

  /** Moves to byte offset `at` (one this reader passed before). */
  seek(at: number): void {
    this.at = at;
  }
}

function corrupt(kind: string, why: string): RecsysError {
  return new RecsysError('internal', `corrupt ${kind} record in the feature store: ${why}`);
}

function header(w: Writer, kind: Kind): void {
  w.u8(RECORD_FORMAT_BINARY_V2);
  w.u8(KIND[kind]);
}

function readHeader(bytes: Uint8Array, kind: Kind): Reader {
  if (bytes.length < 2) throw corrupt(kind, `${bytes.length} bytes is too short`);
  if (bytes[0] !== RECORD_FORMAT_BINARY_V2) throw corrupt(kind, `unknown format byte ${bytes[0]}`);
  if (bytes[1] !== KIND[kind]) throw corrupt(kind, `kind byte ${bytes[1]} is not ${KIND[kind]} (${kind})`);
  const r = new Reader(bytes, kind);
  r.u8();
  r.u8();
  return r;
}

function writeRow(w: Writer, row: Float64Array): void {
  let mask = 0;
  // Only +0 is left out, so -0 and NaN round-trip exactly too.
  for (let i = 0; i < COUNTER_COUNT; i++) if (!Object.is(row[i], 0)) mask |= 1 << i;
  w.u8(mask);
  for (let i = 0; i < COUNTER_COUNT; i++) if (mask & (1 << i)) w.f64(row[i]);
}

function readRow(r: Reader, kind: Kind): Float64Array {
  const mask = r.u8();
  if (mask >> COUNTER_COUNT !== 0) throw corrupt(kind, `counter mask ${mask} names counters beyond the ${COUNTER_COUNT} known`);
  const row = new Float64Array(COUNTER_COUNT);
  for (let i = 0; i < COUNTER_COUNT; i++) if (mask & (1 << i)) row[i] = r.f64();
  return row;
}

function writeBlock(w: Writer, block: CounterBlock): void {
  writeRow(w, block.totals);
  w.f64(block.lastEngagedAtMs);
  for (let i = 0; i < WINDOWS.length; i++) {
    const slots = block.windows[i];
    w.u8(slots.length);
    for (const slot of slots) {
      w.i32(slot.bucket);
      writeRow(w, slot.counts);
    }
  }
}

function readWindows(r: Reader): WindowSlot[][] {
  const windows: WindowSlot[][] = [];
  for (let i = 0; i < WINDOWS.length; i++) {
    const n = r.u8();
    const slots: WindowSlot[] = new Array(n);
    for (let s = 0; s < n; s++) slots[s] = { bucket: r.i32(), counts: readRow(r, r.kind) };
    windows.push(slots);
  }
  return windows;
}

function readBlock(r: Reader): CounterBlock {
  const totals = readRow(r, r.kind);
  const lastEngagedAtMs = r.f64();
  return { totals, lastEngagedAtMs, windows: readWindows(r) };
}

/** Checks the windows of a block the way {@link readWindows} reads them, allocating nothing. */
function skipWindows(r: Reader): void {
  for (let i = 0; i < WINDOWS.length; i++) {
    const n = r.u8();
    for (let s = 0; s < n; s++) {
      r.skip(4);
      const mask = r.u8();
      if (mask >> COUNTER_COUNT !== 0) throw corrupt(r.kind, `counter mask ${mask} names counters beyond the ${COUNTER_COUNT} known`);
      let present = 0;
      for (let c = 0; c < COUNTER_COUNT; c++) if (mask & (1 << c)) present++;
      r.skip(8 * present);
    }
  }
}

/**
 * A counter block read for serving: totals and recency decoded, the windows (most of a record's bytes) validated but
 * decoded only when a windowed feature first reads them.
 */
class LazyWindowsBlock implements CounterBlock {
  private decoded?: WindowSlot[][];

  constructor(
    readonly totals: Float64Array,
    readonly lastEngagedAtMs: number,
    private readonly bytes: Uint8Array,
    private readonly windowsAt: number,
    private readonly kind: Kind,
  ) {}

  get windows(): WindowSlot[][] {
    if (this.decoded === undefined) {
      const r = new Reader(this.bytes, this.kind);
      r.seek(this.windowsAt);
      this.decoded = readWindows(r);
    }
    return this.decoded;
  }
}

/** Bytes of a user record. */
export function encodeUserRecord(record: UserRecord): Uint8Array {
  const w = SCRATCH.reset();
  header(w, 'user');
  writeBlock(w, record.counters);
  w.u16(record.recent.length);
  for (const r of record.recent) {
    w.string(r.itemId);
    w.f64(r.atMs);
  }
  w.u16(record.topics.length);
  for (const t of record.topics) {
    w.string(t.topic);
    writeBlock(w, t.counters);
    w.f64(t.affinity);
    w.f64(t.affinityAtMs);
  }
  return w.finish();
}

/** The user record of `bytes`; throws an `internal` RecsysError naming what is wrong when they are corrupt. */
export function decodeUserRecord(bytes: Uint8Array): UserRecord {
  const r = readHeader(bytes, 'user');
  const counters = readBlock(r);
  const recent: RecentItem[] = new Array(r.u16());
  for (let i = 0; i < recent.length; i++) recent[i] = { itemId: r.string(), atMs: r.f64() };
  const topics: UserTopicRecord[] = new Array(r.u16());
  for (let i = 0; i < topics.length; i++) topics[i] = { topic: r.string(), counters: readBlock(r), affinity: r.f64(), affinityAtMs: r.f64() };
  r.end();
  return { counters, recent, topics };
}

/** Bytes of an item or creator record (internal: the record merge reuses it). */
export function encodeEntity(kind: 'item' | 'creator', record: EntityRecord): Uint8Array {
  const w = SCRATCH.reset();
  header(w, kind);
  writeBlock(w, record.counters);
  return w.finish();
}

/** The item or creator record of `bytes` (internal: the record merge reuses it). */
export function decodeEntity(kind: 'item' | 'creator', bytes: Uint8Array): EntityRecord {
  const r = readHeader(bytes, kind);
  const counters = readBlock(r);
  r.end();
  return { counters };
}

/** Bytes of an item record. */
export const encodeItemRecord = (record: EntityRecord): Uint8Array => encodeEntity('item', record);
/** The item record of `bytes`; throws an `internal` RecsysError when they are corrupt. */
export const decodeItemRecord = (bytes: Uint8Array): EntityRecord => decodeEntity('item', bytes);
/** Bytes of a creator record. */
export const encodeCreatorRecord = (record: EntityRecord): Uint8Array => encodeEntity('creator', record);
/** The creator record of `bytes`; throws an `internal` RecsysError when they are corrupt. */
export const decodeCreatorRecord = (bytes: Uint8Array): EntityRecord => decodeEntity('creator', bytes);

/**
 * The item or creator record of `bytes` as the read path needs it: the same values as {@link decodeItemRecord} /
 * {@link decodeCreatorRecord}, the whole record validated up front (an `internal` RecsysError when corrupt), but the
 * sliding windows decoded only when first read. The record keeps `bytes`, which must not change afterwards.
 */
export function readEntityRecord(kind: 'item' | 'creator', bytes: Uint8Array): EntityRecord {
  const r = readHeader(bytes, kind);
  const totals = readRow(r, r.kind);
  const lastEngagedAtMs = r.f64();
  const windowsAt = r.position;
  skipWindows(r);
  r.end();
  return { counters: new LazyWindowsBlock(totals, lastEngagedAtMs, bytes, windowsAt, kind) };
}
