/** RFC 4180 CSV records from lines: quoted fields with `""` escapes, commas and line breaks inside quotes. */
import { DatasetError } from '../errors';

/** A quoted field may span at most this many lines; past it the quote is taken as unterminated. */
const MAX_RECORD_LINES = 1000;

/**
 * Splits lines into CSV records (RFC 4180). Fields are separated by `,`; a field that starts with `"` is quoted:
 * it ends at the next lone `"`, `""` inside it is one `"`, and it may contain commas and line breaks (the record
 * then continues on the next line, joined with `\n`). A `"` inside an unquoted field is kept as is (lenient).
 * Errors name the line the record starts on and the field number.
 */
export class CsvRecordReader {
  private fields: string[] = [];
  private field = '';
  private open = false;
  private startLine = 0;
  private spanned = 0;

  /** @param file the file the lines come from, for error messages. */
  constructor(private readonly file: string) {}

  /** The line the record being read (or last returned) starts on. */
  get recordLine(): number {
    return this.startLine;
  }

  /**
   * Feeds line `lineNo`; returns the fields of the record it completes, or `undefined` when a quoted field
   * continues on the next line.
   * @throws DatasetError when a closing quote is followed by something other than `,` or the end of the line.
   */
  push(line: string, lineNo: number): string[] | undefined {
    let i = 0;
    if (this.open) {
      this.field += '\n';
      if (++this.spanned > MAX_RECORD_LINES) this.unterminated();
    } else {
      if (line.indexOf('"') < 0) {
        this.startLine = lineNo;
        return line.split(',');
      }
      this.fields = [];
      this.field = '';
      this.startLine = lineNo;
      this.spanned = 0;
    }
    const n = line.length;
    for (;;) {
      if (this.open) {
        const q = line.indexOf('"', i);
        if (q < 0) {
          this.field += line.slice(i);
          return undefined;
        }
        this.field += line.slice(i, q);
        if (line.charCodeAt(q + 1) === 34) {
          this.field += '"';
          i = q + 2;
          continue;
        }
        this.open = false;
        i = q + 1;
        if (i === n) return this.finishRecord();
        if (line.charCodeAt(i) !== 44) {
          const column = this.fields.length + 1;
          this.reset();
          throw new DatasetError(
            this.file,
            this.startLine,
            column,
            `expected "," or the end of the line after the closing quote of a field, got ${JSON.stringify(line[i])}`,
          );
        }
        this.fields.push(this.field);
        this.field = '';
        i++;
        if (i === n) {
          this.fields.push('');
          return this.finishRecord(false);
        }
        continue;
      }
      // At the start of a field.
      if (line.charCodeAt(i) === 34) {
        this.open = true;
        i++;
        continue;
      }
      const comma = line.indexOf(',', i);
      if (comma < 0) {
        this.fields.push(line.slice(i));
        return this.finishRecord(false);
      }
      this.fields.push(line.slice(i, comma));
      i = comma + 1;
      if (i === n) {
        this.fields.push('');
        return this.finishRecord(false);
      }
    }
  }

  /**
   * Called after the last line.
   * @throws DatasetError when a quoted field is still open (an unterminated quote).
   */
  end(): void {
    if (this.open) this.unterminated();
  }

  /** Drops a partly read record (after an error, to go on with the next line). */
  reset(): void {
    this.open = false;
    this.fields = [];
    this.field = '';
  }

  private finishRecord(pushField = true): string[] {
    if (pushField) this.fields.push(this.field);
    const out = this.fields;
    this.fields = [];
    this.field = '';
    return out;
  }

  private unterminated(): never {
    const column = this.fields.length + 1;
    this.reset();
    throw new DatasetError(this.file, this.startLine, column, 'expected a closing quote for the quoted field that starts here');
  }
}
