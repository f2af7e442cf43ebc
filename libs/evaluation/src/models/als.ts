// Implicit-feedback ALS for the harness: trainAls on the training matrix, scores x_u·y_i.
import { scoreAllItems, trainAls, type AlsModel, type InteractionMatrix } from '@recsys/algorithms';
import { assertFitted, type ParamValue, type Recommender, type RecommenderResources } from '../recommenders/recommender';
import { binarized, paramNumber } from './itemcf';

/** What ALS takes as r in the confidence 1 + α·r: the stored values (ratings, implicit weights) or 1 per entry. */
export type MfValues = 'raw' | 'binary';

/** Options of {@link AlsRecommender}. */
export interface AlsRecommenderOptions {
  factors?: number;
  regularization?: number;
  alpha?: number;
  iterations?: number;
  cgSteps?: number;
  values?: MfValues;
  seed?: number;
}

/** Parameters of {@link AlsRecommender}, defaults filled in. */
export type AlsParams = {
  readonly factors: number;
  readonly regularization: number;
  readonly alpha: number;
  readonly iterations: number;
  readonly cgSteps: number;
  readonly values: MfValues;
  readonly seed: number;
};

/**
 * Defaults of {@link AlsRecommender}: chosen on a validation split carved from the training part of ml-latest-small
 * (random 80/20 of the 80% train, seed 43; grid over factors, regularization, alpha, iterations).
 */
export const ALS_MODEL_DEFAULTS: AlsParams = Object.freeze({ factors: 128, regularization: 100, alpha: 20, iterations: 15, cgSteps: 3, values: 'binary', seed: 0 });

/**
 * ALS for implicit feedback (Hu, Koren, Volinsky 2008) with the conjugate-gradient row solver (`trainAls`):
 * confidence 1 + α·r for every training entry (r = the stored value, or 1 with `values: binary`), preference 1,
 * L2 regularization λ. A user's score for item i is x_u·y_i. Fit O(iterations · ((users + items)·k²·(cgSteps + 1)
 * + nnz·k·(cgSteps + 1))); scoring O(nItems · k) per user.
 */
export class AlsRecommender implements Recommender {
  readonly name = 'als';
  readonly params: AlsParams;
  private model: AlsModel | undefined;

  /** With `resources.alsPool`, fits on its worker threads (the same factors) and `fit` returns a promise. */
  constructor(
    opts: AlsRecommenderOptions = {},
    private readonly resources: RecommenderResources = {},
  ) {
    const p = { ...ALS_MODEL_DEFAULTS, ...definedOnly(opts) };
    const int = (name: string, v: number, min: number) => {
      if (!Number.isInteger(v) || v < min) throw new RangeError(`${name} must be an integer ≥ ${min}, got ${v}`);
    };
    int('factors', p.factors, 1);
    int('iterations', p.iterations, 1);
    int('cgSteps', p.cgSteps, 1);
    if (!(p.regularization >= 0)) throw new RangeError(`regularization must be ≥ 0, got ${p.regularization}`);
    if (!(p.alpha >= 0)) throw new RangeError(`alpha must be ≥ 0, got ${p.alpha}`);
    if (p.values !== 'raw' && p.values !== 'binary') throw new RangeError(`values must be raw or binary, got ${String(p.values)}`);
    if (!Number.isFinite(p.seed)) throw new RangeError(`seed must be a finite number, got ${p.seed}`);
    this.params = p;
  }

  fit(train: InteractionMatrix): void | Promise<void> {
    const { factors, regularization, alpha, iterations, cgSteps, values, seed } = this.params;
    const matrix = values === 'binary' ? binarized(train) : train;
    const options = { factors, regularization, alpha, iterations, cgSteps, seed };
    const pool = this.resources.alsPool;
    if (!pool) {
      this.model = trainAls(matrix, options);
      return;
    }
    return pool.train(matrix, options).then((model) => {
      this.model = model;
    });
  }

  scoreAll(user: number, out: Float32Array): void {
    const model = assertFitted(this.model, this.name);
    const k = model.factors;
    scoreAllItems(model.userFactors.subarray(user * k, user * k + k), model.itemFactors, k, out);
  }

  /** The trained factors (for reports and tests). */
  factors(): AlsModel {
    return assertFitted(this.model, this.name);
  }
}

/** {@link AlsRecommenderOptions} from registry parameters (strings from a command line, or typed values). */
export function alsOptionsOf(p: Readonly<Record<string, ParamValue>>): AlsRecommenderOptions {
  return {
    factors: paramNumber(p, 'factors'),
    regularization: paramNumber(p, 'regularization'),
    alpha: paramNumber(p, 'alpha'),
    iterations: paramNumber(p, 'iterations'),
    cgSteps: paramNumber(p, 'cgSteps'),
    values: mfValuesOf(p),
    seed: paramNumber(p, 'seed'),
  };
}

/** The `values` parameter (raw or binary), or undefined when absent. */
export function mfValuesOf(p: Readonly<Record<string, ParamValue>>): MfValues | undefined {
  const v = p.values;
  if (v === undefined) return undefined;
  if (v !== 'raw' && v !== 'binary') throw new Error(`parameter values must be raw or binary, got ${JSON.stringify(v)}`);
  return v;
}

/** `o` without its undefined properties (so they do not override defaults). */
export function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
