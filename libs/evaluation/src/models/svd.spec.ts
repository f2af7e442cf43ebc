import { createRng, InteractionMatrixBuilder, type InteractionMatrix } from '@recsys/algorithms';
import { createRecommender } from '../recommenders/registry';
import { type RecommenderParams } from '../recommenders/recommender';
import { randomHoldoutSplit } from '../splits/random-holdout';
import { splitByMask } from '../splits/split';
import { SvdRecommender, type RatingPredictor } from './svd';
import { evaluateRmse, formatRmseReport } from './svd-rmse';

/** Ratings 3 + b_u + b_i + p_u·q_i of a rank-2 model on 50% of a 60 × 40 grid. */
function lowRankRatings(seed: number): InteractionMatrix {
  const rng = createRng(seed);
  const bu = Array.from({ length: 60 }, () => 0.4 * rng.normal());
  const bi = Array.from({ length: 40 }, () => 0.4 * rng.normal());
  const p = Array.from({ length: 60 }, () => [rng.normal(), rng.normal()]);
  const q = Array.from({ length: 40 }, () => [0.5 * rng.normal(), 0.5 * rng.normal()]);
  const b = new InteractionMatrixBuilder();
  for (let i = 0; i < 40; i++) b.addItem(`i${i}`);
  for (let u = 0; u < 60; u++) {
    for (let i = 0; i < 40; i++) if (rng.next() < 0.5) b.add(`u${u}`, `i${i}`, 3 + bu[u] + bi[i] + p[u][0] * q[i][0] + p[u][1] * q[i][1]);
  }
  return b.build();
}

/** A rating predictor with a fixed table: user 0 → 3 for every item, user 1 → 4. */
class TablePredictor implements RatingPredictor {
  readonly name = 'table';
  readonly params: RecommenderParams = {};
  fit(): void {}
  scoreAll(): void {}
  predict(user: number): number {
    return user === 0 ? 3 : 4;
  }
}

describe('evaluateRmse', () => {
  it('computes RMSE and MAE over every test rating by hand', () => {
    const b = new InteractionMatrixBuilder();
    b.add('u0', 'a', 3);
    b.add('u0', 'b', 5); // test: 5 − 3 = 2
    b.add('u1', 'a', 4);
    b.add('u1', 'b', 4);
    b.add('u1', 'c', 3); // test: 3 − 4 = −1, item c has no training rating
    const m = b.build();
    // Entries in CSR order: u0:a, u0:b, u1:a, u1:b, u1:c.
    const split = splitByMask(m, Uint8Array.from([0, 1, 0, 0, 1]), 'hand', 'two test ratings');
    const r = evaluateRmse(new TablePredictor(), split, { dataset: 'hand' });
    expect(r.rmse).toBeCloseTo(Math.sqrt(2.5), 12);
    expect(r.mae).toBeCloseTo(1.5, 12);
    expect(r.ratings).toBe(2);
    expect(r.coldRatings).toBe(1);
    expect(formatRmseReport(r)).toContain('RMSE 1.5811');
  });
});

describe('SvdRecommender', () => {
  it('is registered as svd; regularization also sets the bias regularization unless given', () => {
    expect(createRecommender('svd', { factors: '4', regularization: '0.1', seed: 2 }).params).toEqual({
      factors: 4,
      learningRate: 0.01,
      regularization: 0.1,
      biasRegularization: 0.1,
      epochs: 60,
      seed: 2,
    });
    expect(createRecommender('svd', { regularization: '0.1', biasRegularization: '0' }).params.biasRegularization).toBe(0);
  });

  it('beats the biases-only model, which beats the global mean, on held-out low-rank ratings', () => {
    const split = randomHoldoutSplit(lowRankRatings(1), { testFraction: 0.2, seed: 3 });
    const mf = new SvdRecommender({ factors: 2, learningRate: 0.02, regularization: 0.01, epochs: 200, seed: 1 });
    const biases = new SvdRecommender({ factors: 0, learningRate: 0.02, regularization: 0.01, epochs: 200, seed: 1 });
    mf.fit(split.train);
    biases.fit(split.train);
    const train = split.train;
    const mu = train.values.reduce((a, v) => a + v, 0) / train.values.length;
    let sq = 0;
    for (const v of split.test.values) sq += (v - mu) ** 2;
    const meanRmse = Math.sqrt(sq / split.test.values.length);
    const rMf = evaluateRmse(mf, split).rmse;
    const rBias = evaluateRmse(biases, split).rmse;
    expect(rBias).toBeLessThan(meanRmse);
    expect(rMf).toBeLessThan(0.5 * rBias);
  });

  it('ranks by the unclamped predicted rating', () => {
    const split = randomHoldoutSplit(lowRankRatings(2), { testFraction: 0.2, seed: 3 });
    const mf = new SvdRecommender({ factors: 2, epochs: 5, seed: 1 });
    mf.fit(split.train);
    const out = new Float32Array(split.train.nItems);
    mf.scoreAll(3, out);
    const m = mf.trained();
    for (const i of [0, 17, 39]) {
      let s = m.globalMean + m.userBias[3] + m.itemBias[i];
      for (let f = 0; f < 2; f++) s += m.userFactors[3 * 2 + f] * m.itemFactors[i * 2 + f];
      expect(out[i]).toBeCloseTo(s, 5);
      expect(mf.predict(3, i)).toBeCloseTo(Math.min(m.maxRating, Math.max(m.minRating, s)), 5);
    }
  });
});
