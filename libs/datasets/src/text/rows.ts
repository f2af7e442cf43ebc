/** Row loops over delimited and CSV files: blank lines skipped, each row's error thrown or counted. */
import { CsvRecordReader } from './csv';
import { LoadContext, isBlank } from './fields';
import { readLineBatches, TextEncoding } from './lines';

/** Handles one row: its fields and 1-based line number. Throws a DatasetError for a malformed row. */
export type RowHandler = (fields: string[], line: number) => void;

/**
 * Calls `row` for each non-blank line of `file` split on `separator` (no quoting: MovieLens `u.*` and `.dat`
 * files). A row's DatasetError is thrown or skipped and counted by `ctx`.
 */
export async function forEachDelimitedRow(
  file: string,
  separator: string,
  encoding: TextEncoding,
  ctx: LoadContext,
  row: RowHandler,
): Promise<void> {
  let lineNo = 0;
  for await (const batch of readLineBatches(file, { encoding, onBytes: ctx.onBytes })) {
    for (const line of batch) {
      lineNo++;
      if (isBlank(line)) continue;
      try {
        row(line.split(separator), lineNo);
      } catch (error) {
        ctx.malformed(error);
      }
    }
  }
}

/**
 * Calls `header` with the first record of a UTF-8 CSV file (RFC 4180 quoting; its errors always throw), then
 * `row` for each later non-blank record with the line it starts on.
 */
export async function forEachCsvRecord(
  file: string,
  ctx: LoadContext,
  header: (fields: string[]) => void,
  row: RowHandler,
): Promise<void> {
  const reader = new CsvRecordReader(file);
  let lineNo = 0;
  let sawHeader = false;
  for await (const batch of readLineBatches(file, { encoding: 'utf8', onBytes: ctx.onBytes })) {
    for (const line of batch) {
      lineNo++;
      if (!sawHeader) {
        if (isBlank(line)) continue;
        const fields = reader.push(line, lineNo);
        if (fields === undefined) continue;
        header(fields);
        sawHeader = true;
        continue;
      }
      try {
        const fields = reader.push(line, lineNo);
        if (fields === undefined || (fields.length === 1 && isBlank(fields[0]))) continue;
        row(fields, reader.recordLine);
      } catch (error) {
        ctx.malformed(error);
      }
    }
  }
  try {
    reader.end();
  } catch (error) {
    ctx.malformed(error);
  }
  if (!sawHeader) header([]);
}
