// The offline recommender interface every baseline and model implements for the evaluation harness.
import { type AlsWorkerPool, type InteractionMatrix } from '@recsys/algorithms';

/** A JSON-serialisable parameter value. */
export type ParamValue = string | number | boolean | readonly string[];

/** Parameters of a recommender, as reported (JSON-serialisable). */
export type RecommenderParams = Readonly<Record<string, ParamValue>>;

/** What a dataset knows besides interactions, keyed by external id (as `LoadedDataset` of @recsys/datasets has). */
export interface SideInfo {
  /** Demographics per user id, e.g. `{ age: '25', gender: 'F', occupation: 'writer' }`. */
  readonly users?: ReadonlyMap<string, Readonly<Record<string, string>>>;
  /** Item metadata per item id. */
  readonly items?: ReadonlyMap<string, { readonly title?: string; readonly genres?: readonly string[] }>;
}

/** What a recommender may use to fit faster; results are the same without them. */
export interface RecommenderResources {
  /** Worker threads ALS trains on (`AlsWorkerPool.train`) instead of this thread. */
  readonly alsPool?: AlsWorkerPool;
}

/**
 * A model that scores every item for a user. The harness fits it on the training matrix, then asks for the
 * scores of one user at a time; it ranks them itself (higher first, ties by lower item index) and excludes the
 * user's training items, so a model need not.
 */
export interface Recommender {
  /** Registry name, e.g. `pop`. */
  readonly name: string;
  /** The parameters it was created with, defaults filled in. */
  readonly params: RecommenderParams;
  /** Learns from `train` (and side information, when the model uses it). */
  fit(train: InteractionMatrix, side?: SideInfo): void | Promise<void>;
  /**
   * Writes a score for every item of the training id space into `out` (length `nItems`) for user row `user`.
   * Must be deterministic and must not return NaN.
   */
  scoreAll(user: number, out: Float32Array): void;
}

/** Item interaction counts of `m`: entries per item (`binary`) or the sum of their weights (`weighted`). O(nnz). */
export function itemCounts(m: InteractionMatrix, weighting: 'binary' | 'weighted'): Float64Array {
  const counts = new Float64Array(m.nItems);
  const total = m.indptr[m.nUsers];
  if (weighting === 'binary') for (let e = 0; e < total; e++) counts[m.indices[e]]++;
  else for (let e = 0; e < total; e++) counts[m.indices[e]] += m.values[e];
  return counts;
}

/** Throws unless `fit` has run. */
export function assertFitted<T>(value: T | undefined, name: string): T {
  if (value === undefined) throw new Error(`${name}: scoreAll() called before fit()`);
  return value;
}
