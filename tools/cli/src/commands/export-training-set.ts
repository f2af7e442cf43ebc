/**
 * `recsys export-training-set`: the demo world's impressions joined with their outcomes, with the model inputs as of
 * each impression, written as a training set for tools/training (docs/model-card.md).
 */
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { BINARY_OUTCOMES, DERIVED_MODEL_INPUTS, FeatureEngine, joinImpressions, modelInputRow, modelInputSource } from '@recsys/features';
import { generateWorld, maxSessionSpanMs, simulateEvents, type WorldOptions } from '@recsys/simulator';
import { progressBar } from '../progress';

/** Usage text of the command. */
export const EXPORT_TRAINING_SET_USAGE = `recsys export-training-set — write the demo world's impressions as a training set

Usage: npx recsys export-training-set --out DIR [--seed N] [--pins N] [--users N] [--events N] [--config FILE] [--force]

  --out DIR      the training-set directory to write (docs/model-card.md: meta.json, features.f32, labels.f32, time.f64)
  --seed N       seed of the world and its event stream (default 7)
  --pins N, --users N, --events N   world size (defaults: the demo world's 100000, 10000, 1000000)
  --config FILE  world options as JSON (e.g. from \`recsys world calibrate\`); default: the calibrated defaults
  --force        replace an existing directory

Replays the events in time order through the feature engine (the stream processor's code), takes every impression's
model inputs from the state just before it (the state a server ranked with), joins the click, save, share, hide and
dwell that answered it by (request id, item id), and splits by time: the first 80% of the impressions' time span
trains, the next 10% validates, the last 10% tests. The same options always write the same bytes.`;

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
  const out = resolve(opts.out);
  if (existsSync(out) && !opts.force) throw new Error(`export-training-set: ${out} exists; pass --force to replace it`);

  const world = generateWorld({ ...opts.world, seed: opts.seed, pins: opts.pins, users: opts.users });
  const engine = new FeatureEngine();
  for (const user of world.users) engine.applyUser(user);
  for (const item of world.pins) engine.applyCatalogItem(item);
  const primaryTopic = new Map(world.pins.map((p) => [p.id, p.topics[0] ?? '']));
  const bar = opts.progress === false ? undefined : progressBar('events ', opts.events);
  const { examples, impressions } = joinImpressions(simulateEvents(world, { seed: opts.seed, events: opts.events }), engine, {
    horizonMs: maxSessionSpanMs(PAGE_SIZE),
    onImpression: (event, state) =>
      Float32Array.from(
        modelInputRow(inputs, state.userFeatures(event.userId, event.timestampMs), state.itemFeatures(event.itemId, event.timestampMs), primaryTopic.get(event.itemId) ?? ''),
      ),
    onProgress: (done) => bar?.update(done),
  });
  bar?.done();
  const rows = examples.length;
  if (rows === 0) throw new Error('export-training-set: no impression to write; raise --events');

  const firstMs = examples[0].event.timestampMs;
  const spanMs = examples[rows - 1].event.timestampMs - firstMs;
  const cutsMs = [Math.floor(firstMs + SPLIT.train * spanMs), Math.floor(firstMs + (SPLIT.train + SPLIT.validation) * spanMs)];
  const train = examples.findIndex((e) => e.event.timestampMs >= cutsMs[0]);
  const beforeTest = examples.findIndex((e) => e.event.timestampMs >= cutsMs[1]);
  const split = { train, validation: beforeTest - train, test: rows - beforeTest };
  for (const [name, n] of Object.entries(split)) if (!(n > 0)) throw new Error(`export-training-set: the ${name} split has no rows; raise --events`);

  const width = inputs.length;
  const features = new Float32Array(rows * width);
  const labels = new Float32Array(rows * TRAINING_TASKS.length);
  const time = new Float64Array(rows);
  const positives: Record<string, number> = Object.fromEntries(BINARY_OUTCOMES.map((t) => [t, 0]));
  examples.forEach(({ record, event, outcomes }, r) => {
    features.set(record, r * width);
    const at = r * TRAINING_TASKS.length;
    BINARY_OUTCOMES.forEach((task, t) => {
      labels[at + t] = outcomes[task];
      positives[task] += outcomes[task];
    });
    labels[at + BINARY_OUTCOMES.length] = Math.log1p(outcomes.dwellMs / 1000);
    time[r] = event.timestampMs;
  });
  const positiveRate = Object.fromEntries(Object.entries(positives).map(([t, n]) => [t, n / rows]));

  const meta = {
    format: 'recsys-training-set/1',
    rows,
    features: [...inputs],
    tasks: TRAINING_TASKS,
    split: { ...split, by: 'time', cutsMs },
    positiveRate,
    source: {
      generator: '@recsys/simulator generateWorld + simulateEvents, replayed through @recsys/features FeatureEngine',
      join: 'model inputs from the state just before each impression; outcomes by (request id, item id)',
      seed: opts.seed,
      pins: opts.pins,
      users: opts.users,
      events: opts.events,
      world: opts.world ?? {},
      impressions,
      command: `npx recsys export-training-set --out ${opts.out} --seed ${opts.seed} --pins ${opts.pins} --users ${opts.users} --events ${opts.events}`,
    },
  };
  const tmp = join(dirname(out), `.${Date.now()}-${process.pid}.training-set.tmp`);
  mkdirSync(tmp, { recursive: true });
  try {
    const le = (array: Float32Array | Float64Array) => Buffer.from(array.buffer, array.byteOffset, array.byteLength); // x86/ARM: little endian
    writeFileSync(join(tmp, 'features.f32'), le(features));
    writeFileSync(join(tmp, 'labels.f32'), le(labels));
    writeFileSync(join(tmp, 'time.f64'), le(time));
    writeFileSync(join(tmp, 'meta.json'), `${JSON.stringify(meta, null, 2)}\n`);
    if (existsSync(out)) rmSync(out, { recursive: true });
    renameSync(tmp, out);
  } catch (error) {
    rmSync(tmp, { recursive: true, force: true });
    throw error;
  }
  return { rows, split, positiveRate, impressions, seconds: (Date.now() - started) / 1000 };
}
