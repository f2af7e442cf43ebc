/** A generic interactions CSV: `user,item[,weight][,timestamp]` with a header, one row per interaction. */
import { existsSync, statSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { InteractionMatrixBuilder } from '@recsys/algorithms';
import { RecsysError } from '@recsys/domain';
import type { LoadDatasetOptions, LoadedDataset } from '../dataset';
import { DatasetError, quoteValue } from '../errors';
import { LoadContext, finiteNumber, nonEmptyId } from '../text/fields';
import { forEachCsvRecord } from '../text/rows';

/** Columns of an interactions CSV; `user` and `item` are required, in any order. */
export const INTERACTION_COLUMNS = ['user', 'item', 'weight', 'timestamp'] as const;

/**
 * Numeric timestamps below this are seconds since 1970, at or above it milliseconds: 1e11 s is the year 5138 and
 * 1e11 ms is 1973-03-03, so any real time of either unit is read right except milliseconds before March 1973.
 */
export const SECONDS_LIMIT = 1e11;

/**
 * Loads an interactions CSV (`path` is the file, or a folder holding `interactions.csv`). UTF-8, RFC 4180 quoting.
 * The header names the columns, in any order: `user` and `item` (required, non-empty ids), `weight` (a number;
 * absent or empty → 1) and `timestamp` (absent or empty → 0; a number below {@link SECONDS_LIMIT} is seconds,
 * otherwise ms; or an ISO 8601 date-time such as `2024-05-01T12:00:00Z`). Unknown columns are an error.
 * Duplicate (user, item) rows are summed (weights are implicit confidences; the time kept is the latest).
 */
export async function loadInteractionsCsv(path: string, opts: LoadDatasetOptions): Promise<LoadedDataset> {
  const file = existsSync(path) && statSync(path).isDirectory() ? join(path, 'interactions.csv') : path;
  if (!existsSync(file)) throw new RecsysError('not-found', `${file}: no such interactions CSV file`);
  const ctx = new LoadContext(opts, statSync(file).size);
  const builder = new InteractionMatrixBuilder('sum');
  let col = { user: -1, item: -1, weight: -1, timestamp: -1 };
  let width = 0;

  await forEachCsvRecord(
    file,
    ctx,
    (header) => {
      col = readHeader(file, header);
      width = header.length;
    },
    (f, line) => {
      if (f.length !== width) {
        throw new DatasetError(file, line, Math.min(f.length, width) + 1, `expected ${width} comma-separated fields as in the header, got ${f.length}`);
      }
      const user = nonEmptyId(file, line, col.user + 1, f[col.user], 'user id');
      const item = nonEmptyId(file, line, col.item + 1, f[col.item], 'item id');
      const weight = col.weight < 0 || f[col.weight].trim() === '' ? 1 : finiteNumber(file, line, col.weight + 1, f[col.weight], 'weight');
      const time = col.timestamp < 0 ? 0 : parseTimestamp(file, line, col.timestamp + 1, f[col.timestamp]);
      builder.add(user, item, weight, time);
    },
  );

  return {
    name: basename(file, extname(file)),
    format: 'interactions-csv',
    matrix: builder.build(),
    engagements: builder.size,
    skipped: ctx.skipped,
    skippedErrors: ctx.skippedErrors,
    explicit: false,
  };
}

function readHeader(file: string, header: readonly string[]): { user: number; item: number; weight: number; timestamp: number } {
  const col = { user: -1, item: -1, weight: -1, timestamp: -1 };
  header.forEach((raw, k) => {
    const name = raw.trim().toLowerCase() as keyof typeof col;
    if (!(INTERACTION_COLUMNS as readonly string[]).includes(name)) {
      throw new DatasetError(file, 1, k + 1, `expected a header of the columns user, item, weight, timestamp; got ${quoteValue(raw)}`);
    }
    if (col[name] >= 0) throw new DatasetError(file, 1, k + 1, `expected each header column once; ${JSON.stringify(name)} repeats`);
    col[name] = k;
  });
  if (col.user < 0 || col.item < 0) {
    throw new DatasetError(file, 1, header.length + 1, `expected the header to name the columns user and item (weight and timestamp are optional)`);
  }
  return col;
}

/** See {@link loadInteractionsCsv}: empty → 0, a number → seconds or ms by {@link SECONDS_LIMIT}, or ISO 8601. */
export function parseTimestamp(file: string, line: number, column: number, value: string): number {
  const v = value.trim();
  if (v.length === 0) return 0;
  const n = Number(v);
  if (Number.isFinite(n)) return Math.abs(n) < SECONDS_LIMIT ? Math.round(n * 1000) : Math.round(n);
  if (/^\d{4}-\d{2}-\d{2}/.test(v)) {
    const ms = Date.parse(v);
    if (Number.isFinite(ms)) return ms;
  }
  throw new DatasetError(file, line, column, `expected the timestamp to be seconds or ms since 1970 or an ISO 8601 date-time, got ${quoteValue(value)}`);
}
