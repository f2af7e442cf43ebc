/** MovieLens demographic codes: age groups, occupations, genders, the 100k genre list; and the segment key. */
import type { Demographics } from '../dataset';

/**
 * MovieLens age groups, named as in the 1M README (`users.dat` stores the first number of each): under 18, 18-24,
 * 25-34, 35-44, 45-49, 50-55, 56+. 100k's exact ages are put into the same groups.
 */
export const MOVIELENS_AGE_GROUPS: ReadonlyArray<readonly [code: number, bucket: string]> = [
  [1, 'under-18'],
  [18, '18-24'],
  [25, '25-34'],
  [35, '35-44'],
  [45, '45-49'],
  [50, '50-55'],
  [56, '56+'],
];

/** The MovieLens age group of an exact age in years. */
export function movieLensAgeBucket(age: number): string {
  let bucket = MOVIELENS_AGE_GROUPS[0][1];
  for (const [from, name] of MOVIELENS_AGE_GROUPS) if (age >= from) bucket = name;
  return bucket;
}

/** The age group of a 1M `users.dat` age code, or undefined for an unknown code. */
export function movieLensAgeCode(code: number): string | undefined {
  return MOVIELENS_AGE_GROUPS.find(([c]) => c === code)?.[1];
}

/** MovieLens 1M occupation codes 0..20 (from its README). */
export const MOVIELENS_1M_OCCUPATIONS: readonly string[] = [
  'other',
  'academic/educator',
  'artist',
  'clerical/admin',
  'college/grad student',
  'customer service',
  'doctor/health care',
  'executive/managerial',
  'farmer',
  'homemaker',
  'K-12 student',
  'lawyer',
  'programmer',
  'retired',
  'sales/marketing',
  'scientist',
  'self-employed',
  'technician/engineer',
  'tradesman/craftsman',
  'unemployed',
  'writer',
];

/** MovieLens `M`/`F` as the domain's gender names, or undefined for another value. */
export function movieLensGender(code: string): string | undefined {
  const c = code.trim().toUpperCase();
  return c === 'M' ? 'male' : c === 'F' ? 'female' : undefined;
}

/** The 19 genres of MovieLens 100k, in the order of `u.item`'s flag columns (used when `u.genre` is absent). */
export const MOVIELENS_100K_GENRES: readonly string[] = [
  'unknown',
  'Action',
  'Adventure',
  'Animation',
  "Children's",
  'Comedy',
  'Crime',
  'Documentary',
  'Drama',
  'Fantasy',
  'Film-Noir',
  'Horror',
  'Musical',
  'Mystery',
  'Romance',
  'Sci-Fi',
  'Thriller',
  'War',
  'Western',
];

/**
 * The demographic segment of a user for per-segment baselines: `${ageBucket}|${gender}` with `unknown` for a
 * missing part, e.g. `25-34|female`. The same key as the simulator's `demographicSegment` for world users;
 * MovieLens users get their MovieLens age group, e.g. `18-24|male`. Users without demographics are `unknown|unknown`.
 */
export function demographicSegmentOf(demographics: Demographics | undefined): string {
  return `${demographics?.ageBucket || 'unknown'}|${demographics?.gender || 'unknown'}`;
}
