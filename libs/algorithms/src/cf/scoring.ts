// Scoring a user from a neighbour table: item-CF from the user's history, user-CF from the neighbours' items.
import { type InteractionMatrix } from '../matrix/interaction-matrix';
import { type NeighborTable } from './neighbors';
import { type SparseScores } from './sparse-scores';

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
  out.fill(0);
  const norm = opts.normalize ? new Float64Array(table.size) : undefined;
  itemCFVotes(table, userItems, userWeights, out, norm, undefined);
  if (norm) for (let j = 0; j < out.length; j++) if (norm[j] > 0) out[j] /= norm[j];
}

/**
 * {@link scoreItemCF} (unnormalised) into reusable sparse scores: adds the votes to `acc` (size table.size), which
 * remembers the items written, so selecting and resetting them afterwards costs O(|history| · k), not O(table.size).
 */
export function accumulateItemCF(table: NeighborTable, userItems: Int32Array, userWeights: Float32Array | undefined, acc: SparseScores): void {
  if (acc.size !== table.size) throw new RangeError(`acc has size ${acc.size}, the table has ${table.size} items`);
  itemCFVotes(table, userItems, userWeights, acc.values, undefined, acc);
}

/** The item-CF vote loop shared by {@link scoreItemCF} and {@link accumulateItemCF}. */
function itemCFVotes(
  table: NeighborTable,
  userItems: Int32Array,
  userWeights: Float32Array | undefined,
  out: Float32Array,
  norm: Float64Array | undefined,
  acc: SparseScores | undefined,
): void {
  if (userWeights && userWeights.length !== userItems.length) throw new RangeError('userWeights must have one weight per item of userItems');
  const { k, indices, scores } = table;
  for (let h = 0; h < userItems.length; h++) {
    const i = userItems[h];
    if (!(i >= 0 && i < table.size)) throw new RangeError(`item ${i} is not in 0..${table.size - 1}`);
    const w = userWeights ? userWeights[h] : 1;
    for (let p = i * k; p < i * k + k; p++) {
      const j = indices[p];
      if (j < 0) break;
      if (acc) acc.touch(j);
      out[j] += w * scores[p];
      if (norm) norm[j] += scores[p];
    }
  }
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
  if (out.length !== matrix.nItems) throw new RangeError(`out has length ${out.length}, the matrix has ${matrix.nItems} items`);
  out.fill(0);
  const norm = opts.normalize ? new Float64Array(matrix.nItems) : undefined;
  userCFVotes(table, matrix, user, out, norm, undefined, (opts.weighting ?? 'binary') === 'value');
  if (norm) for (let j = 0; j < out.length; j++) if (norm[j] > 0) out[j] /= norm[j];
}

/**
 * {@link scoreUserCF} (unnormalised) into reusable sparse scores (size matrix.nItems): O(Σ_{v ∈ N(user)} |row v|),
 * independent of the number of items.
 */
export function accumulateUserCF(
  table: NeighborTable,
  matrix: InteractionMatrix,
  user: number,
  acc: SparseScores,
  weighting: UserCFScoreOptions['weighting'] = 'binary',
): void {
  if (acc.size !== matrix.nItems) throw new RangeError(`acc has size ${acc.size}, the matrix has ${matrix.nItems} items`);
  userCFVotes(table, matrix, user, acc.values, undefined, acc, weighting === 'value');
}

/** The user-CF vote loop shared by {@link scoreUserCF} and {@link accumulateUserCF}. */
function userCFVotes(
  table: NeighborTable,
  matrix: InteractionMatrix,
  user: number,
  out: Float32Array,
  norm: Float64Array | undefined,
  acc: SparseScores | undefined,
  byValue: boolean,
): void {
  if (table.size !== matrix.nUsers) throw new RangeError(`the table has ${table.size} users, the matrix ${matrix.nUsers}`);
  if (!Number.isInteger(user) || user < 0 || user >= table.size) throw new RangeError(`user ${user} is not in 0..${table.size - 1}`);
  const { k, indices, scores } = table;
  const { indptr, indices: items, values } = matrix;
  for (let p = user * k; p < user * k + k; p++) {
    const v = indices[p];
    if (v < 0) break;
    const s = scores[p];
    for (let e = indptr[v]; e < indptr[v + 1]; e++) {
      const j = items[e];
      if (acc) acc.touch(j);
      out[j] += byValue ? s * values[e] : s;
      if (norm) norm[j] += s;
    }
  }
}
