import { InteractionMatrixBuilder, type InteractionMatrix } from '../matrix/interaction-matrix';
import { createRng } from '../random/rng';
import { alsLoss, recalculateUser, scoreAllItems, startAlsTraining, trainAls, type AlsModel } from './als';
import { AlsKernels } from './als-kernels';
import { choleskySolve } from './linalg';

/** A matrix from dense rows: entry (u, i) stored when rows[u][i] > 0. */
function fromDense(rows: number[][]): InteractionMatrix {
  const b = new InteractionMatrixBuilder();
  rows.forEach((_, u) => b.addUser(`u${u}`));
  rows[0].forEach((_, i) => b.addItem(`i${i}`));
  rows.forEach((row, u) => row.forEach((r, i) => r > 0 && b.addIndexed(u, i, r)));
  return b.build();
}

function randomMatrix(users: number, items: number, density: number, seed: number): InteractionMatrix {
  const rng = createRng(seed);
  return fromDense(Array.from({ length: users }, () => Array.from({ length: items }, () => (rng.next() < density ? 1 + rng.int(5) : 0))));
}

/** Reference ALS, written out densely: every row solved exactly by Cholesky of its normal equations. */
function referenceAls(m: InteractionMatrix, k: number, lambda: number, alpha: number, iterations: number, x0: Float32Array, y0: Float32Array) {
  const x = Float64Array.from(x0);
  const y = Float64Array.from(y0);
  const dense = Array.from({ length: m.nUsers }, () => new Float64Array(m.nItems));
  for (let u = 0; u < m.nUsers; u++) for (let e = m.indptr[u]; e < m.indptr[u + 1]; e++) dense[u][m.indices[e]] = m.values[e];
  const solveSide = (target: Float64Array, fixed: Float64Array, nT: number, nF: number, r: (t: number, f: number) => number) => {
    for (let t = 0; t < nT; t++) {
      const a = new Float64Array(k * k);
      const b = new Float64Array(k);
      for (let f = 0; f < nF; f++) {
        const value = r(t, f);
        const c = value > 0 ? 1 + alpha * value : 1;
        const p = value > 0 ? 1 : 0;
        for (let g = 0; g < k; g++) {
          b[g] += c * p * fixed[f * k + g];
          for (let h = 0; h < k; h++) a[g * k + h] += c * fixed[f * k + g] * fixed[f * k + h];
        }
      }
      for (let g = 0; g < k; g++) a[g * k + g] += lambda;
      target.set(choleskySolve(a, k, b), t * k);
    }
  };
  for (let it = 0; it < iterations; it++) {
    solveSide(x, y, m.nUsers, m.nItems, (u, i) => dense[u][i]);
    solveSide(y, x, m.nItems, m.nUsers, (i, u) => dense[u][i]);
  }
  return { x, y };
}

function normals(n: number, seed: number, scale = 0.1): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length: n }, () => scale * rng.normal());
}

describe('alsLoss', () => {
  it('equals the hand-computed weighted objective', () => {
    // One user, two items, k = 1: x = 1, y = (0.5, 2); item 0 observed with r = 1, α = 1 → c = 2.
    const m = fromDense([[1, 0]]);
    const model: AlsModel = {
      factors: 1,
      nUsers: 1,
      nItems: 2,
      userFactors: Float32Array.from([1]),
      itemFactors: Float32Array.from([0.5, 2]),
      regularization: 0.1,
      alpha: 1,
    };
    // Observed: 2·(1 − 0.5)² = 0.5; unobserved: 1·(0 − 2)² = 4; λ(1 + 0.25 + 4) = 0.525.
    expect(alsLoss(model, m)).toBeCloseTo(5.025, 6);
  });
});

describe('trainAls', () => {
  it('never increases the objective from one iteration to the next', () => {
    const m = randomMatrix(12, 15, 0.3, 1);
    const opts = { factors: 3, regularization: 0.1, alpha: 2, seed: 5 };
    const losses = [alsLoss(trainAls(m, { ...opts, iterations: 0 }), m)];
    trainAls(m, { ...opts, iterations: 12, onIteration: (_, model) => losses.push(alsLoss(model, m)) });
    expect(losses).toHaveLength(13);
    for (let t = 1; t < losses.length; t++) expect(losses[t]).toBeLessThanOrEqual(losses[t - 1] * (1 + 1e-6));
    // It does learn: the first sweep removes most of the initial objective (≈ Σ c over observed entries).
    expect(losses[1]).toBeLessThan(0.7 * losses[0]);
    expect(losses[12]).toBeLessThan(losses[1]);
  });

  it('with as many CG steps as factors, matches exact Cholesky solves of the normal equations', () => {
    const m = fromDense([
      [1, 0, 3, 0, 0],
      [0, 2, 0, 0, 1],
      [4, 0, 0, 1, 0],
      [0, 0, 2, 0, 5],
    ]);
    const k = 3;
    const x0 = normals(m.nUsers * k, 11);
    const y0 = normals(m.nItems * k, 12);
    const ref = referenceAls(m, k, 0.1, 2, 5, x0, y0);
    const model = trainAls(m, { factors: k, regularization: 0.1, alpha: 2, iterations: 5, cgSteps: 12, initial: { userFactors: x0, itemFactors: y0 } });
    for (let j = 0; j < ref.x.length; j++) expect(Math.abs(model.userFactors[j] - ref.x[j])).toBeLessThan(1e-4);
    for (let j = 0; j < ref.y.length; j++) expect(Math.abs(model.itemFactors[j] - ref.y[j])).toBeLessThan(1e-4);
  });

  it('matches the exact solution on a larger matrix too, where items are solved in a rotated basis', () => {
    // 6 users × 40 items: items outnumber users, so the item sweeps run in the Gram matrix's eigenbasis.
    const m = randomMatrix(6, 40, 0.25, 4);
    const k = 4;
    const x0 = normals(m.nUsers * k, 21);
    const y0 = normals(m.nItems * k, 22);
    const ref = referenceAls(m, k, 0.05, 1, 4, x0, y0);
    const model = trainAls(m, { factors: k, regularization: 0.05, alpha: 1, iterations: 4, cgSteps: 8, initial: { userFactors: x0, itemFactors: y0 } });
    for (let j = 0; j < ref.x.length; j++) expect(Math.abs(model.userFactors[j] - ref.x[j])).toBeLessThan(1e-4);
    for (let j = 0; j < ref.y.length; j++) expect(Math.abs(model.itemFactors[j] - ref.y[j])).toBeLessThan(1e-4);
  });

  it('is deterministic given the seed, and the seed matters', () => {
    const m = randomMatrix(20, 30, 0.2, 2);
    const a = trainAls(m, { factors: 5, iterations: 3, seed: 9 });
    const b = trainAls(m, { factors: 5, iterations: 3, seed: 9 });
    const c = trainAls(m, { factors: 5, iterations: 3, seed: 10 });
    expect(Array.from(b.userFactors)).toEqual(Array.from(a.userFactors));
    expect(Array.from(b.itemFactors)).toEqual(Array.from(a.itemFactors));
    expect(Array.from(c.itemFactors)).not.toEqual(Array.from(a.itemFactors));
  });

  it('gives bit-identical factors however each task is cut into pieces and in whatever order they run', () => {
    // Odd k (a padded coordinate), more items than users (rotated item sweeps) and an empty user row.
    const m = randomMatrix(30, 70, 0.15, 3);
    const opts = { factors: 5, iterations: 4, seed: 1 };
    const a = trainAls(m, opts);
    const training = startAlsTraining(m, opts, 2);
    const kernels = new AlsKernels(training.workspace.memory, training.workspace.layout);
    let next = training.tasks.next();
    while (!next.done) {
      const bounds = training.pieces(next.value, 7);
      // Pieces from last to first, alternating the two threads' scratch.
      for (let p = bounds.length - 2; p >= 0; p--) kernels.run(next.value, bounds[p], bounds[p + 1], p % 2);
      next = training.tasks.next();
    }
    expect(Array.from(next.value.userFactors)).toEqual(Array.from(a.userFactors));
    expect(Array.from(next.value.itemFactors)).toEqual(Array.from(a.itemFactors));
  });

  it('gives users and items without entries zero vectors', () => {
    const m = fromDense([
      [1, 0, 0],
      [0, 0, 0],
      [1, 0, 1],
    ]);
    const model = trainAls(m, { factors: 2, iterations: 2 });
    expect(Array.from(model.userFactors.subarray(2, 4))).toEqual([0, 0]);
    expect(Array.from(model.itemFactors.subarray(2, 4))).toEqual([0, 0]);
  });

  it('recommends the held-out items of a user\'s block on a planted two-block matrix', () => {
    // Users 0–29 use items 0–19, users 30–59 items 20–39, each about 60% of their block; one in-block item per
    // user is held out. Every held-out item must outscore every item of the other block.
    const rng = createRng(8);
    const rows: number[][] = [];
    const heldOut: number[] = [];
    for (let u = 0; u < 60; u++) {
      const base = u < 30 ? 0 : 20;
      const row = new Array<number>(40).fill(0);
      for (let i = base; i < base + 20; i++) if (rng.next() < 0.6) row[i] = 1;
      let h = base + rng.int(20);
      while (row[h] === 1) h = base + rng.int(20);
      heldOut.push(h);
      rows.push(row);
    }
    const m = fromDense(rows);
    const model = trainAls(m, { factors: 4, regularization: 5, alpha: 5, iterations: 10, seed: 3 });
    const scores = new Float32Array(40);
    for (let u = 0; u < 60; u++) {
      scoreAllItems(model.userFactors.subarray(u * 4, u * 4 + 4), model.itemFactors, 4, scores);
      const other = u < 30 ? [20, 40] : [0, 20];
      let best = -Infinity;
      for (let i = other[0]; i < other[1]; i++) best = Math.max(best, scores[i]);
      expect(scores[heldOut[u]]).toBeGreaterThan(best);
    }
  });
});

describe('recalculateUser', () => {
  it('solves the fold-in equations exactly (k = 1 by hand)', () => {
    // y = (1, 2), λ = 0.5, α = 1, history {item 0, r = 1}: c = 2, A = 1 + 4 + 0.5 + (2 − 1)·1 = 6.5, b = 2.
    const model: AlsModel = { factors: 1, nUsers: 0, nItems: 2, userFactors: new Float32Array(0), itemFactors: Float32Array.from([1, 2]), regularization: 0.5, alpha: 1 };
    expect(recalculateUser(model, [0], [1])[0]).toBeCloseTo(2 / 6.5, 6);
    expect(Array.from(recalculateUser(model, []))).toEqual([0]);
  });

  it('equals the exact user solve against the trained item factors', () => {
    const m = randomMatrix(15, 20, 0.3, 6);
    const model = trainAls(m, { factors: 3, regularization: 0.2, alpha: 3, iterations: 5, seed: 2 });
    for (const u of [0, 7, 14]) {
      const items = Array.from(m.indices.subarray(m.indptr[u], m.indptr[u + 1]));
      const values = Array.from(m.values.subarray(m.indptr[u], m.indptr[u + 1]));
      const x = recalculateUser(model, items, values);
      // The normal equations over all 20 items, written out: unobserved items with c = 1, p = 0.
      const a = new Float64Array(9);
      const b = new Float64Array(3);
      for (let i = 0; i < 20; i++) {
        const e = items.indexOf(i);
        const c = e >= 0 ? 1 + 3 * values[e] : 1;
        for (let g = 0; g < 3; g++) {
          if (e >= 0) b[g] += c * model.itemFactors[i * 3 + g];
          for (let h = 0; h < 3; h++) a[g * 3 + h] += c * model.itemFactors[i * 3 + g] * model.itemFactors[i * 3 + h];
        }
      }
      for (let g = 0; g < 3; g++) a[g * 3 + g] += 0.2;
      const expected = choleskySolve(a, 3, b);
      for (let g = 0; g < 3; g++) expect(x[g]).toBeCloseTo(expected[g], 4);
    }
  });
});
