// Seeds for the harness's independent random streams: per purpose and per user.
import { mix32 } from '@recsys/algorithms';

/** Independent random streams derived from one seed: one per purpose, so that e.g. the random model's scores are not
 * correlated with the holdout that chose the test items under the same seed. */
export const STREAM = Object.freeze({ holdout: 0x1d0c4a11, randomModel: 0x7a2b9e3d, negatives: 0x5e6a11ed, pooledAuc: 0x3c0ffee5, userSample: 0x05e75a3e });

/**
 * A 32-bit seed for user `u` derived from `seed` and a `stream` (one of {@link STREAM}), so per-user randomness
 * depends neither on the order of users nor on the other purposes the same seed serves.
 */
export function userSeed(seed: number, u: number, stream: number): number {
  // The golden-ratio multiplier spreads consecutive users; mix32 makes every bit depend on all inputs.
  return mix32((mix32((Math.trunc(seed) ^ stream) >>> 0) ^ Math.imul(u + 1, 0x9e3779b1)) >>> 0);
}
