// Full-ranking protocol: rank every item the user has not trained on; top-K metrics, MRR, AUC, catalog metrics.
import {
  averagePrecisionAtK,
  catalogCoverage,
  firstRelevantRank,
  giniCoefficient,
  hitRateAtK,
  ndcgAtK,
  novelty,
  precisionAtK,
  recallAtK,
  topK,
  userAuc,
} from '@recsys/algorithms';
import { STREAM, userSeed } from '../random-streams';
import { PooledAuc } from './pooled-auc';
import { type ProtocolRun, type UserCase } from './protocol';

/** Per-K metrics of the full-ranking protocol, averaged over evaluated users. */
const PER_K = ['hitrate', 'precision', 'recall', 'ndcg', 'map'] as const;

/**
 * Full ranking: every item not in the user's training row is a candidate; the top max(ks) are selected by partial
 * selection (not a full sort) with the tie-break of `topK`. Reports per K: hitrate, precision, recall, ndcg, map
 * (means over users), coverage, novelty and gini (over the top-K lists of all evaluated users, exposure over the
 * whole catalog); and over the whole ranking: mrr (the untruncated reciprocal rank of the first relevant item),
 * auc (mean per-user AUC of the relevant items against every other candidate, over users with at least one
 * negative) and auc_global (all users' (user, item) pairs pooled; see {@link PooledAuc}).
 */
export class FullRankingRun implements ProtocolRun {
  private readonly ks: readonly number[];
  private readonly maxK: number;
  private readonly sums: Float64Array;
  private readonly exposure: Float64Array[];
  private readonly pooled: PooledAuc;
  private users = 0;
  private rrSum = 0;
  private aucSum = 0;
  private aucUsers = 0;

  /**
   * @param popularity training interaction count per item (for novelty)
   * @param expectedNegatives the number of negative pairs the users to come have in total (bounds the pooled AUC)
   */
  constructor(
    ks: readonly number[],
    private readonly popularity: Float64Array,
    expectedNegatives: number,
    seed: number,
    maxPooledNegatives?: number,
  ) {
    this.ks = ks;
    this.maxK = Math.max(...ks);
    this.sums = new Float64Array(ks.length * PER_K.length);
    this.exposure = ks.map(() => new Float64Array(popularity.length));
    this.pooled = new PooledAuc(expectedNegatives, userSeed(seed, 0, STREAM.pooledAuc), maxPooledNegatives);
  }

  add(c: UserCase): boolean {
    const { scores, train, relevant } = c;
    const top = topK(scores, this.maxK, train);
    for (let j = 0; j < this.ks.length; j++) {
      const k = this.ks[j];
      const base = j * PER_K.length;
      this.sums[base] += hitRateAtK(top, relevant, k);
      this.sums[base + 1] += precisionAtK(top, relevant, k);
      this.sums[base + 2] += recallAtK(top, relevant, k);
      this.sums[base + 3] += ndcgAtK(top, relevant, k);
      this.sums[base + 4] += averagePrecisionAtK(top, relevant, k);
      const exposure = this.exposure[j];
      const n = Math.min(k, top.length);
      for (let r = 0; r < n; r++) exposure[top[r]]++;
    }
    this.rrSum += 1 / firstRelevantRank(scores, relevant, train);
    const auc = userAuc(scores, relevant, train);
    if (!Number.isNaN(auc)) {
      this.aucSum += auc;
      this.aucUsers++;
    }
    // Pool: relevant items are positives; items in neither train nor relevant are negatives.
    for (let q = 0; q < relevant.length; q++) this.pooled.addPositive(scores[relevant[q]]);
    let t = 0;
    let q = 0;
    for (let i = 0; i < scores.length; i++) {
      while (t < train.length && train[t] < i) t++;
      if (t < train.length && train[t] === i) continue;
      while (q < relevant.length && relevant[q] < i) q++;
      if (q < relevant.length && relevant[q] === i) continue;
      this.pooled.offerNegative(scores[i]);
    }
    this.users++;
    return true;
  }

  finish(): Record<string, number> {
    const metrics: Record<string, number> = {};
    const n = Math.max(1, this.users);
    for (let j = 0; j < this.ks.length; j++) {
      const k = this.ks[j];
      PER_K.forEach((name, m) => (metrics[`${name}@${k}`] = this.sums[j * PER_K.length + m] / n));
      metrics[`coverage@${k}`] = catalogCoverage(this.exposure[j]);
      const bits = novelty(this.exposure[j], this.popularity);
      if (!Number.isNaN(bits)) metrics[`novelty@${k}`] = bits; // NaN only without any training interaction
      metrics[`gini@${k}`] = giniCoefficient(this.exposure[j]);
    }
    metrics.mrr = this.rrSum / n;
    if (this.aucUsers > 0) metrics.auc = this.aucSum / this.aucUsers;
    const global = this.pooled.auc();
    if (!Number.isNaN(global)) metrics.auc_global = global;
    return metrics;
  }

  /** Share of negatives kept for auc_global (1: exact). */
  get pooledRate(): number {
    return this.pooled.rate;
  }
}
