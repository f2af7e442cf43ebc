// L2-regularised logistic regression trained by seeded mini-batch gradient descent; prediction helpers.

import { createRng } from '../random/rng';

/** A dense feature row. */
export type FeatureRow = ArrayLike<number>;

/** A trained logistic model in the raw (unstandardised) feature space: p = σ(w·x + b). */
export interface LogisticModel {
  weights: number[];
  bias: number;
}

/** Options of {@link LogisticRegression.train}. */
export interface LogisticTrainOptions {
  /**
   * L2 strength λ ≥ 0. The objective is mean log-loss + (λ/2)·‖w‖² (the bias is not penalised).
   * With `standardize`, the penalty applies to the weights of the standardised features.
   */
  l2: number;
  /** Passes over the data, ≥ 1. */
  epochs: number;
  /** Learning rate (step size) > 0, constant over training. */
  lr: number;
  /** Seed of the per-epoch shuffle: same data, options and seed give bit-identical weights. */
  seed: number;
  /** Rows per gradient step; default 32. A value ≥ the row count gives full-batch gradient descent. */
  batchSize?: number;
  /**
   * Train on z-scored features (mean 0, standard deviation 1; constant columns are left unscaled) and
   * map the result back, so the returned model applies to raw rows. Default false.
   */
  standardize?: boolean;
  /** Starting point (raw feature space when `standardize` is false); default all zeros. */
  initial?: LogisticModel;
}

/** The logistic function 1 / (1 + e^-z), computed without overflow for large |z|. */
export function sigmoid(z: number): number {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}

/** The predicted probability σ(w·x + b) for one row. O(d). */
export function predictLogistic(weights: ArrayLike<number>, bias: number, x: FeatureRow): number {
  if (x.length !== weights.length) throw new RangeError(`row has ${x.length} features, model has ${weights.length}`);
  let z = bias;
  for (let j = 0; j < weights.length; j++) z += weights[j] * x[j];
  return sigmoid(z);
}

/**
 * Trains L2-regularised logistic regression by mini-batch gradient descent.
 *
 * Why gradient descent and not Newton/IRLS: the ranker's feature count is small, but the same trainer is
 * used on replayed event logs with hundreds of thousands of rows, where one pass of cheap steps is enough
 * and memory stays O(d). Each epoch visits the rows in an order shuffled by a generator seeded with
 * `seed + epoch`; weights start at zero (or `initial`). A step on batch B is
 * `w ← w − lr·(mean_{i∈B}((p_i − y_i)·x_i) + λ·w)`, `b ← b − lr·mean_{i∈B}(p_i − y_i)`.
 *
 * Labels are in [0, 1] (soft labels allowed). Time O(epochs · n · d), memory O(n + d) beyond the input.
 */
export function trainLogisticRegression(X: readonly FeatureRow[], y: readonly number[], opts: LogisticTrainOptions): LogisticModel {
  const n = X.length;
  if (n === 0) throw new RangeError('training needs at least one row');
  if (y.length !== n) throw new RangeError(`X has ${n} rows but y has ${y.length} labels`);
  const d = X[0].length;
  for (let i = 0; i < n; i++) {
    if (X[i].length !== d) throw new RangeError(`row ${i} has ${X[i].length} features, row 0 has ${d}`);
    if (!(y[i] >= 0 && y[i] <= 1)) throw new RangeError(`label ${i} must be in [0, 1], got ${y[i]}`);
  }
  if (!(opts.l2 >= 0)) throw new RangeError(`l2 must be >= 0, got ${opts.l2}`);
  if (!Number.isInteger(opts.epochs) || opts.epochs < 1) throw new RangeError(`epochs must be a positive integer, got ${opts.epochs}`);
  if (!(opts.lr > 0)) throw new RangeError(`lr must be > 0, got ${opts.lr}`);
  const batchSize = Math.min(opts.batchSize ?? 32, n);
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batchSize must be a positive integer, got ${opts.batchSize}`);

  // Standardisation: x'_j = (x_j − μ_j) / s_j; s_j = 1 for constant columns.
  const mean = new Float64Array(d);
  const scale = new Float64Array(d).fill(1);
  if (opts.standardize) {
    for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] += X[i][j];
    for (let j = 0; j < d; j++) mean[j] /= n;
    const variance = new Float64Array(d);
    for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) variance[j] += (X[i][j] - mean[j]) ** 2;
    for (let j = 0; j < d; j++) {
      const sd = Math.sqrt(variance[j] / n);
      scale[j] = sd > 1e-12 ? sd : 1;
    }
  }

  const w = new Float64Array(d);
  let b = 0;
  if (opts.initial) {
    if (opts.initial.weights.length !== d) throw new RangeError(`initial model has ${opts.initial.weights.length} weights, rows have ${d}`);
    // Express the raw-space starting point in the standardised space: w'_j = w_j·s_j, b' = b + Σ w_j·μ_j.
    b = opts.initial.bias;
    for (let j = 0; j < d; j++) {
      w[j] = opts.initial.weights[j] * scale[j];
      b += opts.initial.weights[j] * mean[j];
    }
  }

  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  const grad = new Float64Array(d);
  const row = new Float64Array(d);

  for (let epoch = 0; epoch < opts.epochs; epoch++) {
    createRng((opts.seed + epoch) >>> 0).shuffle<number, Int32Array>(order);
    for (let start = 0; start < n; start += batchSize) {
      const end = Math.min(start + batchSize, n);
      grad.fill(0);
      let gradB = 0;
      for (let k = start; k < end; k++) {
        const i = order[k];
        const xi = X[i];
        let z = b;
        for (let j = 0; j < d; j++) {
          row[j] = (xi[j] - mean[j]) / scale[j];
          z += w[j] * row[j];
        }
        const residual = sigmoid(z) - y[i];
        for (let j = 0; j < d; j++) grad[j] += residual * row[j];
        gradB += residual;
      }
      const m = end - start;
      for (let j = 0; j < d; j++) w[j] -= opts.lr * (grad[j] / m + opts.l2 * w[j]);
      b -= opts.lr * (gradB / m);
    }
  }

  // Back to the raw space: w_j = w'_j / s_j, b = b' − Σ w'_j·μ_j / s_j.
  const weights = new Array<number>(d);
  let bias = b;
  for (let j = 0; j < d; j++) {
    weights[j] = w[j] / scale[j];
    bias -= (w[j] * mean[j]) / scale[j];
  }
  return { weights, bias };
}

/** Logistic regression entry points: `LogisticRegression.train(X, y, opts)` and `LogisticRegression.predict(model, x)`. */
export const LogisticRegression = {
  /** See {@link trainLogisticRegression}. */
  train: trainLogisticRegression,
  /** σ(w·x + b) for one row of a trained model. */
  predict(model: LogisticModel, x: FeatureRow): number {
    return predictLogistic(model.weights, model.bias, x);
  },
} as const;
