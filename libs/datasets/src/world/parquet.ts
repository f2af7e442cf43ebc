/**
 * Parquet through DuckDB: rows appended (one packed text line per row) to a staging table of a temporary on-disk
 * database, then split, cast and copied to a zstd-compressed Parquet file; and streaming queries over Parquet
 * files, chunk by chunk.
 */
import { randomBytes } from 'node:crypto';
import { renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBConnection, DuckDBInstance, type DuckDBValue } from '@duckdb/node-api';
import { RecsysError } from '@recsys/domain';

/** Column types of the files (the Parquet logical type is the DuckDB type in upper case). */
export type ColumnKind =
  | 'varchar'
  | 'boolean'
  | 'smallint'
  | 'integer'
  | 'bigint'
  | 'double'
  | 'float'
  | 'varchar[]'
  | 'integer[]'
  | 'double[]'
  | 'float[]';

/** A column of a table written by {@link ParquetStaging.writeTable}: its name, type and how to read it off a row. */
export interface ColumnSpec<T> {
  name: string;
  kind: ColumnKind;
  value: (row: T) => string | number | boolean | readonly string[] | readonly number[];
}

/** Options of {@link ParquetStaging.writeTable}. */
export interface WriteTableOptions {
  /** Called every 65,536 rows and at the end with the rows appended so far. */
  onRows?: (rows: number) => void;
  /**
   * Asked once all rows are appended: an SQL sort key (over the staged columns) to write the rows in, ties kept in
   * append order; undefined keeps the append order.
   */
  orderBy?: () => string | undefined;
}

/** Rows between appender flushes (and progress calls). */
const FLUSH_ROWS = 65_536;

/** Quotes a string as an SQL literal. */
export function sqlString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** Quotes an identifier. */
function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/**
 * Rows are staged as one VARCHAR per row, the columns' texts joined by U+001F (unit separator): one appender call
 * per row instead of one per value, which cut the CPU time of writing 1M events from 3.8 s to 2.5 s. The copy to Parquet
 * splits the line and casts each part (numbers are written as JS prints them, the shortest text that reads back
 * as the same double; lists as JSON, which escapes U+001F).
 */
const SEPARATOR = '\u001f';

function outputExpression(index: number, name: string, kind: ColumnKind): string {
  const part = `s[${index + 1}]`;
  const col = ident(name);
  switch (kind) {
    case 'varchar':
      return `${part} AS ${col}`;
    case 'float':
      return `CAST(CAST(${part} AS DOUBLE) AS FLOAT) AS ${col}`;
    case 'boolean':
    case 'smallint':
    case 'integer':
    case 'bigint':
    case 'double':
      return `CAST(${part} AS ${kind.toUpperCase()}) AS ${col}`;
    default:
      return `CAST(CAST(${part} AS JSON) AS ${kind.toUpperCase()}) AS ${col}`;
  }
}

type Formatter = (value: unknown) => string;

function formatterOf(column: ColumnSpec<unknown>): Formatter {
  switch (column.kind) {
    case 'varchar':
      return (v) => {
        const text = v as string;
        if (text.indexOf(SEPARATOR) >= 0) throw RecsysError.badRequest(column.name, `must not contain the control character U+001F (got ${JSON.stringify(text)})`);
        return text;
      };
    case 'boolean':
      return (v) => (v ? 'true' : 'false');
    case 'smallint':
    case 'integer':
    case 'bigint':
    case 'double':
    case 'float':
      return (v) => String(v);
    default:
      return (v) => JSON.stringify(v);
  }
}

/**
 * A temporary on-disk DuckDB database under `dir` (removed by {@link ParquetStaging.close}) whose tables stage rows
 * before they are copied to Parquet. Memory stays bounded (DuckDB `memory_limit`, spilling to disk) whatever the
 * row count.
 */
export class ParquetStaging {
  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
    private readonly dbFile: string,
  ) {}

  /** Opens a staging database in `dir`; `memoryLimit` is a DuckDB size such as `512MB` (the default). */
  static async open(dir: string, memoryLimit = '512MB'): Promise<ParquetStaging> {
    const dbFile = join(dir, `.staging-${process.pid}-${randomBytes(4).toString('hex')}.duckdb`);
    const instance = await DuckDBInstance.create(dbFile, { memory_limit: memoryLimit, preserve_insertion_order: 'true' });
    const connection = await instance.connect();
    return new ParquetStaging(instance, connection, dbFile);
  }

  /**
   * Appends `rows` to a staging table, then copies them to the Parquet file `file` with `columns` (written as
   * `file.partial` and renamed when complete), in append order (or `orderBy`), zstd-compressed. Returns the rows
   * and file bytes.
   * @throws RecsysError (bad-request) naming the column when a text value contains U+001F (the staging separator).
   */
  async writeTable<T>(
    file: string,
    columns: ReadonlyArray<ColumnSpec<T>>,
    rows: Iterable<T>,
    opts: WriteTableOptions = {},
  ): Promise<{ rows: number; bytes: number }> {
    const { onRows } = opts;
    const table = `stage_${randomBytes(4).toString('hex')}`;
    await this.connection.run(`CREATE TABLE ${table} (line VARCHAR)`);
    const formatters = columns.map((c) => formatterOf(c as ColumnSpec<unknown>));
    const getters = columns.map((c) => c.value);
    const last = columns.length - 1;
    const appender = await this.connection.createAppender(table);
    let count = 0;
    try {
      for (const row of rows) {
        let line = '';
        for (let k = 0; k < last; k++) line += formatters[k](getters[k](row)) + SEPARATOR;
        appender.appendVarchar(line + formatters[last](getters[last](row)));
        appender.endRow();
        if (++count % FLUSH_ROWS === 0) {
          appender.flushSync();
          onRows?.(count);
        }
      }
    } finally {
      appender.closeSync();
    }
    onRows?.(count);
    const partial = `${file}.partial`;
    const select = columns.map((c, k) => outputExpression(k, c.name, c.kind)).join(', ');
    const split = `SELECT string_split(line, chr(31)) AS s, rowid AS staged_row FROM ${table}`;
    const orderBy = opts.orderBy?.();
    const query = orderBy
      ? `SELECT * EXCLUDE (staged_row) FROM (SELECT ${select}, staged_row FROM (${split})) ORDER BY ${orderBy}, staged_row`
      : `SELECT ${select} FROM (${split})`;
    await this.connection.run(`COPY (${query}) TO ${sqlString(partial)} (FORMAT parquet, COMPRESSION zstd)`);
    await this.connection.run(`DROP TABLE ${table}`);
    renameSync(partial, file);
    return { rows: count, bytes: statSync(file).size };
  }

  /** Closes the database and removes its files. */
  close(): void {
    this.connection.closeSync();
    this.instance.closeSync();
    for (const f of [this.dbFile, `${this.dbFile}.wal`, `${this.dbFile}.tmp`]) rmSync(f, { recursive: true, force: true });
  }
}

/**
 * Runs `sql` on a fresh in-memory DuckDB and yields its result chunk by chunk, each as columns of values
 * (VARCHAR → string, INTEGER/SMALLINT/DOUBLE/FLOAT → number, BOOLEAN → boolean; cast BIGINT to DOUBLE in the
 * query to get numbers). Streams: memory is one chunk (2,048 rows) plus DuckDB's buffers. The database closes
 * when the iteration ends, early or not.
 */
export async function* queryChunks(sql: string): AsyncGenerator<{ columns: DuckDBValue[][]; rows: number }> {
  const instance = await DuckDBInstance.create(':memory:', { preserve_insertion_order: 'true' });
  const connection = await instance.connect();
  try {
    const result = await connection.stream(sql);
    for (;;) {
      const chunk = await result.fetchChunk();
      if (!chunk || chunk.rowCount === 0) break;
      yield { columns: chunk.getColumns(), rows: chunk.rowCount };
    }
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/** All rows of `sql` as objects of JS values (small results only: manifests, counts). */
export async function queryAll(sql: string): Promise<Record<string, DuckDBValue>[]> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    const reader = await connection.runAndReadAll(sql);
    return reader.getRowObjects();
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}
