/** Writes a generated world as Parquet tables plus `manifest.json`, and reads the manifest back. */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RecsysError } from '@recsys/domain';
import type { Item, User } from '@recsys/domain';
import type { Board, Creator, Topic, TopicCategory, PinLatent, UserLatent, World } from '@recsys/simulator';
import { ColumnSpec, ParquetStaging } from './parquet';

/** The `format` of a world manifest; bumped on any incompatible change of the files. */
export const WORLD_FORMAT = 'recsys.world/v1';

/** Name of the manifest file in a world folder. */
export const MANIFEST_FILE = 'manifest.json';

/** One file of a world folder. */
export interface WorldFile {
  /** File name, relative to the folder. */
  path: string;
  rows: number;
  bytes: number;
  /** True for simulator ground truth a model must not train on (latent interests, creator quality...). */
  groundTruth: boolean;
}

/** What the event log holds (added to the manifest by `writeEventLog`). */
export interface EventLogInfo {
  count: number;
  /** Time of the first and last event, ms since the epoch (0 for an empty log). */
  firstMs: number;
  lastMs: number;
  /** How the events were made (e.g. the simulator's seed, page size, policy), as given to `writeEventLog`. */
  meta?: Record<string, unknown>;
}

/** `manifest.json` of a world folder. */
export interface WorldManifest {
  format: typeof WORLD_FORMAT;
  /** Seed of the world (also in `options`). */
  seed: number;
  /** The world's options, defaults filled in: `generateWorld(options)` regenerates the identical world. */
  options: World['options'];
  /** The world's time window, ms since the epoch: [startMs, endMs). */
  startMs: number;
  endMs: number;
  /** Length of pin embeddings and topic vectors. */
  embeddingDim: number;
  /** Rows per table: categories, topics, creators, pins, users, boards, and events once written. */
  counts: Record<string, number>;
  /** Files by table name. */
  files: Record<string, WorldFile>;
  /** The event log, once written. */
  events?: EventLogInfo;
}

/** Options of {@link writeWorldFiles}. */
export interface WriteWorldOptions {
  /** Called as rows are written: rows done, rows in total over every table. */
  onProgress?: (done: number, total: number) => void;
}

interface LatentRow {
  userId: string;
  latent: UserLatent;
}

interface PinLatentRow {
  pinId: string;
  latent: PinLatent;
}

interface SegmentRow {
  segment: string;
  prior: number[];
}

const CATEGORY_COLUMNS: ColumnSpec<TopicCategory>[] = [
  { name: 'id', kind: 'varchar', value: (c) => c.id },
  { name: 'name', kind: 'varchar', value: (c) => c.name },
  { name: 'topic_ids', kind: 'varchar[]', value: (c) => c.topicIds },
];

const TOPIC_COLUMNS: ColumnSpec<Topic>[] = [
  { name: 'id', kind: 'varchar', value: (t) => t.id },
  { name: 'name', kind: 'varchar', value: (t) => t.name },
  { name: 'category_id', kind: 'varchar', value: (t) => t.categoryId },
  { name: 'index', kind: 'integer', value: (t) => t.index },
  { name: 'popularity', kind: 'double', value: (t) => t.popularity },
  { name: 'vector', kind: 'float[]', value: (t) => t.vector },
];

const CREATOR_COLUMNS: ColumnSpec<Creator>[] = [
  { name: 'id', kind: 'varchar', value: (c) => c.id },
  { name: 'index', kind: 'integer', value: (c) => c.index },
  { name: 'focus_topic_ids', kind: 'varchar[]', value: (c) => c.focusTopicIds },
  { name: 'size', kind: 'double', value: (c) => c.size },
  { name: 'quality', kind: 'double', value: (c) => c.quality },
  { name: 'created_at_ms', kind: 'bigint', value: (c) => c.createdAtMs },
  { name: 'is_new', kind: 'boolean', value: (c) => c.isNew },
  { name: 'pin_count', kind: 'integer', value: (c) => c.pinCount },
];

const PIN_COLUMNS: ColumnSpec<Item>[] = [
  { name: 'id', kind: 'varchar', value: (p) => p.id },
  { name: 'creator_id', kind: 'varchar', value: (p) => p.creatorId },
  { name: 'topics', kind: 'varchar[]', value: (p) => p.topics },
  { name: 'aspect_ratio', kind: 'float', value: (p) => p.aspectRatio },
  { name: 'created_at_ms', kind: 'bigint', value: (p) => p.createdAtMs },
  { name: 'quality', kind: 'float', value: (p) => p.quality },
  { name: 'embedding', kind: 'float[]', value: (p) => p.embedding },
  { name: 'unsafe', kind: 'boolean', value: (p) => p.unsafe },
];

const USER_COLUMNS: ColumnSpec<User>[] = [
  { name: 'id', kind: 'varchar', value: (u) => u.id },
  { name: 'age_bucket', kind: 'varchar', value: (u) => u.ageBucket },
  { name: 'gender', kind: 'varchar', value: (u) => u.gender },
  { name: 'country', kind: 'varchar', value: (u) => u.country },
  { name: 'signup_at_ms', kind: 'bigint', value: (u) => u.signupAtMs },
];

const LATENT_COLUMNS: ColumnSpec<LatentRow>[] = [
  { name: 'user_id', kind: 'varchar', value: (r) => r.userId },
  { name: 'interests', kind: 'double[]', value: (r) => r.latent.interests },
  { name: 'main_topics', kind: 'integer[]', value: (r) => r.latent.mainTopics },
  { name: 'activity', kind: 'double', value: (r) => r.latent.activity },
  { name: 'drift_target', kind: 'double[]', value: (r) => r.latent.driftTarget },
  { name: 'drift_topics', kind: 'integer[]', value: (r) => r.latent.driftTopics },
  { name: 'themes', kind: 'integer[]', value: (r) => r.latent.themes },
  { name: 'theme_weights', kind: 'double[]', value: (r) => r.latent.themeWeights },
];

const PIN_LATENT_COLUMNS: ColumnSpec<PinLatentRow>[] = [
  { name: 'pin_id', kind: 'varchar', value: (r) => r.pinId },
  { name: 'theme', kind: 'integer', value: (r) => r.latent.theme },
  { name: 'virality', kind: 'double', value: (r) => r.latent.virality },
];

const SEGMENT_COLUMNS: ColumnSpec<SegmentRow>[] = [
  { name: 'segment', kind: 'varchar', value: (r) => r.segment },
  { name: 'prior', kind: 'double[]', value: (r) => r.prior },
];

const BOARD_COLUMNS: ColumnSpec<Board>[] = [
  { name: 'id', kind: 'varchar', value: (b) => b.id },
  { name: 'user_id', kind: 'varchar', value: (b) => b.userId },
  { name: 'name', kind: 'varchar', value: (b) => b.name },
  { name: 'topic_id', kind: 'varchar', value: (b) => b.topicId },
];

interface TableJob {
  name: string;
  groundTruth: boolean;
  columns: ColumnSpec<never>[];
  rows: readonly unknown[];
}

/**
 * Writes `world` into `dir` (created if missing): one Parquet file per table — `categories`, `topics`,
 * `creators`, `pins`, `users`, `boards`, and the ground truth `user_latents`, `pin_latents`,
 * `segment_topic_priors` — then `manifest.json` (written last, so a folder with a manifest is complete).
 * Existing files of the same names are replaced; an event log already in `dir` is kept in the manifest.
 * See docs/data-format.md for every column. Memory: DuckDB's staging buffers (bounded) beyond the world itself.
 */
export async function writeWorldFiles(world: World, dir: string, opts: WriteWorldOptions = {}): Promise<WorldManifest> {
  mkdirSync(dir, { recursive: true });
  const jobs: TableJob[] = [
    { name: 'categories', groundTruth: false, columns: CATEGORY_COLUMNS, rows: world.categories },
    { name: 'topics', groundTruth: false, columns: TOPIC_COLUMNS, rows: world.topics },
    { name: 'creators', groundTruth: true, columns: CREATOR_COLUMNS, rows: world.creators },
    { name: 'pins', groundTruth: false, columns: PIN_COLUMNS, rows: world.pins },
    { name: 'users', groundTruth: false, columns: USER_COLUMNS, rows: world.users },
    { name: 'boards', groundTruth: false, columns: BOARD_COLUMNS, rows: world.boards },
    {
      name: 'user_latents',
      groundTruth: true,
      columns: LATENT_COLUMNS,
      rows: world.userLatents.map((latent, i): LatentRow => ({ userId: world.users[i].id, latent })),
    },
    {
      name: 'pin_latents',
      groundTruth: true,
      columns: PIN_LATENT_COLUMNS,
      rows: world.pinLatents.map((latent, i): PinLatentRow => ({ pinId: world.pins[i].id, latent })),
    },
    {
      name: 'segment_topic_priors',
      groundTruth: true,
      columns: SEGMENT_COLUMNS,
      rows: Object.entries(world.segmentTopicPriors).map(([segment, prior]): SegmentRow => ({ segment, prior })),
    },
  ] as TableJob[];
  const total = jobs.reduce((sum, j) => sum + j.rows.length, 0);
  let before = 0;
  const previous = existsSync(join(dir, MANIFEST_FILE)) ? tryReadManifest(dir) : undefined;
  const manifest: WorldManifest = {
    format: WORLD_FORMAT,
    seed: world.options.seed,
    options: world.options,
    startMs: world.startMs,
    endMs: world.endMs,
    embeddingDim: world.pins[0]?.embedding.length ?? world.topics[0]?.vector.length ?? 0,
    counts: {},
    files: {},
  };
  const staging = await ParquetStaging.open(dir);
  try {
    for (const job of jobs) {
      const path = `${job.name}.parquet`;
      const { rows, bytes } = await staging.writeTable(join(dir, path), job.columns, job.rows as never[], {
        onRows: (n) => opts.onProgress?.(before + n, total),
      });
      before += rows;
      manifest.counts[job.name] = rows;
      manifest.files[job.name] = { path, rows, bytes, groundTruth: job.groundTruth };
    }
  } finally {
    staging.close();
  }
  if (previous?.events && previous.files.events && existsSync(join(dir, previous.files.events.path))) {
    manifest.events = previous.events;
    manifest.files.events = previous.files.events;
    manifest.counts.events = previous.events.count;
  }
  writeManifest(dir, manifest);
  return manifest;
}

/** Writes `manifest.json` atomically (temporary file, then rename). */
export function writeManifest(dir: string, manifest: WorldManifest): void {
  const tmp = join(dir, `${MANIFEST_FILE}.partial`);
  writeFileSync(tmp, `${JSON.stringify(manifest, null, 2)}\n`);
  renameSync(tmp, join(dir, MANIFEST_FILE));
}

/**
 * Reads and checks `dir/manifest.json`.
 * @throws RecsysError not-found when there is none, bad-request when it is not a `recsys.world/v1` manifest.
 */
export function readWorldManifest(dir: string): WorldManifest {
  const file = join(dir, MANIFEST_FILE);
  if (!existsSync(file)) throw new RecsysError('not-found', `${dir}: no ${MANIFEST_FILE} (not a world folder written by writeWorldFiles)`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new RecsysError('bad-request', `${file}: not valid JSON (${(error as Error).message})`);
  }
  const manifest = parsed as Partial<WorldManifest>;
  if (manifest?.format !== WORLD_FORMAT) {
    throw new RecsysError('bad-request', `${file}: expected format ${JSON.stringify(WORLD_FORMAT)}, got ${JSON.stringify(manifest?.format)}`);
  }
  if (typeof manifest.files !== 'object' || manifest.files === null || typeof manifest.counts !== 'object' || manifest.counts === null) {
    throw new RecsysError('bad-request', `${file}: expected "files" and "counts" objects`);
  }
  return manifest as WorldManifest;
}

function tryReadManifest(dir: string): WorldManifest | undefined {
  try {
    return readWorldManifest(dir);
  } catch {
    return undefined;
  }
}
