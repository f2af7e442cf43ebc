// Item-based collaborative filtering for the harness: top-k item neighbours, scored from the user's history.
import {
  buildItemNeighbors,
  checkSimilarityKind,
  scoreItemCF,
  type InteractionMatrix,
  type NeighborTable,
  type SimilarityKind,
} from '@recsys/algorithms';
import { assertFitted, itemCounts, type ParamValue, type Recommender } from '../recommenders/recommender';

/** What the similarity and the scores are computed over: the matrix values (ratings, confidences) or 1 per entry. */
export type CFValues = 'raw' | 'binary';

/** Options of the neighbourhood models ({@link ItemCFRecommender}, `UserCFRecommender`). */
export interface NeighborhoodOptions {
  /** Default cosine. */
  similarity?: SimilarityKind;
  /** Neighbours per item (or user). */
  k?: number;
  /** Shrinkage λ (sim × n/(n + λ), n common components). */
  shrinkage?: number;
  /** Inverse-frequency weighting of the components. */
  iuf?: boolean;
  /** Fewest common components for a neighbour. */
  minCommon?: number;
  /** Similarity-weighted average instead of sum. */
  normalize?: boolean;
  /** Default `raw`. Pearson needs `raw`: binary vectors have no Pearson signal. */
  values?: CFValues;
}

/** Defaults of {@link ItemCFRecommender}: chosen on a validation split carved from the training part of ml-latest-small. */
export const ITEMCF_DEFAULTS: NeighborhoodParams = Object.freeze({ similarity: 'cosine', k: 400, shrinkage: 20, iuf: true, minCommon: 1, normalize: false, values: 'raw' });

/** The parameters of a neighbourhood model, defaults filled in (a type alias so it is a `RecommenderParams`). */
export type NeighborhoodParams = {
  readonly similarity: SimilarityKind;
  readonly k: number;
  readonly shrinkage: number;
  readonly iuf: boolean;
  readonly minCommon: number;
  readonly normalize: boolean;
  readonly values: CFValues;
};

/**
 * Item-CF (Sarwar et al., 2001; Deshpande and Karypis, 2004): at fit, the k most similar items of every item
 * (`buildItemNeighbors`, no dense item × item matrix); a user's score for item j is the sum over the user's
 * training items i that have j among their neighbours of weight_i × sim(i, j) (weight 1, or the stored value with
 * `values: raw`). Items no history item points to are ranked after every scored item, by training popularity
 * (see {@link popularityFallback}). Fit O(Σ_u |row u|²); scoring O(nItems + |history| · k) per user.
 */
export class ItemCFRecommender implements Recommender {
  readonly name = 'itemcf';
  readonly params: NeighborhoodParams;
  private table: NeighborTable | undefined;
  private train: InteractionMatrix | undefined;
  private fallback: Float32Array | undefined;

  constructor(opts: NeighborhoodOptions = {}) {
    this.params = neighborhoodParams(opts, ITEMCF_DEFAULTS);
  }

  fit(train: InteractionMatrix): void {
    const { similarity, k, shrinkage, iuf, minCommon, values } = this.params;
    this.table = buildItemNeighbors(values === 'binary' ? binarized(train) : train, { similarity, k, shrinkage, iuf, minCommon });
    this.train = train;
    this.fallback = popularityFallback(train);
  }

  scoreAll(user: number, out: Float32Array): void {
    const table = assertFitted(this.table, this.name);
    const train = this.train as InteractionMatrix;
    const start = train.indptr[user];
    const end = train.indptr[user + 1];
    const weights = this.params.values === 'raw' ? train.values.subarray(start, end) : undefined;
    scoreItemCF(table, train.indices.subarray(start, end), weights, out, { normalize: this.params.normalize });
    applyFallback(out, this.fallback as Float32Array);
  }

  /** The neighbour table after fit (for reports and tests). */
  neighbors(): NeighborTable {
    return assertFitted(this.table, this.name);
  }
}

/**
 * Fallback scores in (−1, 0): −1 + (count_i + 1) / (max count + 2), so that items without a CF score (0) can be
 * ranked after every positively scored item and among themselves by training popularity (lower index on ties).
 */
export function popularityFallback(train: InteractionMatrix): Float32Array {
  const counts = itemCounts(train, 'binary');
  let max = 0;
  for (const c of counts) if (c > max) max = c;
  return Float32Array.from(counts, (c) => -1 + (c + 1) / (max + 2));
}

/** Replaces every score ≤ 0 of `out` by the fallback score of its item. */
export function applyFallback(out: Float32Array, fallback: Float32Array): void {
  for (let j = 0; j < out.length; j++) if (!(out[j] > 0)) out[j] = fallback[j];
}

/** `m` with every value 1 (the index arrays shared). */
export function binarized(m: InteractionMatrix): InteractionMatrix {
  return { ...m, values: new Float32Array(m.values.length).fill(1) };
}

/** Validates neighbourhood options and fills the defaults. */
export function neighborhoodParams(opts: NeighborhoodOptions, defaults: NeighborhoodParams): NeighborhoodParams {
  const similarity = checkSimilarityKind(opts.similarity ?? defaults.similarity);
  const k = opts.k ?? defaults.k;
  const shrinkage = opts.shrinkage ?? defaults.shrinkage;
  const minCommon = opts.minCommon ?? defaults.minCommon;
  const values = opts.values ?? defaults.values;
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`k must be a positive integer, got ${k}`);
  if (!(shrinkage >= 0 && Number.isFinite(shrinkage))) throw new RangeError(`shrinkage must be a finite number ≥ 0, got ${shrinkage}`);
  if (!Number.isInteger(minCommon) || minCommon < 1) throw new RangeError(`minCommon must be a positive integer, got ${minCommon}`);
  if (values !== 'raw' && values !== 'binary') throw new RangeError(`values must be raw or binary, got ${String(values)}`);
  if (similarity === 'pearson' && values === 'binary') throw new RangeError('pearson needs values=raw: centred binary vectors are all zero');
  return { similarity, k, shrinkage, iuf: opts.iuf ?? defaults.iuf, minCommon, normalize: opts.normalize ?? defaults.normalize, values };
}

/** {@link NeighborhoodOptions} from registry parameters (strings from a command line, or typed values). */
export function neighborhoodOptionsOf(p: Readonly<Record<string, ParamValue>>): NeighborhoodOptions {
  return {
    similarity: p.similarity === undefined ? undefined : (paramString(p, 'similarity') as SimilarityKind),
    k: paramNumber(p, 'k'),
    shrinkage: paramNumber(p, 'shrinkage'),
    iuf: paramBoolean(p, 'iuf'),
    minCommon: paramNumber(p, 'minCommon'),
    normalize: paramBoolean(p, 'normalize'),
    values: p.values === undefined ? undefined : (paramString(p, 'values') as CFValues),
  };
}

/** A number parameter (a number or a numeric string), or undefined when absent. */
export function paramNumber(p: Readonly<Record<string, ParamValue>>, key: string): number | undefined {
  const v = p[key];
  if (v === undefined) return undefined;
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  if (Number.isNaN(n)) throw new Error(`parameter ${key} must be a number, got ${JSON.stringify(v)}`);
  return n;
}

/** A boolean parameter (a boolean, or true/false/1/0 as a string), or undefined when absent. */
export function paramBoolean(p: Readonly<Record<string, ParamValue>>, key: string): boolean | undefined {
  const v = p[key];
  if (v === undefined || typeof v === 'boolean') return v;
  if (v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  throw new Error(`parameter ${key} must be true or false, got ${JSON.stringify(v)}`);
}

function paramString(p: Readonly<Record<string, ParamValue>>, key: string): string {
  const v = p[key];
  if (typeof v !== 'string') throw new Error(`parameter ${key} must be a string, got ${JSON.stringify(v)}`);
  return v;
}
