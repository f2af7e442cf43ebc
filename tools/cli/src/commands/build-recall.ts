/** `recsys build-recall`: builds the recall artifacts (item-CF, user-CF, ALS) from a dataset and publishes them. */
import { parseArgs } from 'node:util';
import {
  InteractionMatrixBuilder,
  RECALL_BUILD_DEFAULTS,
  RECALL_MODELS,
  RECALL_MODEL_KINDS,
  SIMILARITY_KINDS,
  buildRecallArtifacts,
  buildRecallArtifactsOnWorkers,
  encodeRecallArtifact,
  nextRecallVersion,
  nnz,
  type InteractionMatrix,
  type RecallArtifacts,
  type RecallBuildOptions,
  type RecallModelKind,
  type SimilarityKind,
} from '@recsys/algorithms';
import { DATASET_FORMATS, WORLD_IMPLICIT_WEIGHTS, loadDataset, type DatasetFormat } from '@recsys/datasets';
import type { EngagementEvent } from '@recsys/domain';
import { LocalModelStore } from '@recsys/stores';
import { startAlsThreads, threadsUsage, type AlsThreadOptions } from '../als-threads';
import { intArg } from '../args';
import { progressBar, type Progress } from '../progress';

/** Usage text of the command. */
export const BUILD_RECALL_USAGE = `recsys build-recall — build the recall models and publish them to a model store

Usage: npx recsys build-recall --data PATH --format FORMAT [--out DIR] [options]

  --data PATH           dataset file or folder
  --format FORMAT       ${DATASET_FORMATS.join(' | ')}
  --out DIR             model store directory the recall service reads (default .data/models,
                        the service's default RECALL_MODEL_DIR for RECSYS_DATA_DIR=.data)
  --similarity KIND     ${SIMILARITY_KINDS.join(' | ')} for both neighbour tables (default ${RECALL_BUILD_DEFAULTS.similarity})
  --item-k N            neighbours per item (default ${RECALL_BUILD_DEFAULTS.itemK})
  --user-k N            neighbours per user (default ${RECALL_BUILD_DEFAULTS.userK})
  --factors N           ALS factors (default ${RECALL_BUILD_DEFAULTS.factors})
  --iterations N        ALS sweeps (default ${RECALL_BUILD_DEFAULTS.iterations})
  --threads N           ${threadsUsage(24)}
  --skip-malformed      skip malformed dataset rows instead of stopping at the first

Loads the dataset into one user × item matrix (implicit weights; ratings are used as weights), builds the
item-CF table, the user-CF table with the matrix rows and ALS factors, and publishes them as recall/itemcf,
recall/usercf and recall/als under one version v<yyyymmddHHMMSS>-<n> (UTC). A running recall service picks
them up without a restart.`;

/** Options of {@link buildRecallCommand}. */
export interface BuildRecallCommandOptions extends RecallBuildOptions, AlsThreadOptions {
  data: string;
  format: DatasetFormat;
  /** Model store directory. */
  out: string;
  skipMalformed?: boolean;
  /** Show progress bars (default true). */
  progress?: boolean;
  /** Where summary lines go (default console.log). */
  print?: (line: string) => void;
}

/** What a build published. */
export interface RecallBuildSummary {
  version: string;
  /** Published model names, by kind. */
  models: Record<RecallModelKind, string>;
  users: number;
  items: number;
  interactions: number;
  /** Seconds per phase: `load` (when a dataset was read), `itemcf`, `usercf`, `als`, `publish`. */
  seconds: Record<string, number>;
  /** Threads ALS was trained on. */
  alsThreads: number;
  /** Bytes of each published artifact (all its files). */
  bytes: Record<RecallModelKind, number>;
}

/** Parses the command's arguments (after `build-recall`); throws an Error naming a bad or missing option. */
export function parseBuildRecallArgs(args: string[]): BuildRecallCommandOptions {
  const { values } = parseArgs({
    args,
    options: {
      data: { type: 'string' },
      format: { type: 'string' },
      out: { type: 'string', default: '.data/models' },
      similarity: { type: 'string' },
      'item-k': { type: 'string' },
      'user-k': { type: 'string' },
      factors: { type: 'string' },
      iterations: { type: 'string' },
      threads: { type: 'string' },
      'skip-malformed': { type: 'boolean', default: false },
    },
  });
  if (!values.data) throw new Error('--data is required');
  if (!values.format || !(DATASET_FORMATS as readonly string[]).includes(values.format)) {
    throw new Error(`--format must be one of ${DATASET_FORMATS.join(', ')} (got ${values.format === undefined ? 'nothing' : `"${values.format}"`})`);
  }
  if (values.similarity !== undefined && !(SIMILARITY_KINDS as readonly string[]).includes(values.similarity)) {
    throw new Error(`--similarity must be one of ${SIMILARITY_KINDS.join(', ')} (got "${values.similarity}")`);
  }
  const int = (name: string, text: string | undefined, min: number) => intArg(text, name, min);
  return {
    data: values.data,
    format: values.format as DatasetFormat,
    out: values.out,
    similarity: values.similarity as SimilarityKind | undefined,
    itemK: int('item-k', values['item-k'], 1),
    userK: int('user-k', values['user-k'], 1),
    factors: int('factors', values.factors, 1),
    iterations: int('iterations', values.iterations, 1),
    threads: int('threads', values.threads, 1),
    skipMalformed: values['skip-malformed'],
  };
}

/** Loads `--data` and builds and publishes the recall artifacts (see {@link BUILD_RECALL_USAGE}). */
export async function buildRecallCommand(opts: BuildRecallCommandOptions): Promise<RecallBuildSummary> {
  const print = opts.print ?? ((line: string) => console.log(line));
  const show = opts.progress ?? true;
  const started = Date.now();
  let bar: Progress | undefined;
  const dataset = await loadDataset(opts.data, opts.format, {
    skipMalformed: opts.skipMalformed,
    onProgress: show
      ? (done, total) => {
          bar ??= progressBar('load   ', total);
          bar.update(done);
        }
      : undefined,
  });
  bar?.done();
  const loadSeconds = (Date.now() - started) / 1000;
  if (dataset.skipped > 0) print(`skipped ${dataset.skipped} malformed rows (first: ${dataset.skippedErrors[0]?.message})`);
  const summary = await publishRecallModels(dataset.matrix, `${dataset.format} ${dataset.name}`, opts.out, opts, { progress: show, print });
  summary.seconds = { load: loadSeconds, ...summary.seconds };
  print(formatBuildSummary(summary, opts.out));
  return summary;
}

/** Lines describing a build: the matrix, then each model's name, version, size and time. */
export function formatBuildSummary(s: RecallBuildSummary, out: string): string {
  const mb = (b: number) => `${(b / 1024 / 1024).toFixed(1)} MB`;
  const lines = [`matrix: ${s.users} users × ${s.items} items, ${s.interactions} interactions`];
  for (const kind of RECALL_MODEL_KINDS) {
    const threads = kind === 'als' ? ` on ${s.alsThreads} thread${s.alsThreads === 1 ? '' : 's'}` : '';
    lines.push(`published ${s.models[kind]} ${s.version} (${mb(s.bytes[kind])}, built in ${s.seconds[kind].toFixed(1)} s${threads})`);
  }
  lines.push(`to ${out}; total ${Object.values(s.seconds).reduce((a, b) => a + b, 0).toFixed(1)} s`);
  return lines.join('\n');
}

/**
 * Builds the three recall artifacts from `matrix` (`buildRecallArtifacts`) and publishes them to the local model
 * store at `out` under one new version (later than any published one). `dataset` is recorded in the manifests.
 * ALS trains on `threads` threads (default: the available cores) through an `AlsWorkerPool` that lives for this
 * build; if the worker threads cannot start, it says so through `print` and trains in this thread (same factors).
 * Shows a progress bar per artifact unless `progress` is false. Returns what was published and how long each
 * phase took.
 */
export async function publishRecallModels(
  matrix: InteractionMatrix,
  dataset: string,
  out: string,
  options: RecallBuildOptions & AlsThreadOptions = {},
  display: { progress?: boolean; print?: (line: string) => void } = {},
): Promise<RecallBuildSummary> {
  if (matrix.nUsers === 0 || matrix.nItems === 0) throw new Error('the dataset has no interactions to build recall models from');
  const store = new LocalModelStore(out);
  let latest: string | undefined;
  for (const kind of RECALL_MODEL_KINDS) {
    const v = (await store.latest(RECALL_MODELS[kind]))?.version;
    if (v !== undefined && (latest === undefined || v > latest)) latest = v;
  }
  const version = nextRecallVersion(Date.now(), latest);
  const seconds: Record<string, number> = {};
  const bars: Partial<Record<RecallModelKind, Progress>> = {};
  let phaseStart = Date.now();
  const info = { version, createdAtMs: Date.now(), dataset };
  const onProgress = (kind: RecallModelKind, done: number, total: number) => {
    if (done === 0) phaseStart = Date.now();
    if (display.progress ?? true) {
      const bar = (bars[kind] ??= progressBar(kind.padEnd(7), total));
      bar.update(done);
      if (done === total) bar.done();
    }
    if (done === total) seconds[kind] = (Date.now() - phaseStart) / 1000;
  };
  const pool = await startAlsThreads(options, display.print ?? ((line: string) => console.log(line)));
  let artifacts: RecallArtifacts;
  try {
    artifacts = pool ? await buildRecallArtifactsOnWorkers(pool, matrix, info, options, onProgress) : buildRecallArtifacts(matrix, info, options, onProgress);
  } finally {
    await pool?.close();
  }
  const publishStart = Date.now();
  const bytes = {} as Record<RecallModelKind, number>;
  for (const kind of RECALL_MODEL_KINDS) {
    const files = encodeRecallArtifact(artifacts[kind]);
    bytes[kind] = Object.values(files).reduce((sum, f) => sum + f.byteLength, 0);
    await store.publish(RECALL_MODELS[kind], version, files);
  }
  seconds.publish = (Date.now() - publishStart) / 1000;
  return {
    version,
    models: { ...RECALL_MODELS },
    users: matrix.nUsers,
    items: matrix.nItems,
    interactions: nnz(matrix),
    seconds,
    alsThreads: pool?.threads ?? 1,
    bytes,
  };
}

/**
 * Collects engagement events into the implicit-feedback matrix a world folder loads as (`loadDataset(dir,
 * 'world')`): clicks, saves and shares weighted by `WORLD_IMPLICIT_WEIGHTS` and summed per (user, item), the
 * latest time kept; other event types are ignored. Lets `npm start` build the recall models from the demo world
 * it generates in memory, without a Parquet round trip.
 */
export class WorldEventMatrix {
  private readonly builder = new InteractionMatrixBuilder('sum');
  private readonly occasions: Set<string> | undefined;

  /** `countEngagements`: also count the distinct (user, item, request) positives, as the world loader's `engagements`. */
  constructor(opts: { countEngagements?: boolean } = {}) {
    this.occasions = opts.countEngagements ? new Set() : undefined;
  }

  /** Adds one event (ignored unless a click, save or share). */
  add(event: EngagementEvent): void {
    const weight = (WORLD_IMPLICIT_WEIGHTS as Readonly<Record<string, number>>)[event.type];
    if (weight === undefined) return;
    this.builder.add(event.userId, event.itemId, weight, event.timestampMs);
    this.occasions?.add(`${event.userId}\u0000${event.itemId}\u0000${event.requestId}`);
  }

  /** Distinct (user, item, request) positives added (needs `countEngagements`). */
  get engagements(): number {
    if (this.occasions === undefined) throw new Error('WorldEventMatrix: engagements are counted only with countEngagements');
    return this.occasions.size;
  }

  /** The matrix of the events added so far. */
  build(): InteractionMatrix {
    return this.builder.build();
  }
}
