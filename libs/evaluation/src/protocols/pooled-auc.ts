// Global AUC over (user, item) pairs pooled across users, in bounded memory.
import { aucOfScoreSets, createRng, type Rng } from '@recsys/algorithms';

/** Default bound on the negative scores kept for the global AUC (4 bytes each: 40 MB). */
export const POOLED_AUC_MAX_NEGATIVES = 10_000_000;

/**
 * Collects positive and negative scores of all users for one global AUC (every positive pair vs every negative
 * pair, ties one half, scores compared across users). All positives are kept. Negatives are kept exactly while
 * `expectedNegatives` ≤ `maxNegatives`; beyond that, each negative is kept with probability
 * maxNegatives / expectedNegatives (a seeded Bernoulli sample, by geometric skips: one random draw per kept
 * negative), so the AUC is an unbiased estimate and memory stays bounded.
 */
export class PooledAuc {
  /** Probability that a negative is kept: 1 means the AUC is exact. */
  readonly rate: number;
  private pos: Float32Array = new Float32Array(1024);
  private neg: Float32Array = new Float32Array(1024);
  private nPos = 0;
  private nNeg = 0;
  private skip = 0;
  private readonly rng: Rng;
  private readonly logKeep: number;

  constructor(expectedNegatives: number, seed: number, maxNegatives = POOLED_AUC_MAX_NEGATIVES) {
    this.rate = expectedNegatives <= maxNegatives ? 1 : maxNegatives / expectedNegatives;
    this.rng = createRng(seed);
    this.logKeep = Math.log(1 - this.rate);
    this.skip = this.nextSkip();
  }

  /** Adds the score of a positive (user, item) pair. */
  addPositive(score: number): void {
    if (this.nPos === this.pos.length) this.pos = grow(this.pos);
    this.pos[this.nPos++] = score;
  }

  /** Offers the score of a negative (user, item) pair: kept always at rate 1, else with probability `rate`. */
  offerNegative(score: number): void {
    if (this.skip > 0) {
      this.skip--;
      return;
    }
    if (this.nNeg === this.neg.length) this.neg = grow(this.neg);
    this.neg[this.nNeg++] = score;
    this.skip = this.nextSkip();
  }

  /** The AUC of everything added (NaN when either side is empty). Sorts the kept scores in place. */
  auc(): number {
    return aucOfScoreSets(this.pos.subarray(0, this.nPos), this.neg.subarray(0, this.nNeg));
  }

  /** Number of positive and kept negative scores. */
  get sizes(): { positives: number; negatives: number } {
    return { positives: this.nPos, negatives: this.nNeg };
  }

  /** Negatives to skip before the next kept one: Geometric(rate) − 1. */
  private nextSkip(): number {
    if (this.rate >= 1) return 0;
    return Math.floor(Math.log(1 - this.rng.next()) / this.logKeep);
  }
}

function grow(a: Float32Array): Float32Array {
  const b = new Float32Array(a.length * 2);
  b.set(a);
  return b;
}
