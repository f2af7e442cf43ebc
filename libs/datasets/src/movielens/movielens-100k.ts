/** MovieLens 100k: `u.data` ratings, `u.user` demographics, `u.item` titles and genre flags (`u.genre` names). */
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
import { MOVIELENS_100K_GENRES, movieLensAgeBucket, movieLensGender } from './demographics';

const RATING_FIELDS = ['user id', 'item id', 'rating', 'timestamp'];
const USER_FIELDS = ['user id', 'age', 'gender', 'occupation', 'zip code'];
const ITEM_LEAD_FIELDS = ['movie id', 'title', 'release date', 'video release date', 'IMDb URL'];

/**
 * Loads a MovieLens 100k folder: `u.data` (required; tab-separated user, item, rating, timestamp in seconds),
 * and when present `u.user` (`id|age|gender|occupation|zip`), `u.item` (`id|title|release|video|url|` and one
 * 0/1 flag per genre) with genre names from `u.genre`. Latin-1 text. Duplicate (user, item) ratings: the latest wins.
 */
export async function loadMovieLens100k(dir: string, opts: LoadDatasetOptions): Promise<LoadedDataset> {
  const ratingsFile = join(dir, 'u.data');
  if (!existsSync(ratingsFile)) {
    throw new RecsysError('not-found', `${dir}: no u.data (a MovieLens 100k folder has u.data, and optionally u.user and u.item)`);
  }
  const userFile = join(dir, 'u.user');
  const itemFile = join(dir, 'u.item');
  const genreFile = join(dir, 'u.genre');
  const ctx = new LoadContext(opts, totalBytes([ratingsFile, userFile, itemFile, genreFile]));
  const builder = new InteractionMatrixBuilder('last');

  await readRatingRows(ratingsFile, '\t', RATING_FIELDS, 'item id', ctx, builder);

  let users: Map<string, Demographics> | undefined;
  if (existsSync(userFile)) {
    users = new Map();
    const out = users;
    await forEachDelimitedRow(userFile, '|', 'latin1', ctx, (f, line) => {
      expectFieldCount(userFile, line, f, USER_FIELDS, '|');
      const id = integerId(userFile, line, 1, f[0], 'user id');
      const age = Number(integerId(userFile, line, 2, f[1], 'age'));
      const gender = movieLensGender(f[2]);
      if (!gender) throw new DatasetError(userFile, line, 3, `expected the gender to be M or F, got ${quoteValue(f[2])}`);
      out.set(id, { age: String(age), ageBucket: movieLensAgeBucket(age), gender, occupation: f[3].trim(), zip: f[4].trim() });
    });
  }

  let items: Map<string, ItemInfo> | undefined;
  if (existsSync(itemFile)) {
    const genres = existsSync(genreFile) ? await readGenres(genreFile, ctx) : [...MOVIELENS_100K_GENRES];
    const names = [...ITEM_LEAD_FIELDS, ...genres.map((g) => `${g} flag`)];
    items = new Map();
    const out = items;
    await forEachDelimitedRow(itemFile, '|', 'latin1', ctx, (f, line) => {
      expectFieldCount(itemFile, line, f, names, '|');
      const id = integerId(itemFile, line, 1, f[0], 'movie id');
      const itemGenres: string[] = [];
      for (let g = 0; g < genres.length; g++) {
        const flag = f[ITEM_LEAD_FIELDS.length + g].trim();
        if (flag !== '0' && flag !== '1') {
          throw new DatasetError(itemFile, line, ITEM_LEAD_FIELDS.length + g + 1, `expected the ${genres[g]} flag to be 0 or 1, got ${quoteValue(flag)}`);
        }
        if (flag === '1') itemGenres.push(genres[g]);
      }
      out.set(id, { title: f[1], genres: itemGenres });
    });
  }

  return {
    name: basename(dir),
    format: 'movielens-100k',
    matrix: builder.build(),
    users,
    items,
    engagements: builder.size,
    skipped: ctx.skipped,
    skippedErrors: ctx.skippedErrors,
    explicit: true,
  };
}

/** `u.genre`: `name|index` lines; returns the names by index. */
async function readGenres(file: string, ctx: LoadContext): Promise<string[]> {
  const names: string[] = [];
  await forEachDelimitedRow(file, '|', 'latin1', ctx, (f, line) => {
    expectFieldCount(file, line, f, ['genre', 'index'], '|');
    names[Number(integerId(file, line, 2, f[1], 'genre index'))] = f[0];
  });
  for (let g = 0; g < names.length; g++) {
    if (names[g] === undefined) throw new DatasetError(file, 1, 2, `expected genre indexes 0..${names.length - 1} without gaps; ${g} is missing`);
  }
  return names;
}
