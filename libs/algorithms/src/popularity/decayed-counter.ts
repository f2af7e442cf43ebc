// One exponentially time-decayed sum, stored as (value, lastUpdate) and decayed lazily when read.

/** 2^(−dtMs / halfLifeMs): the factor a value decays by over `dtMs`. */
export function decayFactor(dtMs: number, halfLifeMs: number): number {
  return Math.pow(2, -dtMs / halfLifeMs);
}

/**
 * An exponentially decayed sum: a weight added at time t is worth `weight · 2^(−(now − t)/halfLife)` at
 * `now`. Stores only the value at its last update time; every operation is O(1). Additions may arrive out
 * of time order: an addition older than the last update is decayed to it, so the result does not depend on
 * the order of additions.
 */
export class DecayedCounter {
  private value = 0;
  private atMs = Number.NEGATIVE_INFINITY;

  /** @param halfLifeMs time for a contribution to halve, > 0. */
  constructor(readonly halfLifeMs: number) {
    if (!(halfLifeMs > 0)) throw new RangeError(`halfLifeMs must be > 0, got ${halfLifeMs}`);
  }

  /** Adds `weight` (may be negative) at time `tMs`. */
  add(weight: number, tMs: number): void {
    const next = addDecayed(this.value, this.atMs, weight, tMs, this.halfLifeMs);
    this.value = next.value;
    this.atMs = next.atMs;
  }

  /** The decayed sum at `nowMs` (0 before any addition). */
  valueAt(nowMs: number): number {
    return decayedValue(this.value, this.atMs, nowMs, this.halfLifeMs);
  }

  /** The stored (value, time of last update) pair, e.g. to persist it. */
  state(): { value: number; atMs: number } {
    return { value: this.value, atMs: this.atMs };
  }
}

/**
 * The value `value` stored at `atMs`, decayed to `nowMs`. Reading at a time before `atMs` returns the
 * stored value undecayed (never inflated). A value never updated (`atMs = −∞`) is 0.
 */
export function decayedValue(value: number, atMs: number, nowMs: number, halfLifeMs: number): number {
  if (value === 0 || nowMs <= atMs) return value;
  return value * decayFactor(nowMs - atMs, halfLifeMs);
}

/**
 * Adds `weight` at `tMs` to a value stored at `atMs` and returns the new (value, atMs). The stored time
 * only moves forward; an older addition is decayed to the stored time. O(1).
 */
export function addDecayed(value: number, atMs: number, weight: number, tMs: number, halfLifeMs: number): { value: number; atMs: number } {
  if (tMs >= atMs) return { value: decayedValue(value, atMs, tMs, halfLifeMs) + weight, atMs: tMs };
  return { value: value + weight * decayFactor(atMs - tMs, halfLifeMs), atMs };
}
