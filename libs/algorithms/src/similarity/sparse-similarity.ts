// Cosine, Pearson and Jaccard similarity of two sparse vectors, with shrinkage and inverse-frequency weighting.

/** A sparse vector: component indexes strictly ascending, with a value per index. */
export interface SparseVector {
  readonly indices: ArrayLike<number>;
  readonly values: ArrayLike<number>;
}

/** The similarity measures of this module. */
export type SimilarityKind = 'cosine' | 'pearson' | 'jaccard';

/** The similarity kinds, in documentation order. */
export const SIMILARITY_KINDS: readonly SimilarityKind[] = Object.freeze(['cosine', 'pearson', 'jaccard']);

/** Options shared by every similarity of this module. */
export interface SimilarityOptions {
  /**
   * Shrinkage λ ≥ 0 (default 0, none): the similarity is multiplied by n / (n + λ), n the number of components
   * both vectors have, so a similarity resting on few common components is pulled towards 0.
   */
  shrinkage?: number;
  /**
   * A weight per component index (e.g. {@link inverseFrequencyWeights}), multiplied into the values of both
   * vectors before the similarity is computed. Must cover every index of both vectors. Default: all 1.
   */
  iuf?: ArrayLike<number>;
}

/**
 * Inverse frequency weights `log(n / counts[j])` (natural log) for components present in `counts[j]` of `n`
 * vectors; 0 where `counts[j]` is 0. With item vectors over users this is the inverse user frequency of Breese,
 * Heckerman and Kadie (1998) transposed; with user vectors over items it is their IUF: a component every vector has
 * weighs 0, a rare one weighs most. O(counts.length).
 */
export function inverseFrequencyWeights(counts: ArrayLike<number>, n: number): Float64Array {
  if (!(n > 0)) throw new RangeError(`n must be positive, got ${n}`);
  const w = new Float64Array(counts.length);
  for (let j = 0; j < counts.length; j++) {
    const c = counts[j];
    if (c < 0 || c > n) throw new RangeError(`count ${c} of component ${j} is outside [0, ${n}]`);
    w[j] = c > 0 ? Math.log(n / c) : 0;
  }
  return w;
}

/** `sim × nCommon / (nCommon + λ)`; `sim` itself when λ is 0. */
export function shrink(sim: number, nCommon: number, lambda: number): number {
  return lambda > 0 ? (sim * nCommon) / (nCommon + lambda) : sim;
}

/**
 * Cosine similarity `Σ_common a_j b_j / (‖a‖ ‖b‖)`, norms over all components of each vector (values times the
 * IUF weights when given), then shrunk. 0 when either norm is 0. O(|a| + |b|).
 */
export function cosineSimilarity(a: SparseVector, b: SparseVector, opts: SimilarityOptions = {}): number {
  const w = opts.iuf;
  let na = 0;
  for (let x = 0; x < a.indices.length; x++) {
    const v = weighted(a, x, w);
    na += v * v;
  }
  let nb = 0;
  for (let y = 0; y < b.indices.length; y++) {
    const v = weighted(b, y, w);
    nb += v * v;
  }
  let dot = 0;
  let common = 0;
  forCommon(a, b, (x, y) => {
    dot += weighted(a, x, w) * weighted(b, y, w);
    common++;
  });
  if (na === 0 || nb === 0) return 0;
  return shrink(dot / Math.sqrt(na * nb), common, lambdaOf(opts));
}

/**
 * Pearson correlation in the collaborative-filtering variant of Resnick et al. (1994): each vector is centred on
 * the mean of ALL its own values (after IUF weighting), and the sums run over the CO-RATED components only:
 * `Σ_C (a_j − ā)(b_j − b̄) / (√Σ_C (a_j − ā)² · √Σ_C (b_j − b̄)²)`, C the common components, then shrunk.
 * Centring on the vector's own mean (rather than the mean over C) keeps a user's general leniency out of every
 * pair. 0 when either sum of squares is 0 (e.g. constant vectors: binary data has no Pearson signal). In [−1, 1]
 * before shrinkage. O(|a| + |b|).
 */
export function pearsonSimilarity(a: SparseVector, b: SparseVector, opts: SimilarityOptions = {}): number {
  const w = opts.iuf;
  const ma = meanOf(a, w);
  const mb = meanOf(b, w);
  let dot = 0;
  let sa = 0;
  let sb = 0;
  let common = 0;
  forCommon(a, b, (x, y) => {
    const ca = weighted(a, x, w) - ma;
    const cb = weighted(b, y, w) - mb;
    dot += ca * cb;
    sa += ca * ca;
    sb += cb * cb;
    common++;
  });
  if (sa === 0 || sb === 0) return 0;
  return shrink(dot / Math.sqrt(sa * sb), common, lambdaOf(opts));
}

/**
 * Jaccard similarity of the two index sets `|A ∩ B| / |A ∪ B|`, values ignored; with IUF weights, the weighted
 * Jaccard `Σ_{A∩B} w_j / Σ_{A∪B} w_j` (each present component counts as its weight). Then shrunk. 0 when the
 * union weighs 0. O(|a| + |b|).
 */
export function jaccardSimilarity(a: SparseVector, b: SparseVector, opts: SimilarityOptions = {}): number {
  const w = opts.iuf;
  let ma = 0;
  for (let x = 0; x < a.indices.length; x++) ma += w ? w[a.indices[x]] : 1;
  let mb = 0;
  for (let y = 0; y < b.indices.length; y++) mb += w ? w[b.indices[y]] : 1;
  let inter = 0;
  let common = 0;
  forCommon(a, b, (x) => {
    inter += w ? w[a.indices[x]] : 1;
    common++;
  });
  const union = ma + mb - inter;
  if (union <= 0) return 0;
  return shrink(inter / union, common, lambdaOf(opts));
}

/** The similarity `kind` of `a` and `b` (see {@link cosineSimilarity}, {@link pearsonSimilarity}, {@link jaccardSimilarity}). */
export function sparseSimilarity(kind: SimilarityKind, a: SparseVector, b: SparseVector, opts: SimilarityOptions = {}): number {
  if (kind === 'cosine') return cosineSimilarity(a, b, opts);
  if (kind === 'pearson') return pearsonSimilarity(a, b, opts);
  if (kind === 'jaccard') return jaccardSimilarity(a, b, opts);
  throw new RangeError(`unknown similarity "${String(kind)}" (known: ${SIMILARITY_KINDS.join(', ')})`);
}

/** Throws a RangeError unless `kind` is a known similarity; returns it typed. */
export function checkSimilarityKind(kind: string): SimilarityKind {
  if (!(SIMILARITY_KINDS as readonly string[]).includes(kind)) throw new RangeError(`unknown similarity "${kind}" (known: ${SIMILARITY_KINDS.join(', ')})`);
  return kind as SimilarityKind;
}

/** Throws a RangeError unless `lambda` is a finite number ≥ 0; returns it. */
export function checkShrinkage(lambda: number): number {
  if (!(lambda >= 0 && Number.isFinite(lambda))) throw new RangeError(`shrinkage must be a finite number ≥ 0, got ${lambda}`);
  return lambda;
}

function lambdaOf(opts: SimilarityOptions): number {
  return checkShrinkage(opts.shrinkage ?? 0);
}

function weighted(v: SparseVector, x: number, w: ArrayLike<number> | undefined): number {
  return w ? v.values[x] * w[v.indices[x]] : v.values[x];
}

function meanOf(v: SparseVector, w: ArrayLike<number> | undefined): number {
  const n = v.indices.length;
  if (n === 0) return 0;
  let s = 0;
  for (let x = 0; x < n; x++) s += weighted(v, x, w);
  return s / n;
}

/** Calls `fn(x, y)` for every pair of positions with a.indices[x] === b.indices[y], in ascending index order. */
function forCommon(a: SparseVector, b: SparseVector, fn: (x: number, y: number) => void): void {
  let x = 0;
  let y = 0;
  while (x < a.indices.length && y < b.indices.length) {
    const ia = a.indices[x];
    const ib = b.indices[y];
    if (ia === ib) {
      fn(x, y);
      x++;
      y++;
    } else if (ia < ib) x++;
    else y++;
  }
}
