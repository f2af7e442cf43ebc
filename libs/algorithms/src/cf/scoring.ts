// Scoring a user from a neighbour table: item-CF from the user's history, user-CF from the neighbours' items.
import { type InteractionMatrix } from '../matrix/interaction-matrix';
import { type NeighborTable } from './neighbors';

/** Options of {@link scoreItemCF} and {@link scoreUserCF}. */
export interface CFScoreOptions {
  /**
   * Divide each item's score by the sum of the similarities that contributed to it (default false), making it a
   * similarity-weighted average of the weights (Sarwar et al., 2001) instead of a sum. The sum rewards items
   * close to many of the user's items, which is what ranking implicit feedback usually wants; the average
   * predicts a rating.
   */
  normalize?: boolean;
}

/**
 * Item-CF scores of a user with history `userItems` (item indexes) and optional `userWeights` (default 1 each):
 * `out[j] = Σ_{i ∈ history, j ∈ N(i)} weight_i · sim(i, j)` over the k-neighbour lists N(i) of the history's items
 * (the neighbours of what the user liked vote for themselves); 0 for items no history item points to. Items of
 * the history get scores too (the caller excludes them). Overwrites all of `out` (length table.size).
 * O(table.size + |history| · k).
 */
export function scoreItemCF(
  table: NeighborTable,
  userItems: Int32Array,
  userWeights: Float32Array | undefined,
  out: Float32Array,
  opts: CFScoreOptions = {},
): void {
  if (out.length !== table.size) throw new RangeError(`out has length ${out.length}, the table has ${table.size} items`);
  if (userWeights && userWeights.length !== userItems.length) throw new RangeError('userWeights must have one weight per item of userItems');
  out.fill(0);
  const norm = opts.normalize ? new Float64Array(table.size) : undefined;
  const { k, indices, scores } = table;
  for (let h = 0; h < userItems.length; h++) {
    const i = userItems[h];
    if (!(i >= 0 && i < table.size)) throw new RangeError(`item ${i} is not in 0..${table.size - 1}`);
    const w = userWeights ? userWeights[h] : 1;
    for (let p = i * k; p < i * k + k; p++) {
      const j = indices[p];
      if (j < 0) break;
      out[j] += w * scores[p];
      if (norm) norm[j] += scores[p];
    }
  }
  if (norm) for (let j = 0; j < out.length; j++) if (norm[j] > 0) out[j] /= norm[j];
}

/** Options of {@link scoreUserCF}. */
export interface UserCFScoreOptions extends CFScoreOptions {
  /** What a neighbour's interaction with an item counts: 1 (`binary`, default) or its matrix value (`value`). */
  weighting?: 'binary' | 'value';
}

/**
 * User-CF scores of user row `user`: `out[j] = Σ_{v ∈ N(user)} sim(user, v) · x_vj` over the user's k neighbours
 * in `table` (from {@link buildUserNeighbors} on `matrix`), x_vj 1 or the value of v's interaction with j (see
 * `weighting`); 0 for items no neighbour has. Overwrites all of `out` (length matrix.nItems).
 * O(nItems + Σ_{v ∈ N(user)} |row v|).
 */
export function scoreUserCF(table: NeighborTable, matrix: InteractionMatrix, user: number, out: Float32Array, opts: UserCFScoreOptions = {}): void {
  if (table.size !== matrix.nUsers) throw new RangeError(`the table has ${table.size} users, the matrix ${matrix.nUsers}`);
  if (out.length !== matrix.nItems) throw new RangeError(`out has length ${out.length}, the matrix has ${matrix.nItems} items`);
  if (!Number.isInteger(user) || user < 0 || user >= table.size) throw new RangeError(`user ${user} is not in 0..${table.size - 1}`);
  const byValue = (opts.weighting ?? 'binary') === 'value';
  out.fill(0);
  const norm = opts.normalize ? new Float64Array(matrix.nItems) : undefined;
  const { k, indices, scores } = table;
  const { indptr, indices: items, values } = matrix;
  for (let p = user * k; p < user * k + k; p++) {
    const v = indices[p];
    if (v < 0) break;
    const s = scores[p];
    for (let e = indptr[v]; e < indptr[v + 1]; e++) {
      out[items[e]] += byValue ? s * values[e] : s;
      if (norm) norm[items[e]] += s;
    }
  }
  if (norm) for (let j = 0; j < out.length; j++) if (norm[j] > 0) out[j] /= norm[j];
}
