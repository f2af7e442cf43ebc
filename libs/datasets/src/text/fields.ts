/** Field checks shared by the text loaders: each throws a DatasetError saying what was expected where. */
import { DatasetError, quoteValue } from '../errors';
import type { LoadDatasetOptions } from '../dataset';

/** How many skipped rows' errors a load keeps for its report. */
const KEPT_ERRORS = 10;

/**
 * Skip-or-throw policy and progress of one load: loaders catch each row's error and hand it to
 * {@link LoadContext.malformed}.
 */
export class LoadContext {
  skipped = 0;
  readonly skippedErrors: DatasetError[] = [];
  private done = 0;

  constructor(
    private readonly opts: LoadDatasetOptions,
    private readonly totalBytes: number,
  ) {}

  /** Counts `bytes` read and reports progress. */
  readonly onBytes = (bytes: number): void => {
    this.done += bytes;
    this.opts.onProgress?.(Math.min(this.done, this.totalBytes), this.totalBytes);
  };

  /** Rethrows `error` unless it is a DatasetError and malformed rows are skipped; then counts it. */
  malformed(error: unknown): void {
    if (!(error instanceof DatasetError) || !this.opts.skipMalformed) throw error;
    this.skipped++;
    if (this.skippedErrors.length < KEPT_ERRORS) this.skippedErrors.push(error);
  }
}

/** True for an empty or all-blank line (skipped by every loader). */
export function isBlank(line: string): boolean {
  return line.length === 0 || line.trim().length === 0;
}

/**
 * Checks that a row has exactly `names.length` fields. The column of the error is the first missing field or
 * the first extra one.
 */
export function expectFieldCount(file: string, line: number, fields: readonly string[], names: readonly string[], separator: string): void {
  if (fields.length === names.length) return;
  const column = fields.length < names.length ? fields.length + 1 : names.length + 1;
  throw new DatasetError(
    file,
    line,
    column,
    `expected ${names.length} ${JSON.stringify(separator)}-separated fields (${names.join(', ')}), got ${fields.length}`,
  );
}

/** A MovieLens id: a non-negative integer written in digits. */
export function integerId(file: string, line: number, column: number, value: string, what: string): string {
  const v = value.trim();
  if (!/^\d+$/.test(v)) throw new DatasetError(file, line, column, `expected the ${what} to be an integer id, got ${quoteValue(value)}`);
  return v;
}

/** A non-empty id (surrounding blanks removed). */
export function nonEmptyId(file: string, line: number, column: number, value: string, what: string): string {
  const v = value.trim();
  if (v.length === 0) throw new DatasetError(file, line, column, `expected a non-empty ${what}`);
  return v;
}

/** A finite decimal number. */
export function finiteNumber(file: string, line: number, column: number, value: string, what: string): number {
  const v = value.trim();
  const n = v.length === 0 ? NaN : Number(v);
  if (!Number.isFinite(n)) throw new DatasetError(file, line, column, `expected the ${what} to be a number, got ${quoteValue(value)}`);
  return n;
}

/** A Unix time in whole seconds (MovieLens), returned in ms. */
export function unixSeconds(file: string, line: number, column: number, value: string, what = 'timestamp'): number {
  const v = value.trim();
  if (!/^\d+$/.test(v)) {
    throw new DatasetError(file, line, column, `expected the ${what} to be whole seconds since 1970, got ${quoteValue(value)}`);
  }
  return Number(v) * 1000;
}

/** A header row must name exactly these columns (case-insensitive, blanks ignored). */
export function expectHeader(file: string, fields: readonly string[], names: readonly string[]): void {
  for (let k = 0; k < names.length; k++) {
    const got = fields[k]?.trim();
    if (got === undefined || got.toLowerCase() !== names[k].toLowerCase()) {
      throw new DatasetError(
        file,
        1,
        k + 1,
        `expected the header ${names.join(',')}; column ${k + 1} should be ${JSON.stringify(names[k])}, got ${got === undefined ? 'nothing' : quoteValue(got)}`,
      );
    }
  }
  if (fields.length > names.length) {
    throw new DatasetError(file, 1, names.length + 1, `expected the header ${names.join(',')}, got ${fields.length} columns`);
  }
}
