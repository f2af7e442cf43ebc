// Compressed sparse rows as the factorization solvers see them, and the transpose (items × users) of a matrix.
import { type InteractionMatrix } from '../matrix/interaction-matrix';

/** A sparse matrix in CSR form: `nRows` rows over `nCols` columns, entries of row r at indptr[r] .. indptr[r+1]-1. */
export interface CsrRows {
  readonly nRows: number;
  readonly nCols: number;
  readonly indptr: Int32Array;
  readonly indices: Int32Array;
  readonly values: Float32Array;
}

/** The user rows of an interaction matrix as {@link CsrRows} (views, no copy). */
export function csrOf(m: InteractionMatrix): CsrRows {
  return { nRows: m.nUsers, nCols: m.nItems, indptr: m.indptr, indices: m.indices, values: m.values };
}

/**
 * The transpose of `m`: one row per column of `m`, its entries sorted by row of `m` (a counting sort, so
 * ascending and stable). O(nnz + nRows + nCols) time and memory.
 */
export function transposeCsr(m: CsrRows): CsrRows {
  const total = m.indptr[m.nRows];
  const indptr = new Int32Array(m.nCols + 1);
  for (let e = 0; e < total; e++) indptr[m.indices[e] + 1]++;
  for (let c = 0; c < m.nCols; c++) indptr[c + 1] += indptr[c];
  const next = indptr.slice(0, m.nCols);
  const indices = new Int32Array(total);
  const values = new Float32Array(total);
  for (let r = 0; r < m.nRows; r++) {
    for (let e = m.indptr[r]; e < m.indptr[r + 1]; e++) {
      const at = next[m.indices[e]]++;
      indices[at] = r;
      values[at] = m.values[e];
    }
  }
  return { nRows: m.nCols, nCols: m.nRows, indptr, indices, values };
}

/**
 * A copy of `m` with every stored value replaced by 1 (the pattern of the matrix), sharing the index arrays.
 * O(nnz).
 */
export function binarizeCsr(m: CsrRows): CsrRows {
  return { ...m, values: new Float32Array(m.indptr[m.nRows]).fill(1) };
}
