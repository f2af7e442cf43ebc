// PureSVD for the harness: a truncated SVD of the training matrix, scores r_u·V·Vᵀ.
import { pureSvdScores, trainPureSvd, type InteractionMatrix, type PureSvdModel } from '@recsys/algorithms';
import { assertFitted, type ParamValue, type Recommender } from '../recommenders/recommender';
import { definedOnly, mfValuesOf, type MfValues } from './als';
import { paramNumber } from './itemcf';

/** Options of {@link PureSvdRecommender}. */
export interface PureSvdRecommenderOptions {
  factors?: number;
  /** Factorize 1 per entry (binary, the default) or the stored values (ratings). */
  values?: MfValues;
  powerIterations?: number;
  oversample?: number;
  seed?: number;
}

/** Parameters of {@link PureSvdRecommender}, defaults filled in. */
export type PureSvdParams = {
  readonly factors: number;
  readonly values: MfValues;
  readonly powerIterations: number;
  readonly oversample: number;
  readonly seed: number;
};

/** Defaults of {@link PureSvdRecommender}. */
export const PURESVD_MODEL_DEFAULTS: PureSvdParams = Object.freeze({ factors: 50, values: 'binary', powerIterations: 4, oversample: 10, seed: 0 });

/**
 * PureSVD (Cremonesi, Koren, Turrin 2010): the rank-k truncated SVD R ≈ UΣVᵀ of the training matrix (missing
 * entries as zeros) by randomized SVD (`trainPureSvd`), scoring r_u·V·Vᵀ. Fit O((q + 1)·nnz·l + (users + items)·l²)
 * with l = factors + oversample; scoring O(|history|·k + nItems·k) per user.
 */
export class PureSvdRecommender implements Recommender {
  readonly name = 'puresvd';
  readonly params: PureSvdParams;
  private model: PureSvdModel | undefined;
  private train: InteractionMatrix | undefined;

  constructor(opts: PureSvdRecommenderOptions = {}) {
    const p = { ...PURESVD_MODEL_DEFAULTS, ...definedOnly(opts) };
    if (!Number.isInteger(p.factors) || p.factors < 1) throw new RangeError(`factors must be a positive integer, got ${p.factors}`);
    if (p.values !== 'raw' && p.values !== 'binary') throw new RangeError(`values must be raw or binary, got ${String(p.values)}`);
    if (!Number.isInteger(p.powerIterations) || p.powerIterations < 0) throw new RangeError(`powerIterations must be an integer ≥ 0, got ${p.powerIterations}`);
    if (!Number.isInteger(p.oversample) || p.oversample < 0) throw new RangeError(`oversample must be an integer ≥ 0, got ${p.oversample}`);
    if (!Number.isFinite(p.seed)) throw new RangeError(`seed must be a finite number, got ${p.seed}`);
    this.params = p;
  }

  fit(train: InteractionMatrix): void {
    const { factors, values, powerIterations, oversample, seed } = this.params;
    this.model = trainPureSvd(train, { factors, binary: values === 'binary', powerIterations, oversample, seed });
    this.train = train;
  }

  scoreAll(user: number, out: Float32Array): void {
    const model = assertFitted(this.model, this.name);
    const train = this.train as InteractionMatrix;
    const start = train.indptr[user];
    const end = train.indptr[user + 1];
    pureSvdScores(model, train.indices.subarray(start, end), train.values.subarray(start, end), out);
  }
}

/** {@link PureSvdRecommenderOptions} from registry parameters. */
export function pureSvdOptionsOf(p: Readonly<Record<string, ParamValue>>): PureSvdRecommenderOptions {
  return {
    factors: paramNumber(p, 'factors'),
    values: mfValuesOf(p),
    powerIterations: paramNumber(p, 'powerIterations'),
    oversample: paramNumber(p, 'oversample'),
    seed: paramNumber(p, 'seed'),
  };
}
