// Time-decayed scores of integer keys in a heap on time-invariant anchors: an always-fresh top-n without refreshes.

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
 * live in an {@link IndexedHeap} on that anchor (ties by `tieBreak`); keys whose value is 0 or negative have no anchor
 * and are never listed.
 *
 * Complexity (K keys): {@link add}, {@link set}, {@link delete} O(log K); {@link score} O(1); {@link top}(n)
 * O((n + f) log(n + f)) where f keys were rejected by the filter on the way, independent of K. Memory: 28 bytes per
 * key (value, time, anchor, heap slot and position), plus a Map entry per key when not `dense`.
 */
export class DecayedScoreHeap {
  readonly halfLifeMs: number;
  private readonly dense: boolean;
  private readonly slotOf = new Map<number, number>();
  private keyOf = new Int32Array(16);
  private values = new Float64Array(16);
  private times = new Float64Array(16);
  private anchors = new Float64Array(16);
  private readonly freeSlots: number[] = [];
  private nextSlot = 0;
  private readonly heap: IndexedHeap;

  constructor(opts: DecayedScoreHeapOptions) {
    if (!(opts.halfLifeMs > 0)) throw new RangeError(`halfLifeMs must be > 0, got ${opts.halfLifeMs}`);
    this.halfLifeMs = opts.halfLifeMs;
    this.dense = opts.dense ?? false;
    const tie = opts.tieBreak ?? ((a: number, b: number) => a < b);
    this.heap = new IndexedHeap((a, b) => {
      const x = this.anchors[a];
      const y = this.anchors[b];
      if (x !== y) return x > y;
      return tie(this.keyOf[a], this.keyOf[b]);
    });
  }

  /** Number of keys held (positive or not). */
  get size(): number {
    return this.heap.size;
  }

  /** True when `key` has been added and not deleted. */
  has(key: number): boolean {
    return this.slot(key) !== undefined;
  }

  /** Adds `weight` to `key` at time `tMs` (out-of-order times allowed). O(log K). */
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

  /** Replaces the state of `key` by `value` stored at `atMs` (e.g. to mirror another table's key). O(log K). */
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

  /** Removes `key`; returns whether it was present. O(log K). */
  delete(key: number): boolean {
    const slot = this.slot(key);
    if (slot === undefined) return false;
    this.heap.remove(slot);
    this.values[slot] = 0;
    if (!this.dense) {
      this.slotOf.delete(key);
      this.freeSlots.push(slot);
    }
    return true;
  }

  /**
   * The `n` highest-scoring keys at `nowMs` with a positive score that `accept` admits, best first, with their
   * scores. Does not modify the structure. O((n + f) log(n + f)) for f rejected keys.
   */
  top(n: number, nowMs: number, accept?: (key: number) => boolean): TopKeys {
    const keys: number[] = [];
    const scores: number[] = [];
    if (n > 0) {
      const cursor = this.cursor();
      for (let key = cursor.next(); key >= 0 && keys.length < n; key = cursor.next()) {
        if (accept && !accept(key)) continue;
        keys.push(key);
        scores.push(this.score(key, nowMs));
      }
    }
    return { keys: Int32Array.from(keys), scores: Float64Array.from(scores) };
  }

  /** A best-first walk over the keys with a positive score; the table must not change while it is in use. */
  cursor(): DecayedScoreCursor {
    return new DecayedScoreCursor(this.heap.cursor(), this.keyOf, this.anchors);
  }

  /** Calls `fn` for every key held (positive or not), in no particular order. O(K). */
  forEachKey(fn: (key: number) => void): void {
    if (this.dense) {
      for (let slot = 0; slot < this.nextSlot; slot++) if (this.heap.has(slot)) fn(slot);
    } else {
      for (const key of this.slotOf.keys()) fn(key);
    }
  }

  private slot(key: number): number | undefined {
    if (this.dense) return key >= 0 && key < this.nextSlot && this.heap.has(key) ? key : undefined;
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
    this.heap.push(slot);
  }

  private store(slot: number, value: number, atMs: number): void {
    this.values[slot] = value;
    this.times[slot] = atMs;
    const before = this.anchors[slot];
    const after = this.anchor(value, atMs);
    this.anchors[slot] = after;
    if (after !== before) this.heap.update(slot);
  }

  private anchor(value: number, atMs: number): number {
    return value > 0 ? Math.log2(value) + atMs / this.halfLifeMs : NO_ANCHOR;
  }

  private grow(min: number): void {
    const capacity = Math.max(min, this.values.length * 2);
    const grown = <A extends Float64Array | Int32Array>(old: A, next: A): A => {
      next.set(old);
      return next;
    };
    this.keyOf = grown(this.keyOf, new Int32Array(capacity));
    this.values = grown(this.values, new Float64Array(capacity));
    this.times = grown(this.times, new Float64Array(capacity));
    this.anchors = grown(this.anchors, new Float64Array(capacity));
  }
}

/** A best-first walk over the positively scored keys of a {@link DecayedScoreHeap}. */
export class DecayedScoreCursor {
  constructor(
    private readonly walk: HeapCursor,
    private readonly keyOf: Int32Array,
    private readonly anchors: Float64Array,
  ) {}

  /** The anchor of the next key (a bound on every later key's anchor), −Infinity when the walk is over. */
  peekAnchor(): number {
    const slot = this.walk.peek();
    return slot < 0 ? NO_ANCHOR : this.anchors[slot];
  }

  /** The next key with a positive score, best first; −1 when there is none left. */
  next(): number {
    const slot = this.walk.peek();
    if (slot < 0 || this.anchors[slot] === NO_ANCHOR) return -1;
    this.walk.next();
    return this.keyOf[slot];
  }
}
