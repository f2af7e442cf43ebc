// Time-decayed scores of integer keys ranked on time-invariant anchors: an always-fresh top-n without refreshes.

import { addDecayed, decayedValue } from './decayed-counter';
import { IndexedHeap, type HeapCursor } from './indexed-heap';

/** Options of {@link DecayedScoreHeap}. */
export interface DecayedScoreHeapOptions {
  /** Time for a contribution to halve, ms, > 0. */
  halfLifeMs: number;
  /**
   * Order of two keys whose scores are equal (equal anchors): true when key `a` ranks above key `b`. Must be a strict
   * total order. Default: the lower key first.
   */
  tieBreak?: (a: number, b: number) => boolean;
  /**
   * `true`: keys are dense indexes (0, 1, 2, … with few gaps) stored at their own position, no look-up table;
   * `false` (default): any non-negative integer keys, mapped to dense slots by a Map (for tables holding a small part
   * of a large key space, e.g. one segment's items).
   */
  dense?: boolean;
  /**
   * How many of the best keys are kept sorted in an array (default 512): reading the top n ≤ `block` keys is then a
   * scan; the rest live in a heap. Updates cost O(log K + block) (a binary search and a move of the array's tail).
   */
  block?: number;
}

/** The best keys of a heap at one time: `keys[r]` has score `scores[r]`, best first. */
export interface TopKeys {
  keys: Int32Array;
  scores: Float64Array;
}

const NO_ANCHOR = Number.NEGATIVE_INFINITY;

/**
 * Time-decayed scores of integer keys (0 ≤ key < 2³¹): `score(key, now) = Σ weight_i · 2^(−(now − t_i)/halfLife)`.
 *
 * Each key stores (value, lastUpdate) and decays lazily. Ranking needs no periodic refresh: between two query times
 * every score decays by the same factor, so the order of keys with a positive value is the order of the
 * time-invariant anchor `log2(value) + lastUpdate/halfLife`, which changes only when the key itself is updated. Keys
 * whose value is 0 or negative have no anchor and are never listed; ties are ordered by `tieBreak`.
 *
 * The ranking is kept incrementally in two parts: the best `block` keys in a sorted array, every other key in an
 * {@link IndexedHeap} (each array key ranks above each heap key). So reading the top n is a scan of the array for
 * n ≤ block (then a best-first walk of the heap, O(m log m) for m more keys), and an update moves one key.
 *
 * Complexity (K keys, B = block): {@link add}, {@link set}, {@link delete} O(log K + B) (the B term is one memmove of
 * at most B int32s); {@link score} O(1); {@link top}(n) O(n + f) for n + f ≤ B, f the keys rejected by the filter,
 * independent of K. Memory: 29 bytes per key (value, time, anchor, heap slot and position, array flag), plus a Map
 * entry per key when not `dense`, plus 4·B bytes.
 */
export class DecayedScoreHeap {
  readonly halfLifeMs: number;
  private readonly dense: boolean;
  private readonly slotOf = new Map<number, number>();
  private keyOf = new Int32Array(16);
  private values = new Float64Array(16);
  private times = new Float64Array(16);
  private anchors = new Float64Array(16);
  private inBlock = new Uint8Array(16);
  private readonly freeSlots: number[] = [];
  private nextSlot = 0;
  /** The best keys' slots, best first. */
  private readonly block: Int32Array;
  private blockSize = 0;
  /** The other slots. Invariant: empty while the block is not full. */
  private readonly heap: IndexedHeap;
  private readonly above: (a: number, b: number) => boolean;

  constructor(opts: DecayedScoreHeapOptions) {
    if (!(opts.halfLifeMs > 0)) throw new RangeError(`halfLifeMs must be > 0, got ${opts.halfLifeMs}`);
    const block = opts.block ?? 512;
    if (!Number.isInteger(block) || block < 1) throw new RangeError(`block must be a positive integer, got ${block}`);
    this.halfLifeMs = opts.halfLifeMs;
    this.dense = opts.dense ?? false;
    this.block = new Int32Array(block);
    const tie = opts.tieBreak ?? ((a: number, b: number) => a < b);
    this.above = (a, b) => {
      const x = this.anchors[a];
      const y = this.anchors[b];
      if (x !== y) return x > y;
      return tie(this.keyOf[a], this.keyOf[b]);
    };
    this.heap = new IndexedHeap(this.above);
  }

  /** Number of keys held (positive or not). */
  get size(): number {
    return this.blockSize + this.heap.size;
  }

  /** True when `key` has been added and not deleted. */
  has(key: number): boolean {
    return this.slot(key) !== undefined;
  }

  /** Adds `weight` to `key` at time `tMs` (out-of-order times allowed). O(log K + B). */
  add(key: number, weight: number, tMs: number): void {
    if (!Number.isFinite(weight) || !Number.isFinite(tMs)) throw new RangeError(`weight and tMs must be finite, got ${weight}, ${tMs}`);
    const slot = this.slot(key);
    if (slot === undefined) {
      this.insert(key, weight, tMs);
      return;
    }
    const next = addDecayed(this.values[slot], this.times[slot], weight, tMs, this.halfLifeMs);
    this.store(slot, next.value, next.atMs);
  }

  /** Replaces the state of `key` by `value` stored at `atMs` (e.g. to mirror another table's key). O(log K + B). */
  set(key: number, value: number, atMs: number): void {
    if (!Number.isFinite(value) || !(Number.isFinite(atMs) || (value === 0 && atMs === NO_ANCHOR))) {
      throw new RangeError(`value and atMs must be finite, got ${value}, ${atMs}`);
    }
    const slot = this.slot(key);
    if (slot === undefined) this.insert(key, value, atMs);
    else this.store(slot, value, atMs);
  }

  /** The decayed score of `key` at `nowMs`; 0 for an unknown key. O(1). */
  score(key: number, nowMs: number): number {
    const slot = this.slot(key);
    if (slot === undefined) return 0;
    return decayedValue(this.values[slot], this.times[slot], nowMs, this.halfLifeMs);
  }

  /** The stored value of `key` at its last update ({@link timeOf}); 0 for an unknown key. */
  valueOf(key: number): number {
    const slot = this.slot(key);
    return slot === undefined ? 0 : this.values[slot];
  }

  /** The time of the last update of `key`, ms; −Infinity for an unknown key. */
  timeOf(key: number): number {
    const slot = this.slot(key);
    return slot === undefined ? NO_ANCHOR : this.times[slot];
  }

  /** The anchor of `key` (`log2(value) + lastUpdate/halfLife`), −Infinity when its value is ≤ 0 or it is unknown. */
  anchorOf(key: number): number {
    const slot = this.slot(key);
    return slot === undefined ? NO_ANCHOR : this.anchors[slot];
  }

  /** Removes `key`; returns whether it was present. O(log K + B). */
  delete(key: number): boolean {
    const slot = this.slot(key);
    if (slot === undefined) return false;
    this.unplace(slot);
    this.values[slot] = 0;
    if (!this.dense) {
      this.slotOf.delete(key);
      this.freeSlots.push(slot);
    }
    return true;
  }

  /**
   * The `n` highest-scoring keys at `nowMs` with a positive score that `accept` admits, best first, with their
   * scores. Does not modify the structure. O(n + f) for f rejected keys while n + f ≤ block.
   */
  top(n: number, nowMs: number, accept?: (key: number) => boolean): TopKeys {
    const keys = new Int32Array(Math.max(0, Math.min(n, this.size)));
    const scores = new Float64Array(keys.length);
    let taken = 0;
    if (keys.length > 0) {
      const cursor = this.cursor();
      for (let slot = cursor.nextSlot(); slot >= 0 && taken < keys.length; slot = cursor.nextSlot()) {
        const key = this.keyOf[slot];
        if (accept && !accept(key)) continue;
        keys[taken] = key;
        scores[taken++] = decayedValue(this.values[slot], this.times[slot], nowMs, this.halfLifeMs);
      }
    }
    return taken === keys.length ? { keys, scores } : { keys: keys.slice(0, taken), scores: scores.slice(0, taken) };
  }

  /** A best-first walk over the keys with a positive score; the table must not change while it is in use. */
  cursor(): DecayedScoreCursor {
    return new DecayedScoreCursor(this.block, this.blockSize, this.heap.cursor(this.anchors), this.keyOf, this.anchors);
  }

  /** Calls `fn` for every key held (positive or not), in no particular order. O(K). */
  forEachKey(fn: (key: number) => void): void {
    if (this.dense) {
      for (let slot = 0; slot < this.nextSlot; slot++) if (this.inBlock[slot] === 1 || this.heap.has(slot)) fn(slot);
    } else {
      for (const key of this.slotOf.keys()) fn(key);
    }
  }

  private slot(key: number): number | undefined {
    if (this.dense) return key >= 0 && key < this.nextSlot && (this.inBlock[key] === 1 || this.heap.has(key)) ? key : undefined;
    return this.slotOf.get(key);
  }

  private insert(key: number, value: number, atMs: number): void {
    if (!Number.isInteger(key) || key < 0 || key > 0x7fffffff) throw new RangeError(`key ${key} is not a non-negative integer`);
    let slot: number;
    if (this.dense) {
      slot = key;
      if (slot >= this.nextSlot) this.nextSlot = slot + 1;
    } else {
      slot = this.freeSlots.pop() ?? this.nextSlot++;
      this.slotOf.set(key, slot);
    }
    if (slot >= this.values.length) this.grow(slot + 1);
    this.keyOf[slot] = key;
    this.values[slot] = value;
    this.times[slot] = atMs;
    this.anchors[slot] = this.anchor(value, atMs);
    this.place(slot);
  }

  private store(slot: number, value: number, atMs: number): void {
    this.values[slot] = value;
    this.times[slot] = atMs;
    const after = this.anchor(value, atMs);
    if (after === this.anchors[slot]) return;
    if (this.inBlock[slot] === 1) {
      // Out of the array under its old anchor (its position is found by it), back in under the new one.
      this.unplace(slot);
      this.anchors[slot] = after;
      this.place(slot);
      return;
    }
    this.anchors[slot] = after;
    this.heap.update(slot);
    const last = this.blockSize - 1;
    if (this.blockSize === this.block.length && this.above(slot, this.block[last])) {
      this.heap.remove(slot);
      this.evictLast();
      this.insertInBlock(slot);
    }
  }

  /** Ranks a slot that is in neither part. */
  private place(slot: number): void {
    const capacity = this.block.length;
    if (this.blockSize < capacity) {
      this.insertInBlock(slot);
    } else if (this.above(slot, this.block[capacity - 1])) {
      this.evictLast();
      this.insertInBlock(slot);
    } else {
      this.heap.push(slot);
    }
  }

  /** Takes a slot out of the ranking (refilling the array from the heap). */
  private unplace(slot: number): void {
    if (this.inBlock[slot] === 0) {
      this.heap.remove(slot);
      return;
    }
    const at = this.positionInBlock(slot);
    this.block.copyWithin(at, at + 1, this.blockSize);
    this.blockSize--;
    this.inBlock[slot] = 0;
    const next = this.heap.pop();
    if (next >= 0) {
      this.block[this.blockSize++] = next;
      this.inBlock[next] = 1;
    }
  }

  /** Moves the array's worst slot to the heap. */
  private evictLast(): void {
    const last = this.block[--this.blockSize];
    this.inBlock[last] = 0;
    this.heap.push(last);
  }

  /** The first array position whose slot does not rank above `slot` (its own position when it is there). */
  private positionInBlock(slot: number): number {
    let lo = 0;
    let hi = this.blockSize;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.above(this.block[mid], slot)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private insertInBlock(slot: number): void {
    const at = this.positionInBlock(slot);
    this.block.copyWithin(at + 1, at, this.blockSize);
    this.block[at] = slot;
    this.blockSize++;
    this.inBlock[slot] = 1;
  }

  private anchor(value: number, atMs: number): number {
    return value > 0 ? Math.log2(value) + atMs / this.halfLifeMs : NO_ANCHOR;
  }

  private grow(min: number): void {
    const capacity = Math.max(min, this.values.length * 2);
    const grown = <A extends Float64Array | Int32Array | Uint8Array>(old: A, next: A): A => {
      next.set(old);
      return next;
    };
    this.keyOf = grown(this.keyOf, new Int32Array(capacity));
    this.values = grown(this.values, new Float64Array(capacity));
    this.times = grown(this.times, new Float64Array(capacity));
    this.anchors = grown(this.anchors, new Float64Array(capacity));
    this.inBlock = grown(this.inBlock, new Uint8Array(capacity));
  }
}

/** A best-first walk over the positively scored keys of a {@link DecayedScoreHeap}: its sorted array, then its heap. */
export class DecayedScoreCursor {
  private at = 0;

  constructor(
    private readonly block: Int32Array,
    private readonly blockSize: number,
    private readonly rest: HeapCursor,
    private readonly keyOf: Int32Array,
    private readonly anchors: Float64Array,
  ) {}

  /** The anchor of the next key (a bound on every later key's anchor), −Infinity when the walk is over. */
  peekAnchor(): number {
    if (this.at < this.blockSize) return this.anchors[this.block[this.at]];
    const slot = this.rest.peek();
    return slot < 0 ? NO_ANCHOR : this.anchors[slot];
  }

  /** The next key with a positive score, best first; −1 when there is none left. */
  next(): number {
    const slot = this.nextSlot();
    return slot < 0 ? -1 : this.keyOf[slot];
  }

  /** {@link next} as a slot of the table (for the table itself). */
  nextSlot(): number {
    let slot: number;
    if (this.at < this.blockSize) slot = this.block[this.at];
    else slot = this.rest.peek();
    if (slot < 0 || this.anchors[slot] === NO_ANCHOR) return -1;
    if (this.at < this.blockSize) this.at++;
    else this.rest.next();
    return slot;
  }
}
