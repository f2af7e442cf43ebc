// Sampled-negatives protocol: each held-out positive is ranked against N items the user never interacted with.
import { compareRanked, createRng, sortedContains, type Rng } from '@recsys/algorithms';
import { STREAM, userSeed } from '../random-streams';
import { PooledAuc } from './pooled-auc';
import { type ProtocolRun, type UserCase } from './protocol';

/** Default number of sampled negatives per positive. */
export const DEFAULT_NEGATIVES = 100;

/**
 * Sampled protocol: for each relevant item p of a user, `negatives` items are drawn uniformly without replacement
 * from the items in neither the user's train nor test rows, and p is ranked among those N + 1 by the same order
 * as full ranking (higher score first, ties to the lower item index). Per positive: hit@K = rank ≤ K,
 * ndcg@K = 1/log2(rank + 1) when rank ≤ K (NDCG with one relevant item), rr = 1/rank; averaged over the user's
 * positives, then over users (every user weighs the same, as in full ranking). auc is the per-user share of
 * (positive, its sampled negative) pairs ordered correctly, ties one half; auc_global pools all of them.
 * A user with fewer than N eligible negatives gets all of them; a user with none is skipped. Negatives are seeded
 * per (seed, user), so results do not depend on the order or subset of users evaluated.
 * Sampled figures are NOT comparable to full-ranking ones (they are much higher); reports name the protocol.
 */
export class SampledRun implements ProtocolRun {
  private readonly sums: Float64Array;
  private readonly pooled: PooledAuc;
  private readonly drawn = new Set<number>();
  private buffer: Int32Array;
  private users = 0;
  private rrSum = 0;
  private aucSum = 0;

  constructor(
    private readonly ks: readonly number[],
    private readonly negatives: number,
    private readonly nItems: number,
    private readonly seed: number,
    expectedPositives: number,
    maxPooledNegatives?: number,
  ) {
    if (!Number.isInteger(negatives) || negatives < 1) throw new RangeError(`negatives must be a positive integer, got ${negatives}`);
    this.sums = new Float64Array(ks.length * 2);
    this.buffer = new Int32Array(negatives);
    this.pooled = new PooledAuc(expectedPositives * negatives, userSeed(seed, 0, STREAM.pooledAuc), maxPooledNegatives);
  }

  add(c: UserCase): boolean {
    const { user, scores, train, test, relevant } = c;
    const available = this.nItems - unionSize(train, test);
    if (available <= 0) return false;
    const rng = createRng(userSeed(this.seed, user, STREAM.negatives));
    const userSums = new Float64Array(this.sums.length);
    let rr = 0;
    let wins = 0;
    let pairs = 0;
    for (let q = 0; q < relevant.length; q++) {
      const p = relevant[q];
      const sp = scores[p];
      if (Number.isNaN(sp)) throw new RangeError(`score of item ${p} for user ${user} is NaN`);
      const negs = this.sample(rng, train, test, available);
      let ahead = 0;
      for (let j = 0; j < negs.length; j++) {
        const i = negs[j];
        const s = scores[i];
        if (Number.isNaN(s)) throw new RangeError(`score of item ${i} for user ${user} is NaN`);
        if (compareRanked(s, i, sp, p) < 0) ahead++;
        wins += s < sp ? 1 : s === sp ? 0.5 : 0;
        this.pooled.offerNegative(s);
      }
      pairs += negs.length;
      this.pooled.addPositive(sp);
      const rank = ahead + 1;
      rr += 1 / rank;
      for (let j = 0; j < this.ks.length; j++) {
        if (rank <= this.ks[j]) {
          userSums[2 * j] += 1;
          userSums[2 * j + 1] += 1 / Math.log2(rank + 1);
        }
      }
    }
    const n = relevant.length;
    for (let j = 0; j < this.sums.length; j++) this.sums[j] += userSums[j] / n;
    this.rrSum += rr / n;
    this.aucSum += wins / pairs;
    this.users++;
    return true;
  }

  finish(): Record<string, number> {
    const metrics: Record<string, number> = {};
    const n = Math.max(1, this.users);
    this.ks.forEach((k, j) => {
      metrics[`hitrate@${k}`] = this.sums[2 * j] / n;
      metrics[`ndcg@${k}`] = this.sums[2 * j + 1] / n;
    });
    metrics.mrr = this.rrSum / n;
    if (this.users > 0) metrics.auc = this.aucSum / n;
    const global = this.pooled.auc();
    if (!Number.isNaN(global)) metrics.auc_global = global;
    return metrics;
  }

  /** min(N, available) distinct items in neither row, uniformly. */
  private sample(rng: Rng, train: Int32Array, test: Int32Array, available: number): Int32Array {
    const want = Math.min(this.negatives, available);
    if (available <= 2 * want) {
      // Dense case: list the eligible items, then a partial Fisher–Yates.
      const pool = new Int32Array(available);
      let n = 0;
      for (let i = 0; i < this.nItems; i++) if (!sortedContains(train, i) && !sortedContains(test, i)) pool[n++] = i;
      for (let j = 0; j < want; j++) {
        const r = j + rng.int(available - j);
        const t = pool[j];
        pool[j] = pool[r];
        pool[r] = t;
      }
      return pool.subarray(0, want);
    }
    // Sparse case: rejection; at least half the draws succeed.
    this.drawn.clear();
    let n = 0;
    while (n < want) {
      const i = rng.int(this.nItems);
      if (this.drawn.has(i) || sortedContains(train, i) || sortedContains(test, i)) continue;
      this.drawn.add(i);
      this.buffer[n++] = i;
    }
    return this.buffer.subarray(0, want);
  }
}

/** |a ∪ b| of two ascending lists. */
function unionSize(a: Int32Array, b: Int32Array): number {
  let i = 0;
  let j = 0;
  let n = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      i++;
      j++;
    } else if (a[i] < b[j]) i++;
    else j++;
    n++;
  }
  return n + (a.length - i) + (b.length - j);
}
