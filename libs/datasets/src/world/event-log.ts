/** The event log: engagement events streamed into `events.parquet` with bounded memory, and read back in order. */
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { EVENT_TYPES, RecsysError } from '@recsys/domain';
import type { EngagementEvent, EventType } from '@recsys/domain';
import { ColumnSpec, ParquetStaging, queryChunks, sqlString } from './parquet';
import { MANIFEST_FILE, readWorldManifest, writeManifest } from './world-files';

/** File name of the event log in a world folder. */
export const EVENTS_FILE = 'events.parquet';

/** Columns of `events.parquet`, one per field of `EngagementEvent` (see docs/data-format.md). */
const EVENT_COLUMNS: ColumnSpec<EngagementEvent>[] = [
  { name: 'event_id', kind: 'varchar', value: (e) => e.eventId },
  { name: 'user_id', kind: 'varchar', value: (e) => e.userId },
  { name: 'item_id', kind: 'varchar', value: (e) => e.itemId },
  { name: 'type', kind: 'varchar', value: (e) => e.type },
  { name: 'timestamp_ms', kind: 'bigint', value: (e) => e.timestampMs },
  { name: 'dwell_ms', kind: 'integer', value: (e) => e.dwellMs },
  { name: 'request_id', kind: 'varchar', value: (e) => e.requestId },
  { name: 'position', kind: 'integer', value: (e) => e.position },
  { name: 'surface', kind: 'varchar', value: (e) => e.surface },
  { name: 'board_id', kind: 'varchar', value: (e) => e.boardId },
];

/** Options of {@link writeEventLog}. */
export interface WriteEventLogOptions {
  /** Expected number of events (for progress; not enforced). */
  total?: number;
  /** Called every 65,536 events and at the end with the number written so far. */
  onProgress?: (events: number) => void;
  /** How the events were made (seed, policy, page size...), recorded in the manifest's `events.meta`. */
  meta?: Record<string, unknown>;
  /** DuckDB memory limit of the staging database (default `512MB`). */
  memoryLimit?: string;
}

/**
 * Streams `events` into `dir/events.parquet` (zstd, row groups of 122,880 rows): the events are appended to a
 * table of a temporary on-disk DuckDB database in `dir` (flushed every 65,536 rows, spilled under a 512 MB
 * memory limit), copied to Parquet and the database removed. Memory stays bounded whatever the count: the
 * iterable is consumed once, lazily. Rows are in time order: the input order when it is already non-decreasing in
 * `timestampMs` (as `simulateEvents` yields), else sorted by time with ties in input order. When `dir` holds a
 * world manifest, it is updated with the log's file, count and time span.
 */
export async function writeEventLog(
  events: Iterable<EngagementEvent>,
  dir: string,
  opts: WriteEventLogOptions = {},
): Promise<{ events: number; bytes: number }> {
  mkdirSync(dir, { recursive: true });
  const stats = { count: 0, firstMs: 0, lastMs: 0, sorted: true };
  function* tracked(): Generator<EngagementEvent> {
    for (const e of events) {
      if (stats.count === 0) stats.firstMs = e.timestampMs;
      else if (e.timestampMs < stats.lastMs) stats.sorted = false;
      stats.lastMs = stats.count === 0 || e.timestampMs > stats.lastMs ? e.timestampMs : stats.lastMs;
      stats.firstMs = Math.min(stats.firstMs, e.timestampMs);
      stats.count++;
      yield e;
    }
  }
  const staging = await ParquetStaging.open(dir, opts.memoryLimit);
  let result: { rows: number; bytes: number };
  try {
    result = await staging.writeTable(join(dir, EVENTS_FILE), EVENT_COLUMNS, tracked(), {
      onRows: opts.onProgress,
      orderBy: () => (stats.sorted ? undefined : '"timestamp_ms"'),
    });
  } finally {
    staging.close();
  }
  if (existsSync(join(dir, MANIFEST_FILE))) {
    const manifest = readWorldManifest(dir);
    manifest.files.events = { path: EVENTS_FILE, rows: result.rows, bytes: result.bytes, groundTruth: false };
    manifest.counts.events = result.rows;
    manifest.events = { count: result.rows, firstMs: stats.firstMs, lastMs: stats.lastMs, ...(opts.meta ? { meta: opts.meta } : {}) };
    writeManifest(dir, manifest);
  }
  return { events: result.rows, bytes: result.bytes };
}

/** Options of {@link readEvents}. */
export interface ReadEventsOptions {
  /** Only these event types. */
  types?: readonly EventType[];
  /**
   * An SQL boolean expression over the columns of events.parquet (DuckDB syntax), e.g.
   * `user_id = 'user_00042' AND timestamp_ms >= 1767312000000`. Trusted input: it is pasted into the query.
   */
  where?: string;
}

/** The events file of `path`: the folder's `events.parquet`, or `path` itself when it is a `.parquet` file. */
export function eventsFileOf(path: string): string {
  const file = existsSync(path) && statSync(path).isFile() ? path : join(path, EVENTS_FILE);
  if (!existsSync(file)) throw new RecsysError('not-found', `${file}: no event log (write one with writeEventLog)`);
  return file;
}

/** The WHERE clause of {@link ReadEventsOptions}, or ''. */
export function eventFilter(opts: ReadEventsOptions): string {
  const parts: string[] = [];
  if (opts.types) {
    for (const t of opts.types) {
      if (!EVENT_TYPES.includes(t)) throw RecsysError.badRequest('types', `unknown event type ${JSON.stringify(t)}`);
    }
    parts.push(opts.types.length === 0 ? 'false' : `"type" IN (${opts.types.map(sqlString).join(', ')})`);
  }
  if (opts.where) parts.push(`(${opts.where})`);
  return parts.length > 0 ? ` WHERE ${parts.join(' AND ')}` : '';
}

/**
 * Reads the event log of a world folder (or an events.parquet file) back as `EngagementEvent`s, in file order,
 * which is time order (see {@link writeEventLog}); filters keep that order. Streams chunk by chunk (2,048 rows):
 * bounded memory. Break out of the loop to stop early; the reader closes either way.
 */
export async function* readEvents(path: string, opts: ReadEventsOptions = {}): AsyncGenerator<EngagementEvent> {
  const file = eventsFileOf(path);
  const sql =
    'SELECT event_id, user_id, item_id, "type", CAST(timestamp_ms AS DOUBLE), dwell_ms, request_id, "position", surface, board_id ' +
    `FROM read_parquet(${sqlString(file)})${eventFilter(opts)}`;
  for await (const { columns: c, rows } of queryChunks(sql)) {
    for (let i = 0; i < rows; i++) {
      yield {
        eventId: c[0][i] as string,
        userId: c[1][i] as string,
        itemId: c[2][i] as string,
        type: c[3][i] as EventType,
        timestampMs: c[4][i] as number,
        dwellMs: c[5][i] as number,
        requestId: c[6][i] as string,
        position: c[7][i] as number,
        surface: c[8][i] as string,
        boardId: c[9][i] as string,
      };
    }
  }
}
