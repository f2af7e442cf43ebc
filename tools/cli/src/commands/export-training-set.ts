/**
 * `recsys export-training-set`: the demo world's impressions joined with their outcomes, with the model inputs as of
 * each impression, written as a training set for tools/training (docs/model-card.md); the writer of the multi-task set
 * shared with the export from a served-feature log (export-training-set-from-log.ts).
 */
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { EngagementEvent } from '@recsys/domain';
import {
  BINARY_OUTCOMES,
  CONTENT_FEATURE_DIM,
  DERIVED_MODEL_INPUTS,
  FeatureEngine,
  itemView,
  joinImpressions,
  modelInputRow,
  modelInputSource,
  type BinaryOutcome,
  type JoinedImpression,
} from '@recsys/features';
import { generateWorld, maxSessionSpanMs, simulateEvents, type World, type WorldOptions } from '@recsys/simulator';
import { progressBar } from '../progress';

/**
 * The model inputs of the demo's deep ranking models, by name (each resolvable by `modelInputSource`): the derived
 * ranking features, then more item, creator and user features.
 */
export const DEMO_MODEL_INPUTS: readonly string[] = Object.freeze([
  ...DERIVED_MODEL_INPUTS,
  'item_hide_rate_smoothed',
  'item_ctr_24h_smoothed',
  'item_dwell_ms_mean',
  'item_hours_since_engaged',
  'item_aspect_ratio',
  'creator_save_rate_smoothed',
  'creator_ctr_24h_smoothed',
  'user_ctr_smoothed',
  'user_save_rate_smoothed',
  'user_ctr_24h_smoothed',
  'user_dwell_ms_mean',
  'user_hours_since_engaged',
  'user_account_age_days',
]);

/** The tasks of a training set: four binary reactions and the dwell, as ln(1 + seconds). */
export const TRAINING_TASKS = [
  ...BINARY_OUTCOMES.map((name) => ({ name, kind: 'binary' as const })),
  { name: 'dwell', kind: 'regression' as const, unit: 'ln(1 + dwell seconds after the impression); 0 when none' },
];

/** Time shares of the splits: train, validation (test is the rest). */
const SPLIT = { train: 0.8, validation: 0.1 } as const;
/** Pins per simulated page (the simulator's default); bounds how long after an impression its outcomes come. */
const PAGE_SIZE = 10;
/** How long after an impression its outcomes can come, ms: the simulator's longest session of a page (20.5 min). */
export const OUTCOME_HORIZON_MS = maxSessionSpanMs(PAGE_SIZE);

/** Usage text of the command. */
export const EXPORT_TRAINING_SET_USAGE = `recsys export-training-set — write impressions, model inputs and outcomes as a training set

Usage: npx recsys export-training-set --out DIR [--two-tower] [--inputs A,B,...] [--seed N] [--pins N] [--users N] [--events N] [--config FILE] [--force]
       npx recsys export-training-set --out DIR (--from-log DIR | --brokers HOST:PORT[,...]) [--inputs A,B,...] [--horizon-ms N] [--force]

  --out DIR      the training-set directory to write (docs/model-card.md: meta.json, features.f32, labels.f32, time.f64,
                 keys.u32, ids.json)
  --inputs LIST  the model inputs, comma-separated (default: the demo's deep rankers' ${DEMO_MODEL_INPUTS.length} inputs)
  --force        replace an existing directory

From the demo world (the default):
  --seed N       seed of the world and its event stream (default 7)
  --pins N, --users N, --events N   world size (defaults: the demo world's 100000, 10000, 1000000)
  --config FILE  world options as JSON (e.g. from \`recsys world calibrate\`); default: the calibrated defaults
  --two-tower    write the two-tower set instead: the impressions answered by a click, save or share as positive pairs
                 (user.f32: the user's history vector; item.f32: the pin's content vector; item_logq.f32), and the
                 catalogue (items.f32, items.json)

  Replays the events in time order through the feature engine (the stream processor's code), takes every impression's
  model inputs from the state just before it (the state a server ranked with), joins the click, save, share, hide and
  dwell that answered it by (request id, item id), and splits by time: the first 80% of the impressions' time span
  trains, the next 10% validates, the last 10% tests. The same options always write the same bytes.

From a system's served-feature log:
  --from-log DIR     the embedded event bus directory of a running or stopped system (npm start: .data/bus)
  --brokers LIST     read the topics from Kafka instead (RECSYS_BACKEND=redis-kafka)
  --horizon-ms N     how long after a page its reactions can come (default ${OUTCOME_HORIZON_MS}, the simulator's longest
                     session); pages this close to the log's end are left out. \`recsys simulate\` sends a page's
                     reactions right after it (none later than a second after the page): 1000 suffices for its logs

  Every item of a served page (recsys.served.v1) that a client reported showing (an impression event with the page's
  request id) is a row at the page's time — candidates ranked but not sent, and pages no client showed, are not —
  with its model inputs computed from the values the service logged and ranked it with (the item's features, the
  user's features and topic affinity, the item's primary topic), not recomputed. A value the log lacks
  takes its declared default; the rows defaulted per input are printed and written to meta.json (source.defaulted).
  An input the log holds for no row is refused. Labels are the reactions on the engagement topic with the row's
  (request id, item id) within the horizon; the split is by time as above.`;

/** Options of {@link exportTrainingSet}. */
export interface ExportTrainingSetOptions {
  out: string;
  seed: number;
  pins: number;
  users: number;
  events: number;
  world?: Partial<WorldOptions>;
  force?: boolean;
  /** Model inputs to write (default {@link DEMO_MODEL_INPUTS}). */
  inputs?: readonly string[];
  progress?: boolean;
}

/** What was written. */
export interface TrainingSetSummary {
  rows: number;
  split: { train: number; validation: number; test: number };
  /** Positive share of each binary task over all rows. */
  positiveRate: Record<string, number>;
  impressions: number;
  seconds: number;
}

/** The world's impressions replayed through the feature engine, each joined with its outcomes. */
interface ReplayedWorld<T> {
  world: World;
  examples: JoinedImpression<T>[];
  impressions: number;
}

/**
 * Generates the world of `opts`, replays its events in time order through the feature engine and joins every
 * impression with its outcomes; `onImpression` reads the impression's example from the state just before it.
 */
function replayWorld<T>(opts: ExportTrainingSetOptions, onImpression: (event: EngagementEvent, state: FeatureEngine) => T): ReplayedWorld<T> {
  const world = generateWorld({ ...opts.world, seed: opts.seed, pins: opts.pins, users: opts.users });
  const engine = new FeatureEngine();
  for (const user of world.users) engine.applyUser(user);
  for (const item of world.pins) engine.applyCatalogItem(item);
  const bar = opts.progress === false ? undefined : progressBar('events ', opts.events);
  const { examples, impressions } = joinImpressions(simulateEvents(world, { seed: opts.seed, events: opts.events }), engine, {
    horizonMs: OUTCOME_HORIZON_MS,
    onImpression,
    onProgress: (done) => bar?.update(done),
  });
  bar?.done();
  return { world, examples, impressions };
}

/**
 * The time split of rows sorted by time: the first 80% of their time span trains, the next 10% validates.
 *
 * @throws Error when a split has no rows, ending with `advice` (what gives the export more rows).
 */
function timeSplit(examples: readonly JoinedImpression<unknown>[], what: string, advice = 'raise --events'): { split: TrainingSetSummary['split']; cutsMs: number[] } {
  const rows = examples.length;
  if (rows === 0) throw new Error(`export-training-set: no ${what} to write; ${advice}`);
  const firstMs = examples[0].event.timestampMs;
  const spanMs = examples[rows - 1].event.timestampMs - firstMs;
  const cutsMs = [Math.floor(firstMs + SPLIT.train * spanMs), Math.floor(firstMs + (SPLIT.train + SPLIT.validation) * spanMs)];
  const train = examples.findIndex((e) => e.event.timestampMs >= cutsMs[0]);
  const beforeTest = examples.findIndex((e) => e.event.timestampMs >= cutsMs[1]);
  const split = { train, validation: beforeTest - train, test: rows - beforeTest };
  for (const [name, n] of Object.entries(split)) if (!(n > 0)) throw new Error(`export-training-set: the ${name} split has no rows; ${advice}`);
  return { split, cutsMs };
}

/** The little-endian bytes of a typed array (x86/ARM: the platform's own order). */
const le = (array: Float32Array | Float64Array | Uint32Array): Buffer => Buffer.from(array.buffer, array.byteOffset, array.byteLength);

/** Writes `files` as the directory `out`: into a temporary sibling first, renamed when complete (nothing half-written). */
function writeSetDirectory(out: string, files: Readonly<Record<string, Buffer | string>>): void {
  const tmp = join(dirname(out), `.${Date.now()}-${process.pid}.training-set.tmp`);
  mkdirSync(tmp, { recursive: true });
  try {
    for (const [name, bytes] of Object.entries(files)) writeFileSync(join(tmp, name), bytes);
    if (existsSync(out)) rmSync(out, { recursive: true });
    renameSync(tmp, out);
  } catch (error) {
    rmSync(tmp, { recursive: true, force: true });
    throw error;
  }
}

/** The `source` block of a training set's meta.json. */
function sourceOf(opts: ExportTrainingSetOptions, impressions: number, join: string, flags = ''): Record<string, unknown> {
  return {
    generator: '@recsys/simulator generateWorld + simulateEvents, replayed through @recsys/features FeatureEngine',
    join,
    seed: opts.seed,
    pins: opts.pins,
    users: opts.users,
    events: opts.events,
    world: opts.world ?? {},
    impressions,
    command: `npx recsys export-training-set${flags} --out ${opts.out} --seed ${opts.seed} --pins ${opts.pins} --users ${opts.users} --events ${opts.events}`,
  };
}

/** Resolves the output directory; fails when it exists without `force`. */
export function outputDirectory(opts: Pick<ExportTrainingSetOptions, 'out' | 'force'>): string {
  const out = resolve(opts.out);
  if (existsSync(out) && !opts.force) throw new Error(`export-training-set: ${out} exists; pass --force to replace it`);
  return out;
}

/**
 * Writes the training set of docs/model-card.md to `opts.out` (into a temporary sibling first, renamed when complete,
 * so a failed export leaves nothing half-written).
 *
 * @throws Error on an unknown model input, an existing directory without `force`, or a split without rows.
 */
export function exportTrainingSet(opts: ExportTrainingSetOptions): TrainingSetSummary {
  const started = Date.now();
  const inputs = opts.inputs ?? DEMO_MODEL_INPUTS;
  inputs.forEach(modelInputSource); // fails on an unknown name before any work
  const out = outputDirectory(opts);

  const { world, examples, impressions } = replayWorld(opts, (event, state) =>
    Float32Array.from(
      modelInputRow(
        inputs,
        state.userFeatures(event.userId, event.timestampMs),
        state.itemFeatures(event.itemId, event.timestampMs),
        state.catalog.item(event.itemId)?.topics[0] ?? '',
      ),
    ),
  );
  const written = writeMultiTaskSet(out, inputs, examples, {
    users: world.users.map((u) => u.id),
    items: world.pins.map((p) => p.id),
    userIndex: world.index.users,
    itemIndex: world.index.pins,
  }, {
    what: 'impression',
    source: sourceOf(opts, impressions, 'model inputs from the state just before each impression; outcomes by (request id, item id)'),
  });
  return { ...written, impressions, seconds: (Date.now() - started) / 1000 };
}

/** The ids `keys.u32` indexes (ids.json) and each id's index. */
export interface SetIds {
  users: readonly string[];
  items: readonly string[];
  userIndex: ReadonlyMap<string, number>;
  itemIndex: ReadonlyMap<string, number>;
}

/**
 * Writes the multi-task training set of docs/model-card.md to `out` (atomically, {@link writeSetDirectory}): one row per
 * example (in time order; `record` is its model inputs in `inputs` order), labels from its outcomes, split by time
 * ({@link timeSplit}), keys into `ids`; `source` becomes meta.json's `source`.
 *
 * @throws Error when a split has no rows (`what` names the rows, `advice` says how to get more).
 */
export function writeMultiTaskSet(
  out: string,
  inputs: readonly string[],
  examples: readonly JoinedImpression<Float32Array>[],
  ids: SetIds,
  meta: { what: string; advice?: string; source: Record<string, unknown> },
): Pick<TrainingSetSummary, 'rows' | 'split' | 'positiveRate'> {
  const rows = examples.length;
  const { split, cutsMs } = timeSplit(examples, meta.what, meta.advice);
  const width = inputs.length;
  const features = new Float32Array(rows * width);
  const labels = new Float32Array(rows * TRAINING_TASKS.length);
  const time = new Float64Array(rows);
  // Who and what each row is: user index, item index (into ids.json) and request index (the rows of one logged page).
  const keys = new Uint32Array(rows * 3);
  const requests = new Map<string, number>();
  const positives: Record<string, number> = Object.fromEntries(BINARY_OUTCOMES.map((t) => [t, 0]));
  examples.forEach(({ record, event, outcomes }, r) => {
    features.set(record, r * width);
    keys[r * 3] = ids.userIndex.get(event.userId) ?? 0;
    keys[r * 3 + 1] = ids.itemIndex.get(event.itemId) ?? 0;
    let request = requests.get(event.requestId);
    if (request === undefined) requests.set(event.requestId, (request = requests.size));
    keys[r * 3 + 2] = request;
    const at = r * TRAINING_TASKS.length;
    BINARY_OUTCOMES.forEach((task, t) => {
      labels[at + t] = outcomes[task];
      positives[task] += outcomes[task];
    });
    labels[at + BINARY_OUTCOMES.length] = Math.log1p(outcomes.dwellMs / 1000);
    time[r] = event.timestampMs;
  });
  const positiveRate = Object.fromEntries(Object.entries(positives).map(([t, n]) => [t, n / rows]));

  const metaJson = {
    format: 'recsys-training-set/1',
    rows,
    features: [...inputs],
    tasks: TRAINING_TASKS,
    split: { ...split, by: 'time', cutsMs },
    positiveRate,
    source: meta.source,
  };
  writeSetDirectory(out, {
    'features.f32': le(features),
    'labels.f32': le(labels),
    'time.f64': le(time),
    'keys.u32': le(keys),
    'ids.json': `${JSON.stringify({ users: ids.users, items: ids.items })}\n`,
    'meta.json': `${JSON.stringify(metaJson, null, 2)}\n`,
  });
  return { rows, split, positiveRate };
}

/** The user tower's inputs of the demo two-tower model: the user's history vector (`historyContentVector`). */
export const TWO_TOWER_USER_INPUTS: readonly string[] = Object.freeze(Array.from({ length: CONTENT_FEATURE_DIM }, (_, i) => `user_history_content_${i}`));
/**
 * The item tower's inputs of the demo two-tower model: the pin's content vector (`contentVector`) and its editorial
 * quality — catalogue attributes only, so the item embeddings precomputed with a model version do not go stale.
 */
export const TWO_TOWER_ITEM_INPUTS: readonly string[] = Object.freeze([...Array.from({ length: CONTENT_FEATURE_DIM }, (_, i) => `item_content_${i}`), 'item_quality']);

/** The outcomes that make an impression a positive pair of the two-tower set. */
const POSITIVE: readonly BinaryOutcome[] = ['click', 'save', 'share'];

/**
 * Writes the two-tower training set of docs/model-card.md to `opts.out`: every impression answered by a click, save or
 * share is a positive pair, with the user tower's inputs ({@link TWO_TOWER_USER_INPUTS}) and the item tower's
 * ({@link TWO_TOWER_ITEM_INPUTS}) from the state just before it; ln q of each pair's item is the item's share of the
 * training split's pairs (an item absent from it counts once); the catalogue is every safe pin. Split by time as the
 * multi-task set. Written atomically like {@link exportTrainingSet}.
 *
 * @throws Error on an existing directory without `force`, or a split without pairs.
 */
export function exportTwoTowerSet(opts: ExportTrainingSetOptions): TrainingSetSummary {
  const started = Date.now();
  const out = outputDirectory(opts);
  const { world, examples: all, impressions } = replayWorld(opts, (event, state) => ({
    user: Float32Array.from(modelInputRow(TWO_TOWER_USER_INPUTS, state.userFeatures(event.userId, event.timestampMs), { features: {} }, '')),
    item: event.itemId,
  }));
  const examples = all.filter((e) => POSITIVE.some((task) => e.outcomes[task] === 1));
  const rows = examples.length;
  const { split, cutsMs } = timeSplit(examples, 'positive pair');

  const catalogue = world.pins.filter((p) => !p.unsafe);
  const itemRow = new Map<string, Float32Array>();
  const noUser = { features: {}, topicAffinity: {} };
  for (const pin of world.pins) itemRow.set(pin.id, Float32Array.from(modelInputRow(TWO_TOWER_ITEM_INPUTS, noUser, itemView(pin.id, { item: pin }, 0), '')));
  const trainCount = new Map<string, number>();
  for (let r = 0; r < split.train; r++) trainCount.set(examples[r].record.item, (trainCount.get(examples[r].record.item) ?? 0) + 1);

  const fu = TWO_TOWER_USER_INPUTS.length;
  const fi = TWO_TOWER_ITEM_INPUTS.length;
  const user = new Float32Array(rows * fu);
  const item = new Float32Array(rows * fi);
  const logq = new Float32Array(rows);
  const time = new Float64Array(rows);
  const positives: Record<string, number> = Object.fromEntries(POSITIVE.map((t) => [t, 0]));
  examples.forEach(({ record, event, outcomes }, r) => {
    user.set(record.user, r * fu);
    const row = itemRow.get(record.item);
    if (row) item.set(row, r * fi);
    logq[r] = Math.log((trainCount.get(record.item) ?? 1) / split.train);
    time[r] = event.timestampMs;
    for (const task of POSITIVE) positives[task] += outcomes[task];
  });
  const items = new Float32Array(catalogue.length * fi);
  catalogue.forEach((pin, i) => items.set(itemRow.get(pin.id)!, i * fi));
  const positiveRate = Object.fromEntries(Object.entries(positives).map(([t, n]) => [t, n / rows]));

  const meta = {
    format: 'recsys-training-set/1',
    kind: 'two-tower',
    rows,
    userFeatures: [...TWO_TOWER_USER_INPUTS],
    itemFeatures: [...TWO_TOWER_ITEM_INPUTS],
    positives: POSITIVE,
    split: { ...split, by: 'time', cutsMs },
    positiveRate,
    logq: 'ln(pairs of the item in the training split / training pairs); an item without any counts once',
    source: sourceOf(opts, impressions, 'positive pairs: impressions answered by a click, save or share; tower inputs from the state just before each', ' --two-tower'),
  };
  writeSetDirectory(out, {
    'user.f32': le(user),
    'item.f32': le(item),
    'item_logq.f32': le(logq),
    'time.f64': le(time),
    'items.f32': le(items),
    'items.json': `${JSON.stringify(catalogue.map((p) => p.id))}\n`,
    'meta.json': `${JSON.stringify(meta, null, 2)}\n`,
  });
  return { rows, split, positiveRate, impressions, seconds: (Date.now() - started) / 1000 };
}
