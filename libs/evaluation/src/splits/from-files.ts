// Given splits: a train file and a test file, loaded and put into one id space.
import { loadDataset, type DatasetFormat } from '@recsys/datasets';
import { basename } from 'node:path';
import { alignSplit } from './align';
import { type Split } from './split';

/** Options of {@link splitFromFiles}. */
export interface SplitFromFilesOptions {
  /** Format of both files (default `interactions-csv`). */
  format?: DatasetFormat;
  /** Skip and count malformed rows instead of failing on the first. */
  skipMalformed?: boolean;
}

/**
 * Loads a given split: `trainPath` and `testPath` in the same format (by default interaction CSVs:
 * user, item, weight, timestamp), through `loadDataset` of @recsys/datasets, and aligns them into one id space
 * with {@link alignSplit}. Test interactions that also appear in the user's training row are kept in the test
 * matrix; the protocols leave them out of the relevant set (an item already in train is never recommended).
 * `skipped` is the number of malformed rows skipped in both files (0 unless `skipMalformed`).
 */
export async function splitFromFiles(trainPath: string, testPath: string, opts: SplitFromFilesOptions = {}): Promise<Split & { skipped: number }> {
  const format = opts.format ?? 'interactions-csv';
  const train = await loadDataset(trainPath, format, { skipMalformed: opts.skipMalformed });
  const test = await loadDataset(testPath, format, { skipMalformed: opts.skipMalformed });
  const split = alignSplit(train.matrix, test.matrix, 'files', `given split: train ${basename(trainPath)}, test ${basename(testPath)}`);
  return { ...split, skipped: train.skipped + test.skipped };
}
