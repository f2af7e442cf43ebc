/** MovieLens CSV releases (ml-latest, ml-latest-small, 20M, 25M, 32M): `ratings.csv` with `movies.csv`. */
import { existsSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { InteractionMatrixBuilder } from '@recsys/algorithms';
import { RecsysError } from '@recsys/domain';
import type { ItemInfo, LoadDatasetOptions, LoadedDataset } from '../dataset';
import { LoadContext, expectFieldCount, expectHeader, finiteNumber, integerId, unixSeconds } from '../text/fields';
import { forEachCsvRecord } from '../text/rows';
import { totalBytes } from '../text/sizes';
import { splitGenres } from './movielens-1m';

const RATING_HEADER = ['userId', 'movieId', 'rating', 'timestamp'];
const MOVIE_HEADER = ['movieId', 'title', 'genres'];

/**
 * Loads a MovieLens CSV folder (or its `ratings.csv`): `ratings.csv` (required; header
 * `userId,movieId,rating,timestamp`, seconds) and when present `movies.csv` (header `movieId,title,genres`, RFC 4180
 * quoting: titles hold commas and `""` quotes; genres `|`-separated, `(no genres listed)` as none). UTF-8.
 * Duplicate (user, item) ratings: the latest wins. These releases have no demographics.
 */
export async function loadMovieLensCsv(path: string, opts: LoadDatasetOptions): Promise<LoadedDataset> {
  const dir = existsSync(path) && statSync(path).isFile() ? dirname(path) : path;
  const ratingsFile = join(dir, 'ratings.csv');
  if (!existsSync(ratingsFile)) {
    throw new RecsysError('not-found', `${dir}: no ratings.csv (a MovieLens CSV folder has ratings.csv, and optionally movies.csv)`);
  }
  const movieFile = join(dir, 'movies.csv');
  const ctx = new LoadContext(opts, totalBytes([ratingsFile, movieFile]));
  const builder = new InteractionMatrixBuilder('last');

  await forEachCsvRecord(
    ratingsFile,
    ctx,
    (header) => expectHeader(ratingsFile, header, RATING_HEADER),
    (f, line) => {
      expectFieldCount(ratingsFile, line, f, RATING_HEADER, ',');
      const user = integerId(ratingsFile, line, 1, f[0], 'userId');
      const item = integerId(ratingsFile, line, 2, f[1], 'movieId');
      const rating = finiteNumber(ratingsFile, line, 3, f[2], 'rating');
      const time = unixSeconds(ratingsFile, line, 4, f[3]);
      builder.add(user, item, rating, time);
    },
  );

  let items: Map<string, ItemInfo> | undefined;
  if (existsSync(movieFile)) {
    items = new Map();
    const out = items;
    await forEachCsvRecord(
      movieFile,
      ctx,
      (header) => expectHeader(movieFile, header, MOVIE_HEADER),
      (f, line) => {
        expectFieldCount(movieFile, line, f, MOVIE_HEADER, ',');
        const id = integerId(movieFile, line, 1, f[0], 'movieId');
        out.set(id, { title: f[1], genres: splitGenres(f[2]) });
      },
    );
  }

  return {
    name: basename(dir),
    format: 'movielens-csv',
    matrix: builder.build(),
    items,
    engagements: builder.size,
    skipped: ctx.skipped,
    skippedErrors: ctx.skippedErrors,
    explicit: true,
  };
}
