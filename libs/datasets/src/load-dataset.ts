/** `loadDataset`: one entry point over every dataset format. */
import { RecsysError } from '@recsys/domain';
import { DATASET_FORMATS, DatasetFormat, LoadDatasetOptions, LoadedDataset } from './dataset';
import { loadInteractionsCsv } from './interactions/interactions-csv';
import { loadMovieLens100k } from './movielens/movielens-100k';
import { loadMovieLens1m } from './movielens/movielens-1m';
import { loadMovieLensCsv } from './movielens/movielens-csv';
import { loadWorldDataset } from './world/world-dataset';

/**
 * Loads a dataset into one interaction matrix. `path` is the dataset's folder (MovieLens, world) or the CSV file
 * (`interactions-csv`; a folder holding `interactions.csv` also works). Text files are streamed line by line:
 * memory is the matrix being built (24 bytes per row until built) and the metadata, never a whole file.
 *
 * @throws DatasetError at the first malformed row (file, 1-based line and field, what was expected) unless
 *   `skipMalformed`; RecsysError not-found when the dataset's main file is missing, bad-request for an unknown
 *   format.
 */
export async function loadDataset(path: string, format: DatasetFormat, opts: LoadDatasetOptions = {}): Promise<LoadedDataset> {
  switch (format) {
    case 'movielens-100k':
      return loadMovieLens100k(path, opts);
    case 'movielens-1m':
      return loadMovieLens1m(path, opts);
    case 'movielens-csv':
      return loadMovieLensCsv(path, opts);
    case 'interactions-csv':
      return loadInteractionsCsv(path, opts);
    case 'world':
      return loadWorldDataset(path, opts);
    default:
      throw RecsysError.badRequest('format', `expected one of ${DATASET_FORMATS.join(', ')}, got ${JSON.stringify(format)}`);
  }
}
