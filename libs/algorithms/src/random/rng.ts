// Seeded pseudo-random numbers (mulberry32): the only source of randomness in the algorithms library.

/** A seeded random number generator. Every method advances the same 32-bit state. */
export interface Rng {
  /** A uniform number in [0, 1) with 32 bits of randomness. */
  next(): number;
  /** A uniform integer in [0, n). `n` must be a positive integer no larger than 2^32. */
  int(n: number): number;
  /** A standard normal variate (mean 0, variance 1), by the Box–Muller transform. */
  normal(): number;
  /** A uniformly chosen element of a non-empty array. */
  pick<T>(items: readonly T[]): T;
  /** Shuffles `items` in place (Fisher–Yates) and returns it. */
  shuffle<T, A extends { length: number; [i: number]: T }>(items: A): A;
}

/**
 * The mulberry32 generator: a 32-bit state advanced by a Weyl sequence and mixed; period 2^32.
 * Returns a function yielding uniform numbers in [0, 1). Same seed, same sequence, on every platform.
 */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A seeded generator built on {@link mulberry32}. `seed` is reduced to an unsigned 32-bit integer
 * (non-integers are truncated), so seeds that differ only above bit 32 give the same sequence.
 */
export function createRng(seed: number): Rng {
  if (!Number.isFinite(seed)) throw new RangeError(`seed must be a finite number, got ${seed}`);
  const next = mulberry32(Math.trunc(seed));
  let spareNormal: number | undefined;

  const int = (n: number): number => {
    if (!Number.isInteger(n) || n <= 0 || n > 4294967296) throw new RangeError(`int(n) needs an integer n in [1, 2^32], got ${n}`);
    return Math.floor(next() * n);
  };

  return {
    next,
    int,
    normal() {
      if (spareNormal !== undefined) {
        const value = spareNormal;
        spareNormal = undefined;
        return value;
      }
      // 1 - next() lies in (0, 1], so the logarithm is finite.
      const radius = Math.sqrt(-2 * Math.log(1 - next()));
      const angle = 2 * Math.PI * next();
      spareNormal = radius * Math.sin(angle);
      return radius * Math.cos(angle);
    },
    pick<T>(items: readonly T[]): T {
      if (items.length === 0) throw new RangeError('pick() needs a non-empty array');
      return items[int(items.length)];
    },
    shuffle<T, A extends { length: number; [i: number]: T }>(items: A): A {
      for (let i = items.length - 1; i > 0; i--) {
        const j = int(i + 1);
        const tmp = items[i];
        items[i] = items[j];
        items[j] = tmp;
      }
      return items;
    },
  };
}
