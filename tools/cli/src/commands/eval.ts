/** `recsys eval`: loads a dataset, splits it, fits and evaluates baselines, prints the tables, writes a JSON report. */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { type AlsWorkerPool } from '@recsys/algorithms';
import { DATASET_FORMATS, loadDataset, type DatasetFormat } from '@recsys/datasets';
import {
  createRecommender,
  evaluate,
  formatComparison,
  formatReport,
  leaveLastOutSplit,
  parseModelSpec,
  randomHoldoutSplit,
  RECOMMENDER_ALIASES,
  RECOMMENDERS,
  splitFromFiles,
  timeCutSplit,
  type EvalReport,
  type ProtocolName,
  type SideInfo,
  type Split,
} from '@recsys/evaluation';
import { startAlsThreads, threadsUsage, type AlsThreadOptions } from '../als-threads';
import { intArg } from '../args';
import { progressBar, type Progress } from '../progress';

/** Usage text of the command. */
export const EVAL_USAGE = `recsys eval — offline evaluation of recommenders on a dataset

Usage: npx recsys eval --data PATH --format FORMAT [--split KIND] [--model NAME[:key=value,...]]... [options]

  --data PATH          dataset folder (MovieLens, world) or file (interactions CSV); with --split files, the train file
  --format FORMAT      movielens-100k | movielens-1m | movielens-csv | interactions-csv | world
  --split KIND         random (default): per-user random holdout of --test-fraction, users with < 2 interactions all-train
                       leave-last: each user's latest interaction to test
                       time-cut: interactions after a global time cut to test: the (1 - --test-fraction) quantile of
                         all timestamps, or --cut DATE|MS
                       files: --data is the train file, --test-data the test file (same --format)
  --test-fraction F    share held out (default 0.2)
  --cut DATE|MS        absolute time cut for --split time-cut (ISO 8601 date-time or ms since 1970)
  --test-data PATH     test file for --split files
  --model SPEC         a model, repeatable (default pop,random): ${Object.keys(RECOMMENDERS).join(', ')}
                       names without parameters may be comma-separated (pop,random); parameters follow a colon,
                       comma-separated: segment-pop:attributes=gender+ageBucket,minSegmentUsers=20
  --k LIST             cut-offs, e.g. 10,20 (default 10,20)
  --protocol P         full (default): rank every item not in the user's training set
                       sampled: rank each test item among --negatives random items the user never interacted with
  --negatives N        negatives per test item under --protocol sampled (default 100)
  --max-users N        evaluate a seeded sample of at most N test users (default: all)
  --seed N             seed of the split, the random model, sampled negatives (default 42)
  --out FILE           also write the reports as JSON ({ "reports": [...] })
  --threads N          ${threadsUsage(23)}
  --skip-malformed     skip and count malformed rows instead of stopping at the first

Ratings (MovieLens) are used as implicit interactions: every rated item is an interaction, and every held-out
rated item is relevant, whatever its rating. Every table states its dataset, split, protocol and K; figures of
the sampled protocol are not comparable with full-ranking ones.`;

/**
 * The model specs of the `--model` values: a value with parameters (`name:key=value,...`) is one spec, a value
 * without is a comma-separated list of names. Empty → the default `pop`, `random`.
 */
export function parseModelList(values: readonly string[]): string[] {
  const specs = values.flatMap((v) => (v.includes(':') ? [v.trim()] : v.split(',').map((s) => s.trim()).filter(Boolean)));
  return specs.length > 0 ? specs : ['pop', 'random'];
}

/** Split kinds the command accepts (with the library's names as aliases). */
export type EvalSplitKind = 'random' | 'leave-last' | 'time-cut' | 'files';

/** Options of {@link evalCommand}. */
export interface EvalCommandOptions extends AlsThreadOptions {
  /** Dataset path; with split `files`, the train file. */
  data: string;
  format: DatasetFormat;
  split: EvalSplitKind | 'random-holdout' | 'leave-last-out';
  /** Share held out: per user for `random` (default 0.2), of all interactions by time for `time-cut` without `cut`. */
  testFraction?: number;
  /** Absolute cut for `time-cut`: an ISO 8601 date-time or ms since 1970. */
  cut?: string;
  /** Test file for split `files`. */
  testData?: string;
  seed: number;
  /** Model specs, `name` or `name:key=value,...` (see `createRecommender`). */
  models: string[];
  ks: number[];
  protocol: ProtocolName;
  /** Negatives per positive under the sampled protocol (default 100). */
  negatives?: number;
  /** Evaluate a seeded sample of at most this many test users. */
  maxUsers?: number;
  /** Where to write the JSON reports. */
  out?: string;
  skipMalformed?: boolean;
  /** Show progress bars on stderr (default true). */
  progress?: boolean;
  /** Where the tables go (default console.log). */
  print?: (text: string) => void;
}

/**
 * Parses the command line of `recsys eval` (the arguments after `eval`) into {@link EvalCommandOptions}, with
 * the defaults of {@link EVAL_USAGE}. Throws an Error naming the option on a bad value.
 */
export function parseEvalArgs(args: string[]): EvalCommandOptions {
  const { values } = parseArgs({
    args,
    options: {
      data: { type: 'string' },
      format: { type: 'string' },
      split: { type: 'string', default: 'random' },
      'test-fraction': { type: 'string' },
      cut: { type: 'string' },
      'test-data': { type: 'string' },
      model: { type: 'string', multiple: true },
      k: { type: 'string', default: '10,20' },
      protocol: { type: 'string', default: 'full' },
      negatives: { type: 'string' },
      'max-users': { type: 'string' },
      seed: { type: 'string', default: '42' },
      out: { type: 'string' },
      threads: { type: 'string' },
      'skip-malformed': { type: 'boolean', default: false },
    },
  });
  if (!values.data) throw new Error('--data is required');
  if (!values.format || !(DATASET_FORMATS as readonly string[]).includes(values.format)) {
    throw new Error(`--format must be one of ${DATASET_FORMATS.join(', ')} (got ${values.format === undefined ? 'nothing' : `"${values.format}"`})`);
  }
  if (values.protocol !== 'full' && values.protocol !== 'sampled') throw new Error(`--protocol must be full or sampled (got "${values.protocol}")`);
  const int = (name: string, text: string | undefined, min: number) => intArg(text, name, min);
  const ks = values.k.split(',').map((k) => int('k', k.trim(), 1) as number);
  const testFraction = values['test-fraction'] === undefined ? undefined : Number(values['test-fraction']);
  if (testFraction !== undefined && !(testFraction > 0 && testFraction < 1)) throw new Error(`--test-fraction must be in (0, 1) (got "${values['test-fraction']}")`);
  return {
    data: values.data,
    format: values.format as DatasetFormat,
    split: canonicalSplit(values.split),
    testFraction,
    cut: values.cut,
    testData: values['test-data'],
    seed: int('seed', values.seed, 0) as number,
    models: parseModelList(values.model ?? []),
    ks,
    protocol: values.protocol,
    negatives: int('negatives', values.negatives, 1),
    maxUsers: int('max-users', values['max-users'], 1),
    out: values.out,
    threads: int('threads', values.threads, 1),
    skipMalformed: values['skip-malformed'],
  };
}

/** Runs the evaluation: one report per model, in the order given. */
export async function evalCommand(opts: EvalCommandOptions): Promise<EvalReport[]> {
  const print = opts.print ?? ((text: string) => console.log(text));
  const showProgress = opts.progress ?? true;
  if (opts.models.length === 0) throw new Error('no model given');
  const specs = opts.models.map(parseModelSpec);
  // Fail on a model typo before spending time on loading.
  for (const spec of specs) createRecommender(spec.name, withSeed(spec, opts.seed));

  const { split, side, dataset, notes } = await loadSplit(opts, showProgress);
  const alsPool = specs.some((spec) => (RECOMMENDER_ALIASES[spec.name] ?? spec.name) === 'als') ? await startAlsThreads(opts, print) : undefined;
  try {
    return await evaluateModels(opts, specs, { split, side, dataset, notes }, print, alsPool);
  } finally {
    await alsPool?.close();
  }
}

/** Fits and evaluates each model in turn (ALS on `alsPool`'s threads when given), prints and writes the reports. */
async function evaluateModels(
  opts: EvalCommandOptions,
  specs: { name: string; params: Record<string, string> }[],
  { split, side, dataset, notes }: { split: Split; side: SideInfo; dataset: string; notes: string[] },
  print: (text: string) => void,
  alsPool: AlsWorkerPool | undefined,
): Promise<EvalReport[]> {
  const showProgress = opts.progress ?? true;
  const reports: EvalReport[] = [];
  for (const spec of specs) {
    const model = createRecommender(spec.name, withSeed(spec, opts.seed), { alsPool });
    const fitStarted = performance.now();
    await model.fit(split.train, side);
    const fitSeconds = (performance.now() - fitStarted) / 1000;
    const bar = showProgress ? lazyProgress(`eval ${model.name}`) : undefined;
    const report = evaluate(model, split, {
      protocol: opts.protocol,
      ks: opts.ks,
      negatives: opts.negatives,
      seed: opts.seed,
      dataset,
      maxUsers: opts.maxUsers,
      onProgress: bar?.update,
    });
    bar?.done(`${report.usersPerSecond.toFixed(0)} users/s`);
    report.fitSeconds = fitSeconds;
    report.notes.push(...notes);
    reports.push(report);
    print(`${formatReport(report)}\n`);
  }
  if (reports.length > 1) print(`${formatComparison(reports)}\n`);
  if (opts.out) {
    writeFileSync(opts.out, `${JSON.stringify({ reports }, null, 2)}\n`);
    print(`wrote ${opts.out}`);
  }
  return reports;
}

/** Loads the data and builds the split, with the dataset label and notes for the reports. */
async function loadSplit(
  opts: EvalCommandOptions,
  showProgress: boolean,
): Promise<{ split: Split; side: SideInfo; dataset: string; notes: string[] }> {
  const kind = canonicalSplit(opts.split);
  const testFraction = opts.testFraction ?? 0.2;
  if (!(testFraction > 0 && testFraction < 1)) throw new Error(`--test-fraction must be in (0, 1), got ${testFraction}`);
  const notes: string[] = [];
  if (kind === 'files') {
    if (!opts.testData) throw new Error('--split files needs --test-data (the test file; --data is the train file)');
    const split = await splitFromFiles(opts.data, opts.testData, { format: opts.format, skipMalformed: opts.skipMalformed });
    if (split.skipped > 0) notes.push(`${split.skipped} malformed rows skipped while loading`);
    return { split, side: {}, dataset: `${split.description.replace('given split: ', '')} (${opts.format})`, notes };
  }
  const bar = showProgress ? lazyProgress(`load ${opts.format}`) : undefined;
  const loaded = await loadDataset(opts.data, opts.format, { skipMalformed: opts.skipMalformed, onProgress: bar?.update });
  bar?.done(`${loaded.matrix.indptr[loaded.matrix.nUsers]} interactions`);
  if (loaded.skipped > 0) notes.push(`${loaded.skipped} malformed rows skipped while loading`);
  if (loaded.explicit) notes.push('ratings used as implicit interactions: every held-out rated item is relevant');
  let split: Split;
  if (kind === 'random') split = randomHoldoutSplit(loaded.matrix, { testFraction, seed: opts.seed });
  else if (kind === 'leave-last') split = leaveLastOutSplit(loaded.matrix);
  else split = timeCutSplit(loaded.matrix, opts.cut === undefined ? { quantile: 1 - testFraction } : { cutMs: parseInstant(opts.cut) });
  return { split, side: { users: loaded.users, items: loaded.items }, dataset: `${loaded.name} (${loaded.format})`, notes };
}

/** A progress bar created at the first report, when the total is known. */
function lazyProgress(label: string): { update: (done: number, total: number) => void; done: (summary: string) => void } {
  let bar: Progress | undefined;
  return {
    update: (done, total) => {
      bar ??= progressBar(label, total);
      bar.update(done);
    },
    done: (summary) => bar?.done(summary),
  };
}

function canonicalSplit(split: string): EvalSplitKind {
  const aliases: Record<string, EvalSplitKind> = {
    random: 'random',
    'random-holdout': 'random',
    'leave-last': 'leave-last',
    'leave-last-out': 'leave-last',
    'time-cut': 'time-cut',
    time: 'time-cut',
    files: 'files',
  };
  const kind = aliases[split];
  if (!kind) throw new Error(`--split must be random, leave-last, time-cut or files (got "${split}")`);
  return kind;
}

/** An ISO 8601 date-time or a number of ms since 1970. */
function parseInstant(text: string): number {
  const ms = /^-?\d+(\.\d+)?$/.test(text.trim()) ? Number(text) : Date.parse(text);
  if (!Number.isFinite(ms)) throw new Error(`--cut must be an ISO 8601 date-time or ms since 1970 (got "${text}")`);
  return ms;
}

/** The spec's parameters, with the run seed for a model that takes a seed and was not given one. */
function withSeed(spec: { name: string; params: Record<string, string> }, seed: number): Record<string, string | number> {
  const entry = RECOMMENDERS[RECOMMENDER_ALIASES[spec.name] ?? spec.name];
  return entry && 'seed' in entry.params && spec.params.seed === undefined ? { ...spec.params, seed } : spec.params;
}
