import { InteractionMatrixBuilder, type InteractionMatrix } from '../matrix/interaction-matrix';
import { createRng } from '../random/rng';
import { predictRating, rmse, trainBiasedMf, type BiasedMfModel } from './biased-mf';

/** Ratings r = 3 + b_u + b_i + p_u·q_i of a rank-2 model, every pair observed with probability `density`. */
function lowRankRatings(users: number, items: number, density: number, seed: number): InteractionMatrix {
  const rng = createRng(seed);
  const bu = Array.from({ length: users }, () => 0.5 * rng.normal());
  const bi = Array.from({ length: items }, () => 0.5 * rng.normal());
  const p = Array.from({ length: users }, () => [rng.normal(), rng.normal()]);
  const q = Array.from({ length: items }, () => [0.5 * rng.normal(), 0.5 * rng.normal()]);
  const b = new InteractionMatrixBuilder();
  for (let u = 0; u < users; u++) b.addUser(`u${u}`);
  for (let i = 0; i < items; i++) b.addItem(`i${i}`);
  for (let u = 0; u < users; u++) {
    for (let i = 0; i < items; i++) {
      if (rng.next() < density) b.addIndexed(u, i, 3 + bu[u] + bi[i] + p[u][0] * q[i][0] + p[u][1] * q[i][1]);
    }
  }
  return b.build();
}

describe('predictRating / rmse', () => {
  // μ = 3, b_u = 0.5, b_i = (−1, 0), k = 1: p = 2, q = (0.5, 1) → predictions 3.5 and 5.5.
  const model: BiasedMfModel = {
    factors: 1,
    nUsers: 1,
    nItems: 2,
    globalMean: 3,
    userBias: Float32Array.from([0.5]),
    itemBias: Float32Array.from([-1, 0]),
    userFactors: Float32Array.from([2]),
    itemFactors: Float32Array.from([0.5, 1]),
    minRating: 1,
    maxRating: 5,
  };
  const b = new InteractionMatrixBuilder();
  b.add('u', 'a', 4);
  b.add('u', 'b', 5);
  const ratings = b.build();

  it('predicts μ + b_u + b_i + p·q, clamped to the training range on request', () => {
    expect(predictRating(model, 0, 0)).toBeCloseTo(3.5, 6);
    expect(predictRating(model, 0, 1)).toBeCloseTo(5.5, 6);
    expect(predictRating(model, 0, 1, true)).toBe(5);
  });

  it('computes the root mean squared error by hand', () => {
    // Errors 0.5 and −0.5; clamped: 0.5 and 0.
    expect(rmse(model, ratings)).toBeCloseTo(0.5, 6);
    expect(rmse(model, ratings, true)).toBeCloseTo(Math.sqrt(0.125), 6);
  });
});

describe('trainBiasedMf', () => {
  it('drives the training RMSE down to about 0 on noise-free rank-2 ratings', () => {
    const m = lowRankRatings(40, 30, 0.8, 1);
    const curve: number[] = [];
    const model = trainBiasedMf(m, {
      factors: 2,
      learningRate: 0.02,
      regularization: 0,
      epochs: 400,
      seed: 4,
      onEpoch: (epoch, mdl) => {
        if (epoch === 1 || epoch % 50 === 0) curve.push(rmse(mdl, m));
      },
    });
    for (let t = 1; t < curve.length; t++) expect(curve[t]).toBeLessThan(curve[t - 1]);
    expect(curve[0]).toBeGreaterThan(0.3);
    expect(rmse(model, m)).toBeLessThan(0.01);
  });

  it('fits the biases alone with no factors: one user, one item, rating 4 predicts 4', () => {
    const b = new InteractionMatrixBuilder();
    b.add('u', 'i', 4);
    const model = trainBiasedMf(b.build(), { factors: 0, epochs: 5 });
    expect(model.globalMean).toBe(4);
    expect(predictRating(model, 0, 0)).toBeCloseTo(4, 6);
  });

  it('is deterministic given the seed, and the seed matters', () => {
    const m = lowRankRatings(10, 8, 0.7, 2);
    const a = trainBiasedMf(m, { factors: 3, epochs: 5, seed: 1 });
    const b = trainBiasedMf(m, { factors: 3, epochs: 5, seed: 1 });
    const c = trainBiasedMf(m, { factors: 3, epochs: 5, seed: 2 });
    expect(Array.from(b.userFactors)).toEqual(Array.from(a.userFactors));
    expect(Array.from(b.itemBias)).toEqual(Array.from(a.itemBias));
    expect(Array.from(c.userFactors)).not.toEqual(Array.from(a.userFactors));
  });

  it('leaves unrated items with zero bias and factors', () => {
    const b = new InteractionMatrixBuilder();
    b.addItem('never');
    b.add('u', 'i', 2);
    b.add('v', 'i', 4);
    const model = trainBiasedMf(b.build(), { factors: 2, epochs: 3 });
    expect(model.itemBias[0]).toBe(0);
    expect(Array.from(model.itemFactors.subarray(0, 2))).toEqual([0, 0]);
    expect(predictRating(model, 0, 0)).toBeCloseTo(3 + model.userBias[0], 6);
  });
});
