/** Seeded random numbers for the simulator: mulberry32 plus the few distributions the world needs. */

/** `Math`, looked up once: global lookups are slow inside vm contexts (jest), and these loops run there too. */
const math = Math;

/** A seeded pseudo-random source. Same seed, same sequence, on every platform. */
export interface SimRandom {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
  /** Standard normal (Box–Muller; the second value of each pair is kept for the next call). */
  normal(): number;
  /** A uniformly chosen element; throws on an empty array. */
  pick<T>(arr: readonly T[]): T;
  /** Exponential with the given mean. */
  exponential(mean: number): number;
  /** Gamma(shape, 1) (Marsaglia–Tsang; shape < 1 by the u^(1/shape) boost). */
  gamma(shape: number): number;
  /** Beta(a, b) as a ratio of gammas; in (0, 1). */
  beta(a: number, b: number): number;
  /** Pareto with minimum 1 and tail index `alpha`: P(X > x) = x^(-alpha). */
  pareto(alpha: number): number;
}

/**
 * A mulberry32 generator seeded with `seed` (any number; reduced to 32 bits).
 * Period 2^32, good enough for a simulator; not for cryptography.
 */
export function createRandom(seed: number): SimRandom {
  let state = seed >>> 0;
  let spare: number | undefined;
  const next = (): number => {
    state = (state + 0x6d2b79f5) | 0;
    let t = math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const normal = (): number => {
    if (spare !== undefined) {
      const value = spare;
      spare = undefined;
      return value;
    }
    // 1 - next() is in (0, 1], so the log is finite.
    const radius = math.sqrt(-2 * math.log(1 - next()));
    const angle = 2 * math.PI * next();
    spare = radius * math.sin(angle);
    return radius * math.cos(angle);
  };
  const gamma = (shape: number): number => {
    if (shape < 1) return gamma(shape + 1) * math.pow(1 - next(), 1 / shape);
    const d = shape - 1 / 3;
    const c = 1 / math.sqrt(9 * d);
    for (;;) {
      let x: number;
      let v: number;
      do {
        x = normal();
        v = 1 + c * x;
      } while (v <= 0);
      v = v * v * v;
      const u = 1 - next();
      if (u < 1 - 0.0331 * x * x * x * x) return d * v;
      if (math.log(u) < 0.5 * x * x + d * (1 - v + math.log(v))) return d * v;
    }
  };
  return {
    next,
    int: (n) => math.floor(next() * n),
    normal,
    pick: <T>(arr: readonly T[]): T => {
      if (arr.length === 0) throw new Error('pick from an empty array');
      return arr[math.floor(next() * arr.length)];
    },
    exponential: (mean) => -math.log(1 - next()) * mean,
    gamma,
    beta: (a, b) => {
      const x = gamma(a);
      const y = gamma(b);
      const value = x / (x + y);
      // Keep the value strictly inside (0, 1) even after float underflow.
      return math.min(1 - 1e-9, math.max(1e-9, value));
    },
    pareto: (alpha) => math.pow(1 - next(), -1 / alpha),
  };
}

/**
 * A 32-bit seed for an independent stream named `label` under `seed` (FNV-1a of the label, mixed with the
 * seed by the murmur3 finaliser). Each part of the world draws from its own stream, so changing one size
 * (say, the number of pins) does not reshuffle the others (the users).
 */
export function deriveSeed(seed: number, label: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < label.length; i++) {
    h ^= label.charCodeAt(i);
    h = math.imul(h, 0x01000193);
  }
  h ^= seed >>> 0;
  h = math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  h ^= h >>> 16;
  // Fold in the high part of seeds wider than 32 bits.
  h ^= math.floor(seed / 4294967296) | 0;
  return h >>> 0;
}

/**
 * A 32-bit seed mixed from numeric parts (integers; each folded in by its low and high 32 bits through the
 * murmur3 finaliser). Gives a per-call stream that depends only on its inputs, e.g. a policy's page for
 * (seed, user, session, time): the same parts always give the same seed, whatever was drawn before.
 */
export function mixSeeds(a: number, b: number, c = 0, d = 0): number {
  let h = 0x9e3779b9;
  h = mixPart(h, a);
  h = mixPart(h, b);
  h = mixPart(h, c);
  h = mixPart(h, d);
  return h >>> 0;
}

function mixPart(h: number, value: number): number {
  h = fmix32(h ^ (value >>> 0));
  return fmix32((h + 0x9e3779b9) ^ (math.floor(value / 4294967296) >>> 0));
}

function fmix32(h: number): number {
  h = math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/**
 * Index of the first entry of the ascending `sorted[0..count)` that is greater than `value`
 * (that is, how many entries are <= value). O(log count).
 */
export function upperBound(sorted: ArrayLike<number>, value: number, count = sorted.length): number {
  let lo = 0;
  let hi = count;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] <= value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Index of the first entry of the ascending `sorted[0..count)` that is >= value (how many are < value).
 * O(log count).
 */
export function lowerBound(sorted: ArrayLike<number>, value: number, count = sorted.length): number {
  let lo = 0;
  let hi = count;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Samples an index in [0, count) with probability proportional to weight, given the inclusive prefix sums
 * `cumulative` (cumulative[i] = w0 + ... + wi) of non-negative weights, and a uniform `u` in [0, 1).
 * Sampling a prefix of the array samples among the first `count` items only. O(log count).
 */
export function sampleCumulative(cumulative: ArrayLike<number>, count: number, u: number): number {
  if (count <= 0) throw new Error('sample from an empty prefix');
  const index = upperBound(cumulative, u * cumulative[count - 1], count);
  return math.min(index, count - 1);
}

/** Samples an index with probability proportional to `weights` (linear scan; for short arrays). */
export function sampleWeights(weights: ArrayLike<number>, u: number): number {
  let total = 0;
  for (let i = 0; i < weights.length; i++) total += weights[i];
  let target = u * total;
  for (let i = 0; i < weights.length; i++) {
    target -= weights[i];
    if (target < 0) return i;
  }
  return weights.length - 1;
}
