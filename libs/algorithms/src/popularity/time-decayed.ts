// Keyed time-decayed popularity with an always-fresh top-n: an indexed heap on time-invariant log-scores.

import { addDecayed, decayedValue } from './decayed-counter';

/** A key with its decayed score at the query time. */
export interface ScoredKey {
  key: string;
  score: number;
}

/** Options of {@link TimeDecayedPopularity}. */
export interface TimeDecayedPopularityOptions {
  /** Time for a contribution to halve, ms, > 0. */
  halfLifeMs: number;
}

/**
 * Time-decayed popularity per key: `score(key, now) = Σ weight_i · 2^(−(now − t_i)/halfLife)`.
 *
 * Each key stores (value, lastUpdate) and is decayed lazily. Ranking keys needs no periodic refresh:
 * all scores decay by the same factor between two query times, so the order of keys with positive
 * value is the order of the time-invariant anchor `log2(value) + lastUpdate/halfLife`, which only changes
 * when the key itself is updated. Keys live in a binary max-heap on that anchor with an index from key to
 * heap slot.
 *
 * Complexity (K keys): `add` O(log K); `score` O(1); `top(n)` O((n + f) · log(n + f)) where f is the number
 * of keys rejected by the filter on the way (a best-first walk of the heap with a small frontier heap),
 * independent of K; `delete` O(log K); `prune` O(K log K). Memory O(K): three typed-array slots plus one
 * map entry per key.
 *
 * `top` returns keys whose score is positive; keys whose sum has fallen to zero or below (possible with
 * negative weights) are never returned. Ties are broken by key, ascending.
 */
export class TimeDecayedPopularity {
  readonly halfLifeMs: number;
  private readonly slotOf = new Map<string, number>();
  private keys: string[] = [];
  private values = new Float64Array(16);
  private times = new Float64Array(16);
  private anchors = new Float64Array(16);
  /** heap[i] = slot; heapPos[slot] = i. */
  private heap = new Int32Array(16);
  private heapPos = new Int32Array(16);
  private freeSlots: number[] = [];
  private count = 0;

  constructor(opts: TimeDecayedPopularityOptions) {
    if (!(opts.halfLifeMs > 0)) throw new RangeError(`halfLifeMs must be > 0, got ${opts.halfLifeMs}`);
    this.halfLifeMs = opts.halfLifeMs;
  }

  /** Number of keys held. */
  get size(): number {
    return this.count;
  }

  /** Adds `weight` to `key` at time `tMs` (out-of-order times allowed). O(log K). */
  add(key: string, weight: number, tMs: number): void {
    if (!Number.isFinite(weight) || !Number.isFinite(tMs)) throw new RangeError(`weight and tMs must be finite, got ${weight}, ${tMs}`);
    let slot = this.slotOf.get(key);
    if (slot === undefined) {
      slot = this.allocate(key);
      this.values[slot] = weight;
      this.times[slot] = tMs;
      this.anchors[slot] = this.anchor(weight, tMs);
      this.heap[this.count] = slot;
      this.heapPos[slot] = this.count;
      this.count++;
      this.siftUp(this.count - 1);
      return;
    }
    const next = addDecayed(this.values[slot], this.times[slot], weight, tMs, this.halfLifeMs);
    this.values[slot] = next.value;
    this.times[slot] = next.atMs;
    const before = this.anchors[slot];
    this.anchors[slot] = this.anchor(next.value, next.atMs);
    const pos = this.heapPos[slot];
    if (this.anchors[slot] > before) this.siftUp(pos);
    else this.siftDown(pos);
  }

  /** The decayed score of `key` at `nowMs`; 0 for an unknown key. O(1). */
  score(key: string, nowMs: number): number {
    const slot = this.slotOf.get(key);
    if (slot === undefined) return 0;
    return decayedValue(this.values[slot], this.times[slot], nowMs, this.halfLifeMs);
  }

  /**
   * The `n` highest-scoring keys at `nowMs` that pass `filter`, best first, with their scores.
   * Does not modify the structure. See the class comment for complexity.
   */
  top(n: number, nowMs: number, filter?: (key: string) => boolean): ScoredKey[] {
    const result: ScoredKey[] = [];
    if (n <= 0 || this.count === 0) return result;
    // Best-first walk: the frontier holds heap positions whose parents were already visited.
    const frontier: number[] = [0];
    while (frontier.length > 0 && result.length < n) {
      const pos = this.popFrontier(frontier);
      const slot = this.heap[pos];
      if (this.anchors[slot] === Number.NEGATIVE_INFINITY) break; // everything below scores ≤ 0
      const key = this.keys[slot];
      if (!filter || filter(key)) result.push({ key, score: decayedValue(this.values[slot], this.times[slot], nowMs, this.halfLifeMs) });
      const left = 2 * pos + 1;
      if (left < this.count) this.pushFrontier(frontier, left);
      if (left + 1 < this.count) this.pushFrontier(frontier, left + 1);
    }
    return result;
  }

  /** Removes `key`; returns whether it was present. O(log K). */
  delete(key: string): boolean {
    const slot = this.slotOf.get(key);
    if (slot === undefined) return false;
    const pos = this.heapPos[slot];
    const last = this.count - 1;
    if (pos !== last) {
      this.swap(pos, last);
      this.count--;
      this.siftDown(pos);
      this.siftUp(pos);
    } else {
      this.count--;
    }
    this.slotOf.delete(key);
    this.keys[slot] = '';
    this.freeSlots.push(slot);
    return true;
  }

  /** Removes every key whose score at `nowMs` is below `minScore`; returns how many were removed. */
  prune(nowMs: number, minScore: number): number {
    const doomed: string[] = [];
    for (const [key, slot] of this.slotOf) {
      if (decayedValue(this.values[slot], this.times[slot], nowMs, this.halfLifeMs) < minScore) doomed.push(key);
    }
    for (const key of doomed) this.delete(key);
    return doomed.length;
  }

  private anchor(value: number, atMs: number): number {
    return value > 0 ? Math.log2(value) + atMs / this.halfLifeMs : Number.NEGATIVE_INFINITY;
  }

  /** True when the key in `slotA` ranks strictly above the key in `slotB`. */
  private above(slotA: number, slotB: number): boolean {
    const a = this.anchors[slotA];
    const b = this.anchors[slotB];
    if (a !== b) return a > b;
    return this.keys[slotA] < this.keys[slotB];
  }

  private allocate(key: string): number {
    let slot = this.freeSlots.pop();
    if (slot === undefined) {
      slot = this.keys.length;
      this.keys.push(key);
      if (slot >= this.values.length) this.grow(this.values.length * 2);
    } else {
      this.keys[slot] = key;
    }
    this.slotOf.set(key, slot);
    return slot;
  }

  private grow(capacity: number): void {
    const copy = <A extends Float64Array | Int32Array>(old: A, make: (n: number) => A): A => {
      const next = make(capacity);
      next.set(old);
      return next;
    };
    this.values = copy(this.values, (c) => new Float64Array(c));
    this.times = copy(this.times, (c) => new Float64Array(c));
    this.anchors = copy(this.anchors, (c) => new Float64Array(c));
    this.heap = copy(this.heap, (c) => new Int32Array(c));
    this.heapPos = copy(this.heapPos, (c) => new Int32Array(c));
  }

  private swap(i: number, j: number): void {
    const a = this.heap[i];
    const b = this.heap[j];
    this.heap[i] = b;
    this.heap[j] = a;
    this.heapPos[b] = i;
    this.heapPos[a] = j;
  }

  private siftUp(pos: number): void {
    while (pos > 0) {
      const parent = (pos - 1) >> 1;
      if (!this.above(this.heap[pos], this.heap[parent])) return;
      this.swap(pos, parent);
      pos = parent;
    }
  }

  private siftDown(pos: number): void {
    for (;;) {
      const left = 2 * pos + 1;
      if (left >= this.count) return;
      let best = left;
      if (left + 1 < this.count && this.above(this.heap[left + 1], this.heap[left])) best = left + 1;
      if (!this.above(this.heap[best], this.heap[pos])) return;
      this.swap(pos, best);
      pos = best;
    }
  }

  /** The frontier is a max-heap of heap positions, ordered like the main heap. */
  private pushFrontier(frontier: number[], pos: number): void {
    frontier.push(pos);
    let i = frontier.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.above(this.heap[frontier[i]], this.heap[frontier[parent]])) break;
      [frontier[i], frontier[parent]] = [frontier[parent], frontier[i]];
      i = parent;
    }
  }

  private popFrontier(frontier: number[]): number {
    const top = frontier[0];
    const last = frontier.pop() as number;
    if (frontier.length > 0) {
      frontier[0] = last;
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        if (left >= frontier.length) break;
        let best = left;
        if (left + 1 < frontier.length && this.above(this.heap[frontier[left + 1]], this.heap[frontier[left]])) best = left + 1;
        if (!this.above(this.heap[frontier[best]], this.heap[frontier[i]])) break;
        [frontier[i], frontier[best]] = [frontier[best], frontier[i]];
        i = best;
      }
    }
    return top;
  }
}
