// Top-k neighbour tables of items (item-CF) or users (user-CF) from the sparse matrix, without a dense similarity matrix.
import { type InteractionMatrix } from '../matrix/interaction-matrix';
import { checkShrinkage, checkSimilarityKind, inverseFrequencyWeights, shrink, type SimilarityKind } from '../similarity/sparse-similarity';
import { csrOf, transposeCsr, type CsrRows } from '../mf/csr';
import { TopCandidates } from './top-candidates';

/**
 * The k nearest neighbours of each of `size` rows (items or users): row r's neighbours are
 * `indices[r*k .. r*k+k-1]`, best first (higher similarity, then lower index), padded with -1 after the last one,
 * with their similarities in `scores` (0 in padding). Only positive similarities are kept, and a row is never its
 * own neighbour. Memory: 8 bytes × size × k.
 */
export interface NeighborTable {
  readonly size: number;
  readonly k: number;
  readonly indices: Int32Array;
  readonly scores: Float32Array;
}

/** Options of {@link buildItemNeighbors} and {@link buildUserNeighbors}. */
export interface NeighborOptions {
  similarity: SimilarityKind;
  /** Neighbours kept per row, a positive integer. */
  k: number;
  /** Shrinkage λ ≥ 0 (default 0): see `SimilarityOptions.shrinkage`. */
  shrinkage?: number;
  /**
   * Inverse-frequency weighting of the components (default false): each component c is weighted by
   * log(N / n_c), N the number of rows compared and n_c the rows having c (see `inverseFrequencyWeights`). For
   * users compared over items this is the classic IUF (a blockbuster says little); for items compared over users
   * it down-weights heavy users (someone who saw everything links everything).
   */
  iuf?: boolean;
  /** Pairs with fewer common components than this are not neighbours (default 1). */
  minCommon?: number;
}

/**
 * The k most similar items of every item: item vectors are the matrix columns (users as components, the
 * matrix values as values). For each item i, its users' rows are walked through the user × item CSR and the
 * co-occurrence statistics of every item j sharing a user are accumulated in dense accumulators of length nItems
 * reset through a touched list; similarities follow from per-item norms / means precomputed once, and the k best
 * are kept by a bounded heap. Time O(Σ_u |row u|² + nnz + Σ_i t_i log k), t_i the items co-occurring with i;
 * working memory O(nnz + nItems): 24 bytes per stored entry (the item × user transpose and the weighted values in
 * both layouts) and 24 bytes per item (40 for pearson: accumulators, touched list, norms); plus 8·nItems·k bytes
 * for the table — never nItems². Deterministic: same matrix, same table.
 */
export function buildItemNeighbors(matrix: InteractionMatrix, opts: NeighborOptions): NeighborTable {
  const users = csrOf(matrix);
  return buildRowNeighbors(transposeCsr(users), users, opts);
}

/**
 * The k most similar users of every user (user vectors are the matrix rows, items as components), computed as
 * {@link buildItemNeighbors} with the roles swapped: time O(Σ_i |users of i|² + nnz), so popular items dominate;
 * memory O(nnz + nUsers) plus 8·nUsers·k bytes for the table.
 */
export function buildUserNeighbors(matrix: InteractionMatrix, opts: NeighborOptions): NeighborTable {
  const rows = csrOf(matrix);
  return buildRowNeighbors(rows, transposeCsr(rows), opts);
}

/**
 * The neighbour table of the rows of `rows`, with `cols` its transpose (component → rows). The similarity of rows
 * r and s is exactly `sparseSimilarity(kind, row r, row s, { shrinkage, iuf })` of the similarity module, computed
 * with the same operations in the same order, so the two agree to the last bit.
 */
export function buildRowNeighbors(rows: CsrRows, cols: CsrRows, opts: NeighborOptions): NeighborTable {
  const kind = checkSimilarityKind(opts.similarity);
  const k = opts.k;
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`k must be a positive integer, got ${k}`);
  const lambda = checkShrinkage(opts.shrinkage ?? 0);
  const minCommon = opts.minCommon ?? 1;
  if (!Number.isInteger(minCommon) || minCommon < 1) throw new RangeError(`minCommon must be a positive integer, got ${minCommon}`);
  if (cols.nRows !== rows.nCols || cols.nCols !== rows.nRows || cols.indptr[cols.nRows] !== rows.indptr[rows.nRows]) {
    throw new RangeError('cols must be the transpose of rows');
  }
  const n = rows.nRows;
  const nc = rows.nCols;

  // Component weights and the transformed value of every entry, in both layouts.
  let weight: Float64Array | undefined;
  if (opts.iuf) {
    const counts = new Float64Array(nc);
    for (let c = 0; c < nc; c++) counts[c] = cols.indptr[c + 1] - cols.indptr[c];
    weight = inverseFrequencyWeights(counts, Math.max(n, 1));
  }
  const rv = new Float64Array(rows.values.length);
  for (let r = 0; r < n; r++) {
    for (let e = rows.indptr[r]; e < rows.indptr[r + 1]; e++) rv[e] = weight ? rows.values[e] * weight[rows.indices[e]] : rows.values[e];
  }
  const cv = new Float64Array(cols.values.length);
  for (let c = 0; c < nc; c++) {
    for (let f = cols.indptr[c]; f < cols.indptr[c + 1]; f++) cv[f] = weight ? cols.values[f] * weight[c] : cols.values[f];
  }
  // Per-row statistic: squared norm (cosine), mass Σ weights (jaccard); pearson centres the values on the row mean.
  const stat = new Float64Array(n);
  if (kind === 'pearson') {
    for (let r = 0; r < n; r++) {
      const len = rows.indptr[r + 1] - rows.indptr[r];
      let s = 0;
      for (let e = rows.indptr[r]; e < rows.indptr[r + 1]; e++) s += rv[e];
      stat[r] = len > 0 ? s / len : 0;
      for (let e = rows.indptr[r]; e < rows.indptr[r + 1]; e++) rv[e] -= stat[r];
    }
    for (let f = 0; f < cv.length; f++) cv[f] -= stat[cols.indices[f]];
  } else {
    for (let r = 0; r < n; r++) {
      let s = 0;
      for (let e = rows.indptr[r]; e < rows.indptr[r + 1]; e++) {
        if (kind === 'cosine') s += rv[e] * rv[e];
        else s += weight ? weight[rows.indices[e]] : 1;
      }
      stat[r] = s;
    }
  }

  const count = new Int32Array(n);
  const dot = new Float64Array(n);
  const sqA = kind === 'pearson' ? new Float64Array(n) : dot;
  const sqB = kind === 'pearson' ? new Float64Array(n) : dot;
  const touched = new Int32Array(n);
  const best = new TopCandidates(k);
  const indices = new Int32Array(n * k).fill(-1);
  const scores = new Float32Array(n * k);

  for (let r = 0; r < n; r++) {
    let nt = 0;
    for (let e = rows.indptr[r]; e < rows.indptr[r + 1]; e++) {
      const c = rows.indices[e];
      const va = rv[e];
      const wc = weight ? weight[c] : 1;
      for (let f = cols.indptr[c]; f < cols.indptr[c + 1]; f++) {
        const s = cols.indices[f];
        if (s === r) continue;
        if (count[s] === 0) touched[nt++] = s;
        count[s]++;
        if (kind === 'cosine') dot[s] += va * cv[f];
        else if (kind === 'jaccard') dot[s] += wc;
        else {
          const vb = cv[f];
          dot[s] += va * vb;
          sqA[s] += va * va;
          sqB[s] += vb * vb;
        }
      }
    }
    for (let t = 0; t < nt; t++) {
      const s = touched[t];
      const common = count[s];
      let sim = 0;
      if (common >= minCommon) {
        if (kind === 'cosine') sim = stat[r] === 0 || stat[s] === 0 ? 0 : dot[s] / Math.sqrt(stat[r] * stat[s]);
        else if (kind === 'jaccard') {
          const union = stat[r] + stat[s] - dot[s];
          sim = union <= 0 ? 0 : dot[s] / union;
        } else sim = sqA[s] === 0 || sqB[s] === 0 ? 0 : dot[s] / Math.sqrt(sqA[s] * sqB[s]);
        sim = shrink(sim, common, lambda);
      }
      if (sim > 0) best.push(s, sim);
      count[s] = 0;
      dot[s] = 0;
      sqA[s] = 0;
      sqB[s] = 0;
    }
    best.drain(indices, scores, r * k);
  }
  return { size: n, k, indices, scores };
}

/** The neighbours of row `r` of `table` (a view without the -1 padding) and their similarities. */
export function neighborsOf(table: NeighborTable, r: number): { indices: Int32Array; scores: Float32Array } {
  if (!Number.isInteger(r) || r < 0 || r >= table.size) throw new RangeError(`row ${r} is not in 0..${table.size - 1}`);
  const start = r * table.k;
  let end = start;
  while (end < start + table.k && table.indices[end] >= 0) end++;
  return { indices: table.indices.subarray(start, end), scores: table.scores.subarray(start, end) };
}
