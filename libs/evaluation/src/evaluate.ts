// The evaluation harness: scores every test user with a fitted model under one protocol and reports the metrics.
import { createRng, nnz, type InteractionMatrix } from '@recsys/algorithms';
import { FullRankingRun } from './protocols/full-ranking';
import { type ProtocolRun } from './protocols/protocol';
import { DEFAULT_NEGATIVES, SampledRun } from './protocols/sampled';
import { itemCounts, type Recommender, type RecommenderParams } from './recommenders/recommender';
import { sameIdSpace, type Split } from './splits/split';
import { STREAM, userSeed } from './random-streams';

/** The evaluation protocols: full ranking over all untrained items, or one positive against N sampled negatives. */
export type ProtocolName = 'full' | 'sampled';

/** Options of {@link evaluate}. */
export interface EvalOptions {
  protocol: ProtocolName;
  /** Cut-offs, e.g. [10, 20]: positive integers (deduplicated and sorted). */
  ks: readonly number[];
  /** Negatives per positive under the sampled protocol (default 100). Ignored under full ranking. */
  negatives?: number;
  /** Seed of the sampled negatives, the user sample and the pooled-AUC sample. */
  seed: number;
  /** Dataset name for the report (default `unnamed`). */
  dataset?: string;
  /** Evaluate a seeded random sample of at most this many of the users with test items (default: all). */
  maxUsers?: number;
  /** Bound on the negative scores kept for auc_global (default 10M; see PooledAuc). */
  maxPooledNegatives?: number;
  /** Called as users are evaluated: users done, users to evaluate. */
  onProgress?: (done: number, total: number) => void;
}

/** The result of one evaluation; plain data, JSON-serialisable, never NaN. */
export interface EvalReport {
  dataset: string;
  split: { name: string; description: string };
  protocol: { name: ProtocolName; description: string; negatives?: number };
  ks: number[];
  model: { name: string; params: RecommenderParams };
  /** Metric → value, keys like `ndcg@10`, `hitrate@20`, `coverage@10`, `mrr`, `auc`, `auc_global`. */
  metrics: Record<string, number>;
  /** Users evaluated, and users skipped (no test item outside their training items, or no possible negative). */
  users: { evaluated: number; skipped: number; sampledFrom?: number };
  /** Size of the data evaluated on. */
  data: { users: number; items: number; trainInteractions: number; testInteractions: number };
  /** Wall-clock seconds of scoring and metrics (fitting excluded), and evaluated users per second. */
  seconds: number;
  usersPerSecond: number;
  /** Seconds spent in `fit`, when the caller measured it. */
  fitSeconds?: number;
  /** Caveats the numbers carry (e.g. an estimated auc_global). */
  notes: string[];
}

/** Descriptions of the protocols, as printed above the numbers. */
export const PROTOCOL_DESCRIPTIONS: Readonly<Record<ProtocolName, string>> = Object.freeze({
  full: "every item not in the user's training set is ranked",
  sampled: 'each test positive ranked among N random items the user never interacted with',
});

/**
 * Evaluates a FITTED `model` on `split` under `opts.protocol`. A user is evaluated when they have at least one
 * relevant item (a test item not in their training row); other users are skipped and counted. For every
 * evaluated user the model scores all items once (`scoreAll`), and the protocol accumulates its metrics
 * (see FullRankingRun and SampledRun for the definitions). Deterministic given the model, split and seed.
 * Memory: O(nItems × |ks|) plus the bounded pooled-AUC sample. Throws when no user can be evaluated.
 */
export function evaluate(model: Recommender, split: Split, opts: EvalOptions): EvalReport {
  const started = performance.now();
  const { train, test } = split;
  if (!sameIdSpace(train, test)) throw new Error(`split ${split.name}: train and test do not share one id space`);
  const ks = normaliseKs(opts.ks);

  // Pre-pass: who has relevant items, and how many pairs the pooled AUC will see.
  const relevantCount = new Int32Array(train.nUsers);
  let users: number[] = [];
  for (let u = 0; u < train.nUsers; u++) {
    relevantCount[u] = differenceSize(row(test, u), row(train, u));
    if (relevantCount[u] > 0) users.push(u);
  }
  let skipped = train.nUsers - users.length;
  const eligible = users.length;
  if (opts.maxUsers !== undefined) {
    if (!Number.isInteger(opts.maxUsers) || opts.maxUsers < 1) throw new RangeError(`maxUsers must be a positive integer, got ${opts.maxUsers}`);
    if (opts.maxUsers < users.length) {
      const rng = createRng(userSeed(opts.seed, 0, STREAM.userSample));
      users = rng.shuffle(users).slice(0, opts.maxUsers).sort((a, b) => a - b);
    }
  }
  if (users.length === 0) throw new Error(`split ${split.name}: no user has a test item outside their training items, nothing to evaluate`);

  let run: ProtocolRun;
  const notes: string[] = [];
  let negatives: number | undefined;
  if (opts.protocol === 'full') {
    let expected = 0;
    for (const u of users) expected += train.nItems - rowLength(train, u) - relevantCount[u];
    const full = new FullRankingRun(ks, itemCounts(train, 'binary'), expected, opts.seed, opts.maxPooledNegatives);
    if (full.pooledRate < 1) notes.push(`auc_global estimated on a seeded ${(full.pooledRate * 100).toPrecision(3)}% sample of the negative pairs`);
    run = full;
  } else if (opts.protocol === 'sampled') {
    negatives = opts.negatives ?? DEFAULT_NEGATIVES;
    let positives = 0;
    for (const u of users) positives += relevantCount[u];
    run = new SampledRun(ks, negatives, train.nItems, opts.seed, positives, opts.maxPooledNegatives);
  } else {
    throw new RangeError(`unknown protocol "${String(opts.protocol)}" (known: full, sampled)`);
  }

  const scores = new Float32Array(train.nItems);
  let relevant = new Int32Array(16);
  let evaluated = 0;
  const step = Math.max(1, Math.floor(users.length / 200));
  for (let n = 0; n < users.length; n++) {
    const u = users[n];
    const trainRow = row(train, u);
    const testRow = row(test, u);
    if (relevant.length < testRow.length) relevant = new Int32Array(Math.max(testRow.length, 2 * relevant.length));
    const size = difference(testRow, trainRow, relevant);
    model.scoreAll(u, scores);
    if (run.add({ user: u, scores, train: trainRow, test: testRow, relevant: relevant.subarray(0, size) })) evaluated++;
    else skipped++;
    if (opts.onProgress && ((n + 1) % step === 0 || n + 1 === users.length)) opts.onProgress(n + 1, users.length);
  }
  if (evaluated === 0) throw new Error(`split ${split.name}: no user could be evaluated under the ${opts.protocol} protocol`);
  const metrics = run.finish();
  const seconds = (performance.now() - started) / 1000;
  return {
    dataset: opts.dataset ?? 'unnamed',
    split: { name: split.name, description: split.description },
    protocol: {
      name: opts.protocol,
      description: negatives === undefined ? PROTOCOL_DESCRIPTIONS.full : PROTOCOL_DESCRIPTIONS.sampled.replace(' N ', ` ${negatives} `),
      ...(negatives === undefined ? {} : { negatives }),
    },
    ks,
    model: { name: model.name, params: model.params },
    metrics,
    users: { evaluated, skipped, ...(users.length < eligible ? { sampledFrom: eligible } : {}) },
    data: { users: train.nUsers, items: train.nItems, trainInteractions: nnz(train), testInteractions: nnz(test) },
    seconds,
    usersPerSecond: seconds > 0 ? evaluated / seconds : 0,
    notes,
  };
}

function normaliseKs(ks: readonly number[]): number[] {
  if (ks.length === 0) throw new RangeError('ks must not be empty');
  for (const k of ks) if (!Number.isInteger(k) || k < 1) throw new RangeError(`every K must be a positive integer, got ${k}`);
  return [...new Set(ks)].sort((a, b) => a - b);
}

function row(m: InteractionMatrix, u: number): Int32Array {
  return m.indices.subarray(m.indptr[u], m.indptr[u + 1]);
}

function rowLength(m: InteractionMatrix, u: number): number {
  return m.indptr[u + 1] - m.indptr[u];
}

/** Writes a \ b (both ascending) into `out`; returns its length. */
function difference(a: Int32Array, b: Int32Array, out: Int32Array): number {
  let j = 0;
  let n = 0;
  for (let i = 0; i < a.length; i++) {
    while (j < b.length && b[j] < a[i]) j++;
    if (j < b.length && b[j] === a[i]) continue;
    out[n++] = a[i];
  }
  return n;
}

/** |a \ b| for ascending a and b. */
function differenceSize(a: Int32Array, b: Int32Array): number {
  let j = 0;
  let n = 0;
  for (let i = 0; i < a.length; i++) {
    while (j < b.length && b[j] < a[i]) j++;
    if (!(j < b.length && b[j] === a[i])) n++;
  }
  return n;
}
