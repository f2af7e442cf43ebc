/** The error of a malformed dataset row: which file, line and field, and what was expected there. */
import { basename } from 'node:path';
import { RecsysError } from '@recsys/domain';

/**
 * A malformed row (or header, or file) of a dataset. A bad-request {@link RecsysError} whose message starts with
 * `<file name>:<line>:<column>: ` and says what was expected, e.g.
 * `ratings.csv:17:3: expected the rating to be a number, got "five"`.
 */
export class DatasetError extends RecsysError {
  /** Path of the file, as the loader opened it. The message names only its base name. */
  readonly file: string;
  /** 1-based line number (of the line a multi-line CSV record starts on). */
  readonly line: number;
  /** 1-based field number within the row (the separator-delimited column), 1 when the whole row is at fault. */
  readonly column: number;
  /** What was expected, without the location prefix. */
  readonly detail: string;

  constructor(file: string, line: number, column: number, detail: string) {
    super('bad-request', `${basename(file)}:${line}:${column}: ${detail}`, { field: basename(file) });
    this.name = 'DatasetError';
    this.file = file;
    this.line = line;
    this.column = column;
    this.detail = detail;
  }
}

/** Quotes a field value for an error message, shortened to 40 characters. */
export function quoteValue(value: string): string {
  const short = value.length > 40 ? `${value.slice(0, 37)}...` : value;
  return JSON.stringify(short);
}
