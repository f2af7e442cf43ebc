// Per-user random holdout: a seeded random share of each user's interactions goes to test.
import { createRng, type InteractionMatrix } from '@recsys/algorithms';
import { STREAM, userSeed } from '../random-streams';
import { splitByMask, type Split } from './split';

/** Options of {@link randomHoldoutSplit}. */
export interface RandomHoldoutOptions {
  /** Share of each user's interactions held out for test, in (0, 1). */
  testFraction: number;
  /** Seed; the same seed and matrix give the same split. */
  seed: number;
}

/**
 * Holds out, for every user with at least 2 interactions, round(testFraction × n) of the user's n interactions,
 * clamped to [1, n − 1], chosen uniformly at random: every such user keeps at least one training and one test
 * interaction. Users with fewer than 2 interactions stay entirely in train (one interaction cannot be both
 * learned from and tested). Each user's choice is seeded by (seed, user index), so it does not depend on the
 * other users. O(nnz).
 */
export function randomHoldoutSplit(m: InteractionMatrix, opts: RandomHoldoutOptions): Split {
  const { testFraction, seed } = opts;
  if (!(testFraction > 0 && testFraction < 1)) throw new RangeError(`testFraction must be in (0, 1), got ${testFraction}`);
  const isTest = new Uint8Array(m.indptr[m.nUsers]);
  let positions = new Int32Array(0);
  for (let u = 0; u < m.nUsers; u++) {
    const start = m.indptr[u];
    const n = m.indptr[u + 1] - start;
    if (n < 2) continue;
    const nTest = Math.min(n - 1, Math.max(1, Math.round(testFraction * n)));
    if (positions.length < n) positions = new Int32Array(Math.max(n, 2 * positions.length));
    for (let j = 0; j < n; j++) positions[j] = j;
    const rng = createRng(userSeed(seed, u, STREAM.holdout));
    // Partial Fisher–Yates: the first nTest positions become a uniform random subset.
    for (let j = 0; j < nTest; j++) {
      const r = j + rng.int(n - j);
      const t = positions[j];
      positions[j] = positions[r];
      positions[r] = t;
      isTest[start + positions[j]] = 1;
    }
  }
  const pct = Math.round(testFraction * 1000) / 10;
  return splitByMask(
    m,
    isTest,
    'random-holdout',
    `${pct}% of each user's interactions to test, chosen at random (at least 1, at most all but 1; users with < 2 all-train), seed ${seed}`,
  );
}
