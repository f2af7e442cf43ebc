/** A world folder as a dataset: positive engagement events into an implicit-weight matrix, users' demographics. */
import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { InteractionMatrixBuilder } from '@recsys/algorithms';
import type { Demographics, ItemInfo, LoadDatasetOptions, LoadedDataset } from '../dataset';
import { eventsFileOf } from './event-log';
import { queryAll, queryChunks, sqlString } from './parquet';

/**
 * Implicit weight of each event type in a world dataset: a click 1, a save 3, a share 3 (summed per user and
 * item). Impressions, hides and dwell events are left out: an impression is not a preference, a hide is a
 * negative, and dwell only qualifies the click it follows.
 */
export const WORLD_IMPLICIT_WEIGHTS: Readonly<Record<'click' | 'save' | 'share', number>> = Object.freeze({ click: 1, save: 3, share: 3 });

/**
 * Loads a world folder (`events.parquet`, and when present `users.parquet` and `pins.parquet`) as a dataset.
 * The matrix holds one entry per (user, item) with at least one click, save or share: the sum of
 * {@link WORLD_IMPLICIT_WEIGHTS} over its events and the time of the latest; users and items numbered in order of
 * their first such event. `users`: every user's `ageBucket`, `gender`, `country`, `signupAtMs`; `items`: the
 * topics (as `genres`) of the items in the matrix. Progress counts positive event rows.
 */
export async function loadWorldDataset(dir: string, opts: LoadDatasetOptions): Promise<LoadedDataset> {
  const events = sqlString(eventsFileOf(dir));
  const weights = WORLD_IMPLICIT_WEIGHTS;
  const types = Object.keys(weights).map(sqlString).join(', ');
  const [{ n }] = await queryAll(`SELECT CAST(count(*) AS DOUBLE) AS n FROM read_parquet(${events}) WHERE "type" IN (${types})`);
  const total = n as number;
  const builder = new InteractionMatrixBuilder('sum');
  let done = 0;
  const sql =
    `SELECT user_id, item_id, CASE "type" WHEN 'click' THEN ${weights.click} WHEN 'save' THEN ${weights.save} ELSE ${weights.share} END, ` +
    `CAST(timestamp_ms AS DOUBLE) FROM read_parquet(${events}) WHERE "type" IN (${types})`;
  for await (const { columns: c, rows } of queryChunks(sql)) {
    for (let i = 0; i < rows; i++) builder.add(c[0][i] as string, c[1][i] as string, c[2][i] as number, c[3][i] as number);
    done += rows;
    opts.onProgress?.(done, total);
  }
  const matrix = builder.build();
  const [{ e }] = await queryAll(
    `SELECT CAST(count(*) AS DOUBLE) AS e FROM (SELECT DISTINCT user_id, item_id, request_id FROM read_parquet(${events}) WHERE "type" IN (${types}))`,
  );

  let users: Map<string, Demographics> | undefined;
  const usersFile = join(dir, 'users.parquet');
  if (existsSync(usersFile)) {
    users = new Map();
    const q = `SELECT id, age_bucket, gender, country, CAST(signup_at_ms AS DOUBLE) FROM read_parquet(${sqlString(usersFile)})`;
    for await (const { columns: c, rows } of queryChunks(q)) {
      for (let i = 0; i < rows; i++) {
        users.set(c[0][i] as string, {
          ageBucket: c[1][i] as string,
          gender: c[2][i] as string,
          country: c[3][i] as string,
          signupAtMs: String(c[4][i]),
        });
      }
    }
  }

  let items: Map<string, ItemInfo> | undefined;
  const pinsFile = join(dir, 'pins.parquet');
  if (existsSync(pinsFile)) {
    items = new Map();
    const q = `SELECT id, array_to_string(topics, ' ') FROM read_parquet(${sqlString(pinsFile)})`;
    for await (const { columns: c, rows } of queryChunks(q)) {
      for (let i = 0; i < rows; i++) {
        const id = c[0][i] as string;
        if (matrix.itemIndex.has(id)) items.set(id, { genres: (c[1][i] as string).split(' ').filter((t) => t.length > 0) });
      }
    }
  }

  return { name: basename(dir), format: 'world', matrix, users, items, engagements: e as number, skipped: 0, skippedErrors: [], explicit: false };
}
