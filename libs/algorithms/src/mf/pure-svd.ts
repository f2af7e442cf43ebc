// Truncated SVD of a sparse matrix by randomized range finding (Halko et al.), and PureSVD scoring on top of it.
import { type InteractionMatrix } from '../matrix/interaction-matrix';
import { createRng } from '../random/rng';
import { binarizeCsr, csrOf, transposeCsr, type CsrRows } from './csr';
import { jacobiEigen, orthonormalizeColumns } from './linalg';

/** Options of {@link randomizedSvd}. */
export interface RandomizedSvdOptions {
  /** Extra columns of the random test matrix beyond the rank asked for (default 10). */
  oversample?: number;
  /** Power iterations q: each multiplies by AAᵀ to sharpen the spectrum (default 4). */
  powerIterations?: number;
  /** Seed of the Gaussian test matrix (default 0). */
  seed?: number;
}

/** A rank-k truncated SVD A ≈ U diag(s) Vᵀ. */
export interface TruncatedSvd {
  readonly rank: number;
  /** Singular values, descending. */
  readonly singularValues: Float64Array;
  /** Row-major nRows×rank left singular vectors. */
  readonly u: Float64Array;
  /** Row-major nCols×rank right singular vectors. */
  readonly v: Float64Array;
}

/**
 * The rank-`rank` truncated SVD of the sparse matrix `a` by the randomized method of Halko, Martinsson and Tropp
 * (2011): Y = AΩ for a Gaussian n×l test matrix Ω (l = rank + oversample, at most min(m, n)); q power iterations
 * Y ← A(AᵀY), re-orthonormalized by modified Gram-Schmidt between products; Q = orth(Y); B = QᵀA (l×n); the
 * eigen-decomposition BBᵀ = W Σ² Wᵀ by Jacobi gives σ, U = QW and V = BᵀW/σ. Singular values whose square is
 * below 1e-12 of the largest one's are set to 0 with zero vectors (the matrix has lower rank).
 * Time O((q + 1)·nnz·l + (m + n)·l² + l³); memory O((m + n)·l). Deterministic given the seed.
 */
export function randomizedSvd(a: CsrRows, rank: number, options: RandomizedSvdOptions = {}): TruncatedSvd {
  const m = a.nRows;
  const n = a.nCols;
  if (!Number.isInteger(rank) || rank < 1) throw new RangeError(`rank must be a positive integer, got ${rank}`);
  if (rank > Math.min(m, n)) throw new RangeError(`rank ${rank} exceeds min(rows, cols) = ${Math.min(m, n)}`);
  const oversample = options.oversample ?? 10;
  const q = options.powerIterations ?? 4;
  if (!Number.isInteger(oversample) || oversample < 0) throw new RangeError(`oversample must be an integer ≥ 0, got ${oversample}`);
  if (!Number.isInteger(q) || q < 0) throw new RangeError(`powerIterations must be an integer ≥ 0, got ${q}`);
  const l = Math.min(rank + oversample, m, n);
  const at = transposeCsr(a);
  // Column-major: column c of an m×l matrix is [c*m, c*m + m).
  const rng = createRng(options.seed ?? 0);
  const omega = new Float64Array(n * l);
  for (let j = 0; j < omega.length; j++) omega[j] = rng.normal();
  const y = new Float64Array(m * l);
  const z = new Float64Array(n * l);
  multiplyColumns(a, omega, y, l);
  orthonormalizeColumns(y, m, l);
  for (let it = 0; it < q; it++) {
    multiplyColumns(at, y, z, l);
    orthonormalizeColumns(z, n, l);
    multiplyColumns(a, z, y, l);
    orthonormalizeColumns(y, m, l);
  }
  // Bᵀ = AᵀQ (n×l, column-major): column c is row c of B.
  const bt = z;
  multiplyColumns(at, y, bt, l);
  const bbt = new Float64Array(l * l);
  for (let c = 0; c < l; c++) {
    for (let d = c; d < l; d++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += bt[c * n + i] * bt[d * n + i];
      bbt[c * l + d] = s;
      bbt[d * l + c] = s;
    }
  }
  const { values, vectors } = jacobiEigen(bbt, l);
  const singularValues = new Float64Array(rank);
  const u = new Float64Array(m * rank);
  const v = new Float64Array(n * rank);
  const floor = Math.max(values[0], 0) * 1e-12;
  for (let j = 0; j < rank; j++) {
    const lambda = values[j];
    if (!(lambda > floor) || lambda <= 0) continue;
    const sigma = Math.sqrt(lambda);
    singularValues[j] = sigma;
    const w = vectors.subarray(j * l, j * l + l);
    // U[:, j] = Q w;  V[:, j] = Bᵀ w / σ.
    for (let c = 0; c < l; c++) {
      const wc = w[c];
      if (wc === 0) continue;
      for (let r = 0; r < m; r++) u[r * rank + j] += y[c * m + r] * wc;
      const scaled = wc / sigma;
      for (let i = 0; i < n; i++) v[i * rank + j] += bt[c * n + i] * scaled;
    }
  }
  return { rank, singularValues, u, v };
}

/** out[:, c] = A·x[:, c] for the `cols` columns of the column-major x (A is CSR rows × cols of length nCols). */
function multiplyColumns(a: CsrRows, x: Float64Array, out: Float64Array, cols: number): void {
  const { nRows, nCols, indptr, indices, values } = a;
  for (let c = 0; c < cols; c++) {
    const xo = c * nCols;
    const oo = c * nRows;
    for (let r = 0; r < nRows; r++) {
      let s = 0;
      for (let e = indptr[r]; e < indptr[r + 1]; e++) s += values[e] * x[xo + indices[e]];
      out[oo + r] = s;
    }
  }
}

/** Options of {@link trainPureSvd}. */
export interface PureSvdOptions extends RandomizedSvdOptions {
  /** Rank k (default 50). */
  factors?: number;
  /** Factorize the 0/1 pattern (default true) instead of the stored values (ratings). */
  binary?: boolean;
}

/** A PureSVD model: item factors V (nItems×k); a user's scores are r_u·V·Vᵀ. */
export interface PureSvdModel {
  readonly factors: number;
  readonly nItems: number;
  /** Row-major nItems×k: the top-k right singular vectors. */
  readonly itemFactors: Float32Array;
  readonly singularValues: Float64Array;
  readonly binary: boolean;
}

/**
 * PureSVD (Cremonesi, Koren, Turrin 2010): the rank-k truncated SVD R ≈ U Σ Vᵀ of the user × item matrix (zeros
 * for missing entries, so they count as "not liked"), scoring r̂_u = r_u V Vᵀ — the projection of the user's row
 * on the top-k item space, which also folds in users unseen at training. See {@link randomizedSvd} for the cost.
 */
export function trainPureSvd(matrix: InteractionMatrix, options: PureSvdOptions = {}): PureSvdModel {
  const k = options.factors ?? 50;
  const binary = options.binary ?? true;
  const rows = binary ? binarizeCsr(csrOf(matrix)) : csrOf(matrix);
  const svd = randomizedSvd(rows, k, options);
  return { factors: k, nItems: matrix.nItems, itemFactors: Float32Array.from(svd.v), singularValues: svd.singularValues, binary };
}

/**
 * Writes r_u V Vᵀ into `out` (length nItems) for a user history: `items` (item indexes) with `values` (ignored
 * for a binary model; default 1). O(|items|·k + nItems·k).
 */
export function pureSvdScores(model: PureSvdModel, items: ArrayLike<number>, values: ArrayLike<number> | undefined, out: Float32Array): void {
  const k = model.factors;
  const v = model.itemFactors;
  const t = new Float64Array(k);
  for (let n = 0; n < items.length; n++) {
    const w = model.binary || values === undefined ? 1 : values[n];
    const o = items[n] * k;
    for (let f = 0; f < k; f++) t[f] += w * v[o + f];
  }
  for (let i = 0; i < model.nItems; i++) {
    const o = i * k;
    let s = 0;
    for (let f = 0; f < k; f++) s += v[o + f] * t[f];
    out[i] = s;
  }
}
