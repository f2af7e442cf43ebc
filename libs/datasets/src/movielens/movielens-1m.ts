/** MovieLens 1M: `::`-separated `ratings.dat`, with `users.dat` demographics and `movies.dat` titles and genres. */
import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { InteractionMatrixBuilder } from '@recsys/algorithms';
import { RecsysError } from '@recsys/domain';
import type { Demographics, ItemInfo, LoadDatasetOptions, LoadedDataset } from '../dataset';
import { DatasetError, quoteValue } from '../errors';
import { LoadContext, expectFieldCount, integerId } from '../text/fields';
import { forEachDelimitedRow } from '../text/rows';
import { totalBytes } from '../text/sizes';
import { readRatingRows } from './ratings';
import { MOVIELENS_1M_OCCUPATIONS, movieLensAgeCode, movieLensGender } from './demographics';

const RATING_FIELDS = ['UserID', 'MovieID', 'Rating', 'Timestamp'];
const USER_FIELDS = ['UserID', 'Gender', 'Age', 'Occupation', 'Zip-code'];
const MOVIE_FIELDS = ['MovieID', 'Title', 'Genres'];

/**
 * Loads a MovieLens 1M folder: `ratings.dat` (required; `UserID::MovieID::Rating::Timestamp`, seconds), and when
 * present `users.dat` (`UserID::Gender::Age::Occupation::Zip-code`, age and occupation as the README's codes,
 * decoded) and `movies.dat` (`MovieID::Title::Genres`, genres `|`-separated). Latin-1 text. Duplicate
 * (user, item) ratings: the latest wins.
 */
export async function loadMovieLens1m(dir: string, opts: LoadDatasetOptions): Promise<LoadedDataset> {
  const ratingsFile = join(dir, 'ratings.dat');
  if (!existsSync(ratingsFile)) {
    throw new RecsysError('not-found', `${dir}: no ratings.dat (a MovieLens 1M folder has ratings.dat, and optionally users.dat and movies.dat)`);
  }
  const userFile = join(dir, 'users.dat');
  const movieFile = join(dir, 'movies.dat');
  const ctx = new LoadContext(opts, totalBytes([ratingsFile, userFile, movieFile]));
  const builder = new InteractionMatrixBuilder('last');

  await readRatingRows(ratingsFile, '::', RATING_FIELDS, 'movie id', ctx, builder);

  let users: Map<string, Demographics> | undefined;
  if (existsSync(userFile)) {
    users = new Map();
    const out = users;
    await forEachDelimitedRow(userFile, '::', 'latin1', ctx, (f, line) => {
      expectFieldCount(userFile, line, f, USER_FIELDS, '::');
      const id = integerId(userFile, line, 1, f[0], 'user id');
      const gender = movieLensGender(f[1]);
      if (!gender) throw new DatasetError(userFile, line, 2, `expected the gender to be M or F, got ${quoteValue(f[1])}`);
      const ageBucket = movieLensAgeCode(Number(f[2].trim()));
      if (!ageBucket || f[2].trim() === '') {
        throw new DatasetError(userFile, line, 3, `expected the age to be one of the codes 1, 18, 25, 35, 45, 50, 56, got ${quoteValue(f[2])}`);
      }
      const occupation = MOVIELENS_1M_OCCUPATIONS[Number(integerId(userFile, line, 4, f[3], 'occupation code'))];
      if (!occupation) throw new DatasetError(userFile, line, 4, `expected the occupation to be a code 0..20, got ${quoteValue(f[3])}`);
      out.set(id, { ageBucket, gender, occupation, zip: f[4].trim() });
    });
  }

  let items: Map<string, ItemInfo> | undefined;
  if (existsSync(movieFile)) {
    items = new Map();
    const out = items;
    await forEachDelimitedRow(movieFile, '::', 'latin1', ctx, (f, line) => {
      expectFieldCount(movieFile, line, f, MOVIE_FIELDS, '::');
      const id = integerId(movieFile, line, 1, f[0], 'movie id');
      out.set(id, { title: f[1], genres: splitGenres(f[2]) });
    });
  }

  return {
    name: basename(dir),
    format: 'movielens-1m',
    matrix: builder.build(),
    users,
    items,
    engagements: builder.size,
    skipped: ctx.skipped,
    skippedErrors: ctx.skippedErrors,
    explicit: true,
  };
}

/** `A|B|C` genres; empty and MovieLens's `(no genres listed)` give none. */
export function splitGenres(value: string): string[] {
  const v = value.trim();
  if (v.length === 0 || v === '(no genres listed)') return [];
  return v.split('|').map((g) => g.trim());
}
