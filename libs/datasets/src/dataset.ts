/** The loaded-dataset type every loader returns, and the formats `loadDataset` reads. */
import type { InteractionMatrix } from '@recsys/algorithms';
import type { DatasetError } from './errors';

/** The formats {@link loadDataset} reads (see docs/data-format.md for each one's files and rules). */
export type DatasetFormat = 'movielens-100k' | 'movielens-1m' | 'movielens-csv' | 'interactions-csv' | 'world';

/** Every dataset format, in documentation order. */
export const DATASET_FORMATS: readonly DatasetFormat[] = ['movielens-100k', 'movielens-1m', 'movielens-csv', 'interactions-csv', 'world'];

/** Options of {@link loadDataset}. */
export interface LoadDatasetOptions {
  /**
   * Skip malformed rows (in any file of the dataset) and count them in `skipped`, instead of throwing a
   * {@link DatasetError} at the first one (default false).
   */
  skipMalformed?: boolean;
  /**
   * Called as the load advances: bytes read and the total bytes of the files to read (text formats), or
   * positive event rows read and their total (`world`).
   */
  onProgress?: (done: number, total: number) => void;
}

/**
 * A user's demographics as strings, keys present only when the dataset has them: `ageBucket` (always with the
 * age), `age` (exact years, MovieLens 100k), `gender` (`female`, `male`, or the world's `other`/`unknown`),
 * `occupation`, `zip`, `country`, `signupAtMs`.
 */
export type Demographics = Readonly<Record<string, string>>;

/** What a dataset says about an item besides its interactions. */
export interface ItemInfo {
  title?: string;
  /** Genres (MovieLens) or topic ids, primary first (world). */
  genres?: string[];
}

/** A dataset loaded into one interaction matrix, with what the dataset says about users and items. */
export interface LoadedDataset {
  /** Base name of the path loaded. */
  name: string;
  format: DatasetFormat;
  /**
   * Users × items with their rating (explicit) or implicit weight and time in ms. Rows and columns are the users
   * and items with at least one interaction, numbered in order of first appearance in the interaction file.
   */
  matrix: InteractionMatrix;
  /** Demographics per user id (every user of the users file, rated or not), when the dataset has them. */
  users?: ReadonlyMap<string, Demographics>;
  /** Title and genres per item id (every item of the items file), when the dataset has them. */
  items?: ReadonlyMap<string, ItemInfo>;
  /**
   * Positive engagements counted once per occasion, before repeats of a (user, item) pair were merged into one entry:
   * the interaction rows (CSV formats), the distinct (user, item, request) positives (world: a click then a save of
   * one pin in one session is one engagement). `1 − nnz / engagements` is the repeat rate.
   */
  engagements: number;
  /** Malformed rows skipped (always 0 unless `skipMalformed`). */
  skipped: number;
  /** The first 10 skipped rows' errors, for a report. */
  skippedErrors: DatasetError[];
  /** True when the values are ratings (MovieLens), false for implicit weights (interactions CSV, world). */
  explicit: boolean;
}
