/** `recsys train-ranker`: trains the demo multi-task ranking model from a replayed demo world and publishes it. */
import {
  LogisticRegression,
  MULTITASK_LOGISTIC_FORMAT,
  aucScore,
  parseMultitaskModel,
  predictLogistic,
  type LogisticModel,
  type MultitaskLogisticModel,
} from '@recsys/algorithms';
import { RANKING_FEATURE_NAMES, FeatureEngine, joinImpressions, rankingFeatures } from '@recsys/features';
import { generateWorld, maxSessionSpanMs, simulateEvents } from '@recsys/simulator';
import { LocalModelStore } from '@recsys/stores';

/** Usage text of the command. */
export const TRAIN_RANKER_USAGE = `recsys train-ranker — train the demo ranking model and publish it to a model store

Usage: npx recsys train-ranker [--out DIR] [--seed N] [--pins N] [--users N] [--events N]

  --out DIR     model store directory (default: models)
  --seed N      seed of the demo world and its event stream (default 7)
  --pins N      pins in the world (default 5000)
  --users N     users in the world (default 1000)
  --events N    engagement events to simulate and replay (default 200000)

Generates the seeded demo world, replays its events in time order through the feature engine, joins every
impression (features as of the impression) with its click/save/hide outcome, trains one logistic head per task
plus a 3-feature pre-rank head on the first 80% of time, reports AUC on the last 20%, and publishes
ranking/multitask-logistic version v1-seed<seed>-p<pins>-u<users>-e<events> (file model.json).
The same options always give the same model, byte for byte.`;

/** Options of {@link trainRanker}. */
export interface TrainRankerOptions {
  /** Seed of the world, the event stream and the trainer's shuffles. */
  seed: number;
  pins: number;
  users: number;
  /** Events to simulate and replay. */
  events: number;
  /** Model store directory. */
  out: string;
  /** Called while events are replayed: events done, events in total. */
  onProgress?: (done: number, total: number) => void;
}

/** The tasks of the ranking model, each a binary outcome of an impression. */
export const RANKER_TASKS = ['click', 'save', 'hide'] as const;

/** One ranking task. */
export type RankerTask = (typeof RANKER_TASKS)[number];

/** The pre-rank head's features: cheap, and together most of the click signal. */
export const PRERANK_FEATURES = ['item_ctr_smoothed', 'user_topic_affinity', 'item_quality'] as const;

/**
 * Default fusion weights published with the model (requests and experiment arms may override them): a save is
 * worth two clicks; a hide costs ten, because hides are about twenty times rarer than clicks in the demo world
 * and a smaller weight would leave them without effect on the order.
 */
export const DEFAULT_FUSION: Readonly<Record<RankerTask, number>> = Object.freeze({ click: 1, save: 2, hide: -10 });

/** Trainer settings (features are standardised inside the trainer and the weights mapped back to raw values). */
export const RANKER_TRAINING = Object.freeze({ l2: 1e-4, epochs: 4, lr: 0.05, batchSize: 64 });

/** Share of the time span (from the first impression) used for training; the rest is the test set. */
const TRAIN_SHARE = 0.8;
/** Pins per simulated page (the simulator's default); bounds how long after an impression its outcomes come. */
const PAGE_SIZE = 10;
/** Model-store name of the ranking model. */
const MODEL_NAME = 'ranking/multitask-logistic';
const MODEL_FILE = 'model.json';

/** What training measured. */
export interface TrainRankerMetrics {
  /** Held-out ROC AUC on the last 20% of time, per task and for the pre-rank head (against clicks). */
  auc: Record<RankerTask | 'prerank', number>;
  /** Share of positive labels per task in the training and test sets. */
  positiveRate: { train: Record<RankerTask, number>; test: Record<RankerTask, number> };
  impressions: number;
  trainExamples: number;
  testExamples: number;
  /** Impressions at or after this time (ms since the epoch) form the test set. */
  splitAtMs: number;
  /** Wall-clock time of the whole command, seconds. */
  seconds: number;
}

/** The result of {@link trainRanker}. */
export interface TrainRankerResult {
  version: string;
  metrics: TrainRankerMetrics;
  /** False when the identical model was already published under this version (nothing was written). */
  published: boolean;
}

/** One impression joined with its outcomes. */
interface Example {
  timestampMs: number;
  /** Ranking features as of the impression, in RANKING_FEATURE_NAMES order. */
  x: Float64Array;
  labels: Record<RankerTask, 0 | 1>;
}

/** Replays the event stream and returns one example per impression (time order; the join is `joinImpressions`'). */
function replay(opts: TrainRankerOptions): { examples: Example[]; impressions: number } {
  const world = generateWorld({ seed: opts.seed, pins: opts.pins, users: opts.users });
  const engine = new FeatureEngine();
  for (const user of world.users) engine.applyUser(user);
  for (const item of world.pins) engine.applyCatalogItem(item);
  const primaryTopic = new Map(world.pins.map((p) => [p.id, p.topics[0] ?? '']));
  const { examples, impressions } = joinImpressions(simulateEvents(world, { seed: opts.seed, events: opts.events }), engine, {
    horizonMs: maxSessionSpanMs(PAGE_SIZE),
    onImpression: (event, state) => {
      const user = state.userFeatures(event.userId, event.timestampMs);
      const item = state.itemFeatures(event.itemId, event.timestampMs);
      const features = rankingFeatures(user, item, primaryTopic.get(event.itemId) ?? '');
      return Float64Array.from(RANKING_FEATURE_NAMES, (name) => features[name]);
    },
    onProgress: (done) => opts.onProgress?.(done, opts.events),
  });
  return {
    examples: examples.map(({ record, event, outcomes }) => ({
      timestampMs: event.timestampMs,
      x: record,
      labels: { click: outcomes.click, save: outcomes.save, hide: outcomes.hide },
    })),
    impressions,
  };
}

function positiveRates(examples: readonly Example[]): Record<RankerTask, number> {
  const rates = { click: 0, save: 0, hide: 0 };
  for (const e of examples) for (const t of RANKER_TASKS) rates[t] += e.labels[t];
  for (const t of RANKER_TASKS) rates[t] = examples.length > 0 ? rates[t] / examples.length : 0;
  return rates;
}

/** The deterministic version of a training run: same options, same version (and the same bytes). */
export function rankerVersion(opts: Pick<TrainRankerOptions, 'seed' | 'pins' | 'users' | 'events'>): string {
  return `v1-seed${opts.seed}-p${opts.pins}-u${opts.users}-e${opts.events}`;
}

/**
 * Generates the demo world, replays its events (see the join documented on `replay`), trains the click, save and
 * hide heads and the pre-rank head on the first 80% of time, measures AUC on the last 20%, and publishes
 * `ranking/multitask-logistic` version {@link rankerVersion} to `LocalModelStore(opts.out)` as `model.json`.
 * Publishing the identical model again is a no-op (`published: false`).
 *
 * @throws Error when either split has no positive or no negative example of a task (too few events), or when
 *   the store already holds a different model under the same version or a greater version.
 */
export async function trainRanker(opts: TrainRankerOptions): Promise<TrainRankerResult> {
  const started = Date.now();
  const { examples, impressions } = replay(opts);
  if (examples.length < 2) throw new Error(`train-ranker: only ${examples.length} impressions to learn from; raise --events`);
  const firstMs = examples[0].timestampMs;
  const splitAtMs = Math.floor(firstMs + TRAIN_SHARE * (examples[examples.length - 1].timestampMs - firstMs));
  const train = examples.filter((e) => e.timestampMs < splitAtMs);
  const test = examples.filter((e) => e.timestampMs >= splitAtMs);
  const trainRates = positiveRates(train);
  const testRates = positiveRates(test);
  for (const t of RANKER_TASKS) {
    for (const [name, rate] of [['training', trainRates[t]], ['test', testRates[t]]] as const) {
      if (!(rate > 0 && rate < 1)) throw new Error(`train-ranker: the ${name} set has no ${rate === 0 ? 'positive' : 'negative'} ${t} example; raise --events`);
    }
  }

  const fit = (rows: ArrayLike<number>[], labels: number[]): LogisticModel =>
    LogisticRegression.train(rows, labels, { ...RANKER_TRAINING, seed: opts.seed, standardize: true });
  const auc = (model: LogisticModel, rows: ArrayLike<number>[], labels: number[]): number =>
    aucScore(labels, rows.map((x) => predictLogistic(model.weights, model.bias, x)));

  const trainX = train.map((e) => e.x);
  const testX = test.map((e) => e.x);
  const tasks: MultitaskLogisticModel['tasks'] = {};
  const aucs = {} as Record<RankerTask | 'prerank', number>;
  for (const t of RANKER_TASKS) {
    const head = fit(trainX, train.map((e) => e.labels[t]));
    aucs[t] = auc(head, testX, test.map((e) => e.labels[t]));
    tasks[t] = { weights: head.weights, bias: head.bias, auc: aucs[t] };
  }
  const prerankIndexes = PRERANK_FEATURES.map((name) => RANKING_FEATURE_NAMES.indexOf(name));
  const subset = (x: Float64Array) => Float64Array.from(prerankIndexes, (j) => x[j]);
  const prerankHead = fit(trainX.map(subset), train.map((e) => e.labels.click));
  aucs.prerank = auc(prerankHead, testX.map(subset), test.map((e) => e.labels.click));

  const version = rankerVersion(opts);
  const model: MultitaskLogisticModel = parseMultitaskModel({
    format: MULTITASK_LOGISTIC_FORMAT,
    version,
    features: [...RANKING_FEATURE_NAMES],
    tasks,
    prerank: { features: [...PRERANK_FEATURES], weights: prerankHead.weights, bias: prerankHead.bias, auc: aucs.prerank },
    fusion: { ...DEFAULT_FUSION },
    trainedOn: {
      generator: '@recsys/simulator generateWorld + simulateEvents',
      seed: opts.seed,
      pins: opts.pins,
      users: opts.users,
      events: opts.events,
      impressions,
      trainExamples: train.length,
      testExamples: test.length,
      splitAtMs,
      split: `time: first ${TRAIN_SHARE * 100}% of the impression time span trains, the rest tests`,
      trainer: `logistic regression, mini-batch SGD, standardised features, l2 ${RANKER_TRAINING.l2}, epochs ${RANKER_TRAINING.epochs}, lr ${RANKER_TRAINING.lr}, batch ${RANKER_TRAINING.batchSize}`,
      prerankLabel: 'click',
    },
  });
  const bytes = new TextEncoder().encode(`${JSON.stringify(model, null, 2)}\n`);

  const store = new LocalModelStore(opts.out);
  const latest = await store.latest(MODEL_NAME);
  let published = true;
  if (latest?.version === version) {
    const existing = await store.read(MODEL_NAME, version, MODEL_FILE);
    if (Buffer.compare(Buffer.from(existing), Buffer.from(bytes)) !== 0) {
      throw new Error(`train-ranker: ${opts.out} already holds a different ${MODEL_NAME} ${version}; remove it to publish again`);
    }
    published = false;
  } else {
    await store.publish(MODEL_NAME, version, { [MODEL_FILE]: bytes });
  }

  return {
    version,
    published,
    metrics: {
      auc: aucs,
      positiveRate: { train: trainRates, test: testRates },
      impressions,
      trainExamples: train.length,
      testExamples: test.length,
      splitAtMs,
      seconds: (Date.now() - started) / 1000,
    },
  };
}
