// The recall artifacts as the channels use them: decoded arrays plus id look-ups and per-model scratch buffers.
import {
  SparseScores,
  gramMatrix,
  type AlsArtifact,
  type AlsModel,
  type InteractionMatrix,
  type ItemCFArtifact,
  type NeighborTable,
  type UserCFArtifact,
} from '@recsys/algorithms';
import type { ItemIds } from '../state/item-ids';

/** An item-CF table ready to score (channels `itemcf` and `realtime`). */
export interface LoadedItemCF {
  version: string;
  itemIds: readonly string[];
  itemIndex: ReadonlyMap<string, number>;
  /** The recall state's item index of each of the table's items (see `ItemIds`). */
  items: Int32Array;
  neighbors: NeighborTable;
  /** Score accumulator over the table's items, reused by every request (requests score synchronously, one at a time). */
  scratch: SparseScores;
}

/** A user-CF table with the training rows its neighbours' items come from (channel `usercf`). */
export interface LoadedUserCF {
  version: string;
  userIndex: ReadonlyMap<string, number>;
  itemIds: readonly string[];
  /** The recall state's item index of each of the matrix's items. */
  items: Int32Array;
  neighbors: NeighborTable;
  /** The training matrix (entry times are not stored in the artifact and read 0). */
  matrix: InteractionMatrix;
  /** Score accumulator over the matrix's items. */
  scratch: SparseScores;
}

/** ALS factors with the vector collection of their item factors (channel `als`). */
export interface LoadedAls {
  version: string;
  userIndex: ReadonlyMap<string, number>;
  itemIndex: ReadonlyMap<string, number>;
  /** The recall state's item index of each of the model's items. */
  items: Int32Array;
  model: AlsModel;
  /** YᵀY + λI of the item factors, for fold-in of users the model was not trained on. */
  gram: Float64Array;
  /** The vector collection holding this version's item factors (dot product). */
  collection: string;
}

function indexOf(ids: readonly string[]): Map<string, number> {
  const index = new Map<string, number>();
  ids.forEach((id, i) => index.set(id, i));
  return index;
}

/** An item-CF artifact with its id look-ups and score accumulator; its item ids are interned into `ids`. */
export function loadedItemCF(a: ItemCFArtifact, ids: ItemIds): LoadedItemCF {
  return {
    version: a.info.version,
    itemIds: a.itemIds,
    itemIndex: indexOf(a.itemIds),
    items: Int32Array.from(a.itemIds, (id) => ids.intern(id)),
    neighbors: a.neighbors,
    scratch: new SparseScores(a.itemIds.length),
  };
}

/** A user-CF artifact with its id look-ups, its rows as an interaction matrix, and a score accumulator. */
export function loadedUserCF(a: UserCFArtifact, ids: ItemIds): LoadedUserCF {
  const nnz = a.rows.indptr[a.rows.nRows];
  const matrix: InteractionMatrix = {
    nUsers: a.rows.nRows,
    nItems: a.rows.nCols,
    indptr: a.rows.indptr,
    indices: a.rows.indices,
    values: a.rows.values,
    timestamps: new Float64Array(nnz),
    userIds: a.userIds,
    itemIds: a.itemIds,
    userIndex: indexOf(a.userIds),
    itemIndex: indexOf(a.itemIds),
  };
  return {
    version: a.info.version,
    userIndex: matrix.userIndex,
    itemIds: a.itemIds,
    items: Int32Array.from(a.itemIds, (id) => ids.intern(id)),
    neighbors: a.neighbors,
    matrix,
    scratch: new SparseScores(a.itemIds.length),
  };
}

/** An ALS artifact with its id look-ups, its Gram matrix and the name of its vector collection. */
export function loadedAls(a: AlsArtifact, collection: string, ids: ItemIds): LoadedAls {
  const { model } = a;
  return {
    version: a.info.version,
    userIndex: indexOf(a.userIds),
    itemIndex: indexOf(a.itemIds),
    items: Int32Array.from(a.itemIds, (id) => ids.intern(id)),
    model,
    gram: gramMatrix(model.itemFactors, model.nItems, model.factors, model.regularization),
    collection,
  };
}
