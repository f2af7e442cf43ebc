// Biased matrix factorization ("SVD" in the Netflix-prize sense) for the harness: SGD on ratings, ranks by predicted rating.
import { predictRating, trainBiasedMf, type BiasedMfModel, type InteractionMatrix } from '@recsys/algorithms';
import { assertFitted, type ParamValue, type Recommender } from '../recommenders/recommender';
import { definedOnly } from './als';
import { paramNumber } from './itemcf';

/** Options of {@link SvdRecommender}. */
export interface SvdRecommenderOptions {
  factors?: number;
  learningRate?: number;
  regularization?: number;
  biasRegularization?: number;
  epochs?: number;
  seed?: number;
}

/** Parameters of {@link SvdRecommender}, defaults filled in. */
export type SvdParams = {
  readonly factors: number;
  readonly learningRate: number;
  readonly regularization: number;
  readonly biasRegularization: number;
  readonly epochs: number;
  readonly seed: number;
};

/**
 * Defaults of {@link SvdRecommender}: chosen on validation RMSE, a split carved from the training part of
 * ml-latest-small (random 80/20 of the 80% train, seed 43; grid over factors, regularization, epochs, learning rate).
 */
export const SVD_MODEL_DEFAULTS: SvdParams = Object.freeze({ factors: 100, learningRate: 0.01, regularization: 0.1, biasRegularization: 0.1, epochs: 60, seed: 0 });

/** A recommender that also predicts ratings, for RMSE evaluation. */
export interface RatingPredictor extends Recommender {
  /** The predicted rating of `item` by `user` (training id space), clamped to the training rating range. */
  predict(user: number, item: number): number;
}

/**
 * Biased MF (Koren, Bell, Volinsky 2009) trained by SGD on the stored values as ratings (`trainBiasedMf`).
 * `scoreAll` ranks by the unclamped predicted rating μ + b_u + b_i + p_u·q_i (clamping would tie the top items);
 * `predict` clamps to the training rating range, as RMSE evaluation does. Meant for explicit data (MovieLens);
 * on implicit weights it regresses the weights. Fit O(epochs · nnz · k); scoring O(nItems · k) per user.
 */
export class SvdRecommender implements RatingPredictor {
  readonly name = 'svd';
  readonly params: SvdParams;
  private model: BiasedMfModel | undefined;

  constructor(opts: SvdRecommenderOptions = {}) {
    const p = { ...SVD_MODEL_DEFAULTS, ...definedOnly(opts) };
    if (opts.biasRegularization === undefined && opts.regularization !== undefined) p.biasRegularization = opts.regularization;
    if (!Number.isInteger(p.factors) || p.factors < 0) throw new RangeError(`factors must be an integer ≥ 0, got ${p.factors}`);
    if (!Number.isInteger(p.epochs) || p.epochs < 1) throw new RangeError(`epochs must be a positive integer, got ${p.epochs}`);
    if (!(p.learningRate > 0)) throw new RangeError(`learningRate must be > 0, got ${p.learningRate}`);
    if (!(p.regularization >= 0) || !(p.biasRegularization >= 0)) throw new RangeError('regularization must be ≥ 0');
    if (!Number.isFinite(p.seed)) throw new RangeError(`seed must be a finite number, got ${p.seed}`);
    this.params = p;
  }

  fit(train: InteractionMatrix): void {
    this.model = trainBiasedMf(train, this.params);
  }

  scoreAll(user: number, out: Float32Array): void {
    const m = assertFitted(this.model, this.name);
    const k = m.factors;
    const base = m.globalMean + m.userBias[user];
    const pu = user * k;
    for (let i = 0; i < out.length; i++) {
      let s = base + m.itemBias[i];
      const qi = i * k;
      for (let f = 0; f < k; f++) s += m.userFactors[pu + f] * m.itemFactors[qi + f];
      out[i] = s;
    }
  }

  predict(user: number, item: number): number {
    return predictRating(assertFitted(this.model, this.name), user, item, true);
  }

  /** The trained model (for reports and tests). */
  trained(): BiasedMfModel {
    return assertFitted(this.model, this.name);
  }
}

/** {@link SvdRecommenderOptions} from registry parameters. */
export function svdOptionsOf(p: Readonly<Record<string, ParamValue>>): SvdRecommenderOptions {
  return {
    factors: paramNumber(p, 'factors'),
    learningRate: paramNumber(p, 'learningRate'),
    regularization: paramNumber(p, 'regularization'),
    biasRegularization: paramNumber(p, 'biasRegularization'),
    epochs: paramNumber(p, 'epochs'),
    seed: paramNumber(p, 'seed'),
  };
}
