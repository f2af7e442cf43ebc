// The Split type and the one way splits are built: a per-entry train/test assignment over one id space.
import { type InteractionMatrix } from '@recsys/algorithms';

/**
 * A train/test split of one dataset. `train` and `test` share ONE id space: the same `nUsers`, `nItems`,
 * `userIds`, `itemIds` and index maps, so user `u` and item `i` mean the same thing in both.
 */
export interface Split {
  /** Short name, e.g. `random-holdout`. */
  readonly name: string;
  /** One sentence a report can print: what went to test, with its parameters. */
  readonly description: string;
  readonly train: InteractionMatrix;
  readonly test: InteractionMatrix;
}

/**
 * Splits `source` entry by entry: entry `e` (a position in `source.indices`) goes to test when `isTest[e]` is 1,
 * else to train. Both halves keep the source's id space (the id arrays and maps are shared, not copied), weights
 * and timestamps. O(nnz).
 */
export function splitByMask(source: InteractionMatrix, isTest: Uint8Array, name: string, description: string): Split {
  const total = source.indptr[source.nUsers];
  if (isTest.length !== total) throw new RangeError(`mask has ${isTest.length} entries but the matrix has ${total}`);
  let nTest = 0;
  for (let e = 0; e < total; e++) nTest += isTest[e];
  const train = emptyLike(source, total - nTest);
  const test = emptyLike(source, nTest);
  let a = 0;
  let b = 0;
  for (let u = 0; u < source.nUsers; u++) {
    for (let e = source.indptr[u]; e < source.indptr[u + 1]; e++) {
      if (isTest[e]) {
        test.indices[b] = source.indices[e];
        test.values[b] = source.values[e];
        test.timestamps[b] = source.timestamps[e];
        b++;
      } else {
        train.indices[a] = source.indices[e];
        train.values[a] = source.values[e];
        train.timestamps[a] = source.timestamps[e];
        a++;
      }
    }
    train.indptr[u + 1] = a;
    test.indptr[u + 1] = b;
  }
  return { name, description, train, test };
}

/** Whether `a` and `b` use the same id space (same users and items at the same indexes). O(users + items). */
export function sameIdSpace(a: InteractionMatrix, b: InteractionMatrix): boolean {
  if (a.nUsers !== b.nUsers || a.nItems !== b.nItems) return false;
  if (a.userIds !== b.userIds && a.userIds.some((id, u) => b.userIds[u] !== id)) return false;
  return a.itemIds === b.itemIds || a.itemIds.every((id, i) => b.itemIds[i] === id);
}

function emptyLike(m: InteractionMatrix, size: number): InteractionMatrix & { indptr: Int32Array; indices: Int32Array; values: Float32Array; timestamps: Float64Array } {
  return {
    nUsers: m.nUsers,
    nItems: m.nItems,
    indptr: new Int32Array(m.nUsers + 1),
    indices: new Int32Array(size),
    values: new Float32Array(size),
    timestamps: new Float64Array(size),
    userIds: m.userIds,
    itemIds: m.itemIds,
    userIndex: m.userIndex,
    itemIndex: m.itemIndex,
  };
}
