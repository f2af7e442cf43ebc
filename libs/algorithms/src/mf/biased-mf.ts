// Biased matrix factorization for explicit ratings (μ + b_u + b_i + p_u·q_i) trained by seeded SGD, and RMSE.
import { type InteractionMatrix } from '../matrix/interaction-matrix';
import { createRng } from '../random/rng';

/** Options of {@link trainBiasedMf}. */
export interface BiasedMfOptions {
  /** Latent dimension k ≥ 0 (default 32; 0 gives the baseline predictor μ + b_u + b_i). */
  factors?: number;
  /** SGD step size > 0 (default 0.01). */
  learningRate?: number;
  /** L2 strength ≥ 0 on the factors (default 0.02). */
  regularization?: number;
  /** L2 strength ≥ 0 on the biases (default: `regularization`). */
  biasRegularization?: number;
  /** Passes over the ratings ≥ 0 (default 30). */
  epochs?: number;
  /** Seed of the initial factors and of the per-epoch shuffles (default 0). */
  seed?: number;
  /** Standard deviation of the normal initial factors (default 0.1). */
  initScale?: number;
  /** Called after each epoch with the 1-based epoch and the model (arrays live). */
  onEpoch?: (epoch: number, model: BiasedMfModel) => void;
}

/** The defaults of {@link BiasedMfOptions}, in one place. */
export const BIASED_MF_DEFAULTS: Readonly<Required<Pick<BiasedMfOptions, 'factors' | 'learningRate' | 'regularization' | 'epochs' | 'seed' | 'initScale'>>> =
  Object.freeze({ factors: 32, learningRate: 0.01, regularization: 0.02, epochs: 30, seed: 0, initScale: 0.1 });

/** A trained biased MF model: r̂_ui = μ + b_u + b_i + p_u·q_i. */
export interface BiasedMfModel {
  readonly factors: number;
  readonly nUsers: number;
  readonly nItems: number;
  /** μ: the mean training rating. */
  globalMean: number;
  readonly userBias: Float32Array;
  readonly itemBias: Float32Array;
  /** Row-major nUsers×k. */
  readonly userFactors: Float32Array;
  /** Row-major nItems×k. */
  readonly itemFactors: Float32Array;
  /** Smallest and largest training rating (predictions can be clamped to them). */
  readonly minRating: number;
  readonly maxRating: number;
}

/**
 * Trains biased MF on the ratings of `matrix` (its values) by stochastic gradient descent on
 *
 *   Σ_(u,i) (r_ui − μ − b_u − b_i − p_u·q_i)² + λ(‖p_u‖² + ‖q_i‖²) + λ_b(b_u² + b_i²)
 *
 * (Koren, Bell, Volinsky 2009). μ is fixed to the training mean; biases start at 0, factors at small normals. Each
 * epoch visits every rating once in an order shuffled by a seeded generator and applies, with e = r − r̂:
 * b_u += η(e − λ_b b_u), b_i += η(e − λ_b b_i), p_u += η(e q_i − λ p_u), q_i += η(e p_u − λ q_i) (both from the
 * old values). Users and items without ratings keep zero biases and factors (they predict μ + the other bias).
 * O(epochs · nnz · k) time. Deterministic given the seed.
 */
export function trainBiasedMf(matrix: InteractionMatrix, options: BiasedMfOptions = {}): BiasedMfModel {
  const o = { ...BIASED_MF_DEFAULTS, ...options };
  const k = o.factors;
  const lambdaB = options.biasRegularization ?? o.regularization;
  if (!Number.isInteger(k) || k < 0) throw new RangeError(`factors must be an integer ≥ 0, got ${k}`);
  if (!Number.isInteger(o.epochs) || o.epochs < 0) throw new RangeError(`epochs must be an integer ≥ 0, got ${o.epochs}`);
  if (!(o.learningRate > 0)) throw new RangeError(`learningRate must be > 0, got ${o.learningRate}`);
  if (!(o.regularization >= 0) || !(lambdaB >= 0)) throw new RangeError('regularization must be ≥ 0');
  const total = matrix.indptr[matrix.nUsers];
  const { indices, values } = matrix;
  const rowOf = new Int32Array(total);
  let sum = 0;
  let minRating = Infinity;
  let maxRating = -Infinity;
  for (let u = 0; u < matrix.nUsers; u++) {
    for (let e = matrix.indptr[u]; e < matrix.indptr[u + 1]; e++) {
      rowOf[e] = u;
      const r = values[e];
      if (!Number.isFinite(r)) throw new RangeError(`rating of entry ${e} is ${r}`);
      sum += r;
      if (r < minRating) minRating = r;
      if (r > maxRating) maxRating = r;
    }
  }
  const rng = createRng(o.seed);
  const userFactors = new Float32Array(matrix.nUsers * k);
  const itemFactors = new Float32Array(matrix.nItems * k);
  for (let j = 0; j < userFactors.length; j++) userFactors[j] = o.initScale * rng.normal();
  for (let j = 0; j < itemFactors.length; j++) itemFactors[j] = o.initScale * rng.normal();
  const model: BiasedMfModel = {
    factors: k,
    nUsers: matrix.nUsers,
    nItems: matrix.nItems,
    globalMean: total > 0 ? sum / total : 0,
    userBias: new Float32Array(matrix.nUsers),
    itemBias: new Float32Array(matrix.nItems),
    userFactors,
    itemFactors,
    minRating: total > 0 ? minRating : 0,
    maxRating: total > 0 ? maxRating : 0,
  };
  const { userBias, itemBias } = model;
  const mu = model.globalMean;
  const eta = o.learningRate;
  const lambda = o.regularization;
  const order = new Int32Array(total);
  for (let e = 0; e < total; e++) order[e] = e;
  for (let epoch = 1; epoch <= o.epochs; epoch++) {
    rng.shuffle(order);
    for (let n = 0; n < total; n++) {
      const e = order[n];
      const u = rowOf[e];
      const i = indices[e];
      const pu = u * k;
      const qi = i * k;
      let dot = 0;
      for (let f = 0; f < k; f++) dot += userFactors[pu + f] * itemFactors[qi + f];
      const err = values[e] - (mu + userBias[u] + itemBias[i] + dot);
      userBias[u] += eta * (err - lambdaB * userBias[u]);
      itemBias[i] += eta * (err - lambdaB * itemBias[i]);
      for (let f = 0; f < k; f++) {
        const p = userFactors[pu + f];
        const q = itemFactors[qi + f];
        userFactors[pu + f] = p + eta * (err * q - lambda * p);
        itemFactors[qi + f] = q + eta * (err * p - lambda * q);
      }
    }
    o.onEpoch?.(epoch, model);
  }
  // Rows and columns without ratings were never updated: zero them so they predict from the biases alone.
  for (let u = 0; u < matrix.nUsers; u++) if (matrix.indptr[u] === matrix.indptr[u + 1]) userFactors.fill(0, u * k, u * k + k);
  const rated = new Uint8Array(matrix.nItems);
  for (let e = 0; e < total; e++) rated[indices[e]] = 1;
  for (let i = 0; i < matrix.nItems; i++) if (!rated[i]) itemFactors.fill(0, i * k, i * k + k);
  return model;
}

/** The predicted rating μ + b_u + b_i + p_u·q_i, clamped to [minRating, maxRating] when `clamp`. O(k). */
export function predictRating(model: BiasedMfModel, user: number, item: number, clamp = false): number {
  const k = model.factors;
  let s = model.globalMean + model.userBias[user] + model.itemBias[item];
  for (let f = 0; f < k; f++) s += model.userFactors[user * k + f] * model.itemFactors[item * k + f];
  return clamp ? Math.min(model.maxRating, Math.max(model.minRating, s)) : s;
}

/**
 * Root mean squared error of the model's predictions over the entries of `matrix` (same id space as training):
 * sqrt(mean (r − r̂)²), predictions clamped to the training rating range when `clamp`. NaN for an empty matrix.
 * O(nnz · k).
 */
export function rmse(model: BiasedMfModel, matrix: InteractionMatrix, clamp = false): number {
  const total = matrix.indptr[matrix.nUsers];
  if (matrix.nUsers > model.nUsers || matrix.nItems > model.nItems) throw new RangeError('matrix has users or items the model does not know');
  let sq = 0;
  for (let u = 0; u < matrix.nUsers; u++) {
    for (let e = matrix.indptr[u]; e < matrix.indptr[u + 1]; e++) {
      const d = matrix.values[e] - predictRating(model, u, matrix.indices[e], clamp);
      sq += d * d;
    }
  }
  return total > 0 ? Math.sqrt(sq / total) : NaN;
}
