// Keyed time-decayed popularity with an always-fresh top-n: string keys over a DecayedScoreHeap.

import { DecayedScoreHeap } from './decayed-score-heap';

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
 * Time-decayed popularity per string key: `score(key, now) = Σ weight_i · 2^(−(now − t_i)/halfLife)`, with the
 * keys ranked by a {@link DecayedScoreHeap} (time-invariant anchors, no periodic refresh). Each key is mapped to a
 * dense integer slot (freed slots are reused).
 *
 * Complexity (K keys): `add` O(log K); `score` O(1); `top(n)` O((n + f) · log(n + f)) where f is the number of keys
 * rejected by the filter on the way, independent of K; `delete` O(log K); `prune` O(K log K). Memory O(K).
 *
 * `top` returns keys whose score is positive; keys whose sum has fallen to zero or below (possible with negative
 * weights) are never returned. Ties are broken by key, ascending.
 */
export class TimeDecayedPopularity {
  readonly halfLifeMs: number;
  private readonly slotOf = new Map<string, number>();
  private readonly keys: string[] = [];
  private readonly freeSlots: number[] = [];
  private readonly scores: DecayedScoreHeap;

  constructor(opts: TimeDecayedPopularityOptions) {
    this.scores = new DecayedScoreHeap({ halfLifeMs: opts.halfLifeMs, dense: true, tieBreak: (a, b) => this.keys[a] < this.keys[b] });
    this.halfLifeMs = opts.halfLifeMs;
  }

  /** Number of keys held. */
  get size(): number {
    return this.slotOf.size;
  }

  /** Adds `weight` to `key` at time `tMs` (out-of-order times allowed). O(log K). */
  add(key: string, weight: number, tMs: number): void {
    if (!Number.isFinite(weight) || !Number.isFinite(tMs)) throw new RangeError(`weight and tMs must be finite, got ${weight}, ${tMs}`);
    let slot = this.slotOf.get(key);
    if (slot === undefined) {
      slot = this.freeSlots.pop() ?? this.keys.length;
      this.keys[slot] = key;
      this.slotOf.set(key, slot);
    }
    this.scores.add(slot, weight, tMs);
  }

  /** The decayed score of `key` at `nowMs`; 0 for an unknown key. O(1). */
  score(key: string, nowMs: number): number {
    const slot = this.slotOf.get(key);
    return slot === undefined ? 0 : this.scores.score(slot, nowMs);
  }

  /**
   * The `n` highest-scoring keys at `nowMs` that pass `filter`, best first, with their scores.
   * Does not modify the structure. See the class comment for complexity.
   */
  top(n: number, nowMs: number, filter?: (key: string) => boolean): ScoredKey[] {
    const { keys, scores } = this.scores.top(n, nowMs, filter ? (slot) => filter(this.keys[slot]) : undefined);
    return Array.from(keys, (slot, r) => ({ key: this.keys[slot], score: scores[r] }));
  }

  /** Removes `key`; returns whether it was present. O(log K). */
  delete(key: string): boolean {
    const slot = this.slotOf.get(key);
    if (slot === undefined) return false;
    this.scores.delete(slot);
    this.slotOf.delete(key);
    this.keys[slot] = '';
    this.freeSlots.push(slot);
    return true;
  }

  /** Removes every key whose score at `nowMs` is below `minScore`; returns how many were removed. */
  prune(nowMs: number, minScore: number): number {
    const doomed: string[] = [];
    for (const [key, slot] of this.slotOf) if (this.scores.score(slot, nowMs) < minScore) doomed.push(key);
    for (const key of doomed) this.delete(key);
    return doomed.length;
  }
}
