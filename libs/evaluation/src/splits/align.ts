// Two matrices with their own id spaces (a given train file and test file) put into one id space.
import { InteractionMatrixBuilder, type InteractionMatrix } from '@recsys/algorithms';
import { type Split } from './split';

/**
 * Puts two matrices with their own id spaces into one: the users of `train` keep their indexes, users only in
 * `test` follow; likewise items. Both returned matrices have every user and item (a test-only item is part of
 * the catalog with no training interaction). Weights and timestamps are kept. O(nnz log row length).
 */
export function alignSplit(train: InteractionMatrix, test: InteractionMatrix, name: string, description: string): Split {
  const declare = (b: InteractionMatrixBuilder): void => {
    for (const id of train.userIds) b.addUser(id);
    for (const id of test.userIds) b.addUser(id);
    for (const id of train.itemIds) b.addItem(id);
    for (const id of test.itemIds) b.addItem(id);
  };
  const copy = (m: InteractionMatrix): InteractionMatrix => {
    const b = new InteractionMatrixBuilder();
    declare(b);
    for (let u = 0; u < m.nUsers; u++) {
      const row = b.addUser(m.userIds[u]);
      for (let e = m.indptr[u]; e < m.indptr[u + 1]; e++) b.addIndexed(row, b.addItem(m.itemIds[m.indices[e]]), m.values[e], m.timestamps[e]);
    }
    return b.build();
  };
  const alignedTrain = copy(train);
  const alignedTest = copy(test);
  // Share the id arrays and maps, as splitByMask does.
  return {
    name,
    description,
    train: alignedTrain,
    test: { ...alignedTest, userIds: alignedTrain.userIds, itemIds: alignedTrain.itemIds, userIndex: alignedTrain.userIndex, itemIndex: alignedTrain.itemIndex },
  };
}
