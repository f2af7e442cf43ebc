/**
 * `recsys experiment plan|analyze`: designing an A/B test (sample size, power, duration) and analysing one from the
 * logs the system writes (exposure in the served log, behaviour in the engagement log), with @recsys/experiments.
 */
import { parseArgs } from 'node:util';
import { ServedEvent, decodeEngagement } from '@recsys/contracts';
import { RecsysError } from '@recsys/domain';
import {
  HOLDOUT_ARM,
  addToTally,
  armShare,
  analyzeEngagement,
  emptyTally,
  engagementMetric,
  mixtureSprt,
  planExperiment,
  readExperimentConfig,
  reportTable,
  planTable,
  type EffectSize,
  type EngagementMetric,
  type EngagementTally,
  type ExperimentPlan,
  type ExperimentReport,
  type MetricDesign,
  type TallyEventType,
  type TextTable,
} from '@recsys/experiments';
import { TOPICS, openEventBus, openFileLogEventBus, replayTopics, type EventBus } from '@recsys/stores';
import { renderTable } from '../table';

export const EXPERIMENT_USAGE = `recsys experiment — design and analyse A/B tests (docs/experiments.md)

recsys experiment plan   sample size per arm and duration
  --metric proportion|mean|ratio (proportion)
  proportion: --baseline P (rate in (0,1))            mean: --baseline MEAN --variance S2 (per-user variance)
  [--treatment-variance S2 (the treatment arm's, from a pilot, when it differs; default: --variance)]
  ratio: --numerator-mean --denominator-mean --numerator-variance --denominator-variance --covariance (per user)
  --mde X (absolute) | --mde-relative X (e.g. 0.05 = +5%)   --alpha A (0.05)  --power P (0.8)
  --allocation K (treatment users per control user, 1)  --pooled (proportions: variance pooled under H0)
  --users-per-day N --traffic SHARE (0..1]: the duration, rounded up to whole weeks   --json

recsys experiment analyze   per-arm metrics, the test, CUPED and the SRM check, from the logs
  --log DIR (.data/bus) | --brokers HOST:PORT     --layer NAME (required)
  --control ARM (control)  --treatment ARM (default: every other arm seen, each against the control)
  --metric ctr|save-rate|hide-rate|clicks|saves|dwell|saver|clicker (ctr)
  --from TIME --to TIME (the experiment window; default: all)   --pre-from TIME (CUPED: the same metric over
  [pre-from, from) per user)   --experiments FILE (expected shares from the layer's bucket ranges; default: equal)
  --alpha A (0.05)  --json
  --sequential --mde X: also an always-valid p-value (mSPRT, mixing variance X²) at the end of every --look-hours
  (24) from --from to --to, as a team peeking daily would see it
  TIME: ms since the epoch or an ISO date. A user belongs to the arm of their first served page in the window
  (exposure logging); users seen in two arms of the layer are counted apart and left out.
`;

function num(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw RecsysError.badRequest(`--${name}`, `must be a number (got "${value}")`);
  return n;
}

function required(value: number | undefined, name: string, why: string): number {
  if (value === undefined) throw RecsysError.badRequest(`--${name}`, `is required ${why}`);
  return value;
}

function time(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const ms = /^\d+$/.test(value) ? Number(value) : Date.parse(value);
  if (!Number.isFinite(ms)) throw RecsysError.badRequest(`--${name}`, `must be ms since the epoch or an ISO date (got "${value}")`);
  return ms;
}

/** Prints a library table through the CLI's renderer. */
function printTable(t: TextTable): string {
  return [renderTable(t.headers, t.rows), ...t.notes].join('\n');
}

/** `experiment plan`: the plan of the arguments. */
export function planFromArgs(args: string[]): { plan: ExperimentPlan; json: boolean } {
  const { values } = parseArgs({
    args,
    options: {
      metric: { type: 'string', default: 'proportion' },
      baseline: { type: 'string' },
      variance: { type: 'string' },
      'treatment-variance': { type: 'string' },
      'numerator-mean': { type: 'string' },
      'denominator-mean': { type: 'string' },
      'numerator-variance': { type: 'string' },
      'denominator-variance': { type: 'string' },
      covariance: { type: 'string' },
      mde: { type: 'string' },
      'mde-relative': { type: 'string' },
      alpha: { type: 'string' },
      power: { type: 'string' },
      allocation: { type: 'string' },
      pooled: { type: 'boolean', default: false },
      'users-per-day': { type: 'string' },
      traffic: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  });
  let metric: MetricDesign;
  if (values.metric === 'proportion') metric = { kind: 'proportion', baseline: required(num(values.baseline, 'baseline'), 'baseline', 'for a proportion (the baseline rate)') };
  else if (values.metric === 'mean') {
    metric = {
      kind: 'mean',
      baseline: required(num(values.baseline, 'baseline'), 'baseline', 'for a mean'),
      variance: required(num(values.variance, 'variance'), 'variance', 'for a mean (the per-user variance)'),
      treatmentVariance: num(values['treatment-variance'], 'treatment-variance'),
    };
  } else if (values.metric === 'ratio') {
    const r = (name: string) => required(num(values[name as keyof typeof values] as string | undefined, name), name, 'for a ratio metric');
    metric = {
      kind: 'ratio',
      numeratorMean: r('numerator-mean'),
      denominatorMean: r('denominator-mean'),
      numeratorVariance: r('numerator-variance'),
      denominatorVariance: r('denominator-variance'),
      covariance: r('covariance'),
    };
  } else throw RecsysError.badRequest('--metric', `must be proportion, mean or ratio (got "${values.metric}")`);
  const abs = num(values.mde, 'mde');
  const rel = num(values['mde-relative'], 'mde-relative');
  if ((abs === undefined) === (rel === undefined)) throw RecsysError.badRequest('--mde', 'give exactly one of --mde (absolute) or --mde-relative');
  const mde: EffectSize = abs !== undefined ? { absolute: abs } : { relative: rel as number };
  const perDay = num(values['users-per-day'], 'users-per-day');
  const share = num(values.traffic, 'traffic');
  if (share !== undefined && perDay === undefined) throw RecsysError.badRequest('--users-per-day', 'is required with --traffic');
  const plan = planExperiment({
    metric,
    mde,
    alpha: num(values.alpha, 'alpha'),
    power: num(values.power, 'power'),
    allocationRatio: num(values.allocation, 'allocation'),
    variance: values.pooled ? 'pooled' : undefined,
    traffic: perDay === undefined ? undefined : { dailyEligibleUsers: perDay, trafficShare: share ?? 1 },
  });
  return { plan, json: values.json };
}

/** Renders `experiment plan`'s answer. */
export function formatPlan(plan: ExperimentPlan): string {
  return printTable(planTable(plan));
}

/** Options of {@link analyzeLogs}. */
export interface AnalyzeOptions {
  log?: string;
  brokers?: string[];
  layer: string;
  control: string;
  treatments?: string[];
  metric: string;
  fromMs?: number;
  toMs?: number;
  preFromMs?: number;
  experimentsFile?: string;
  alpha?: number;
  /** Sequential looks (mSPRT) every `lookHours` with mixing variance `mde`²; needs --from and --to. */
  sequential?: { mde: number; lookHours: number };
  json: boolean;
}

/** Parses `experiment analyze` arguments. */
export function parseAnalyzeArgs(args: string[]): AnalyzeOptions {
  const { values } = parseArgs({
    args,
    options: {
      log: { type: 'string' },
      brokers: { type: 'string' },
      layer: { type: 'string' },
      control: { type: 'string', default: 'control' },
      treatment: { type: 'string', multiple: true },
      metric: { type: 'string', default: 'ctr' },
      from: { type: 'string' },
      to: { type: 'string' },
      'pre-from': { type: 'string' },
      experiments: { type: 'string' },
      alpha: { type: 'string' },
      sequential: { type: 'boolean', default: false },
      mde: { type: 'string' },
      'look-hours': { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  });
  if (values.log !== undefined && values.brokers !== undefined) throw RecsysError.badRequest('--log', 'give one of --log DIR or --brokers HOST:PORT');
  if (values.layer === undefined) throw RecsysError.badRequest('--layer', 'is required (the experiment layer to analyse)');
  engagementMetric(values.metric, '--metric');
  const opts: AnalyzeOptions = {
    log: values.brokers === undefined ? (values.log ?? '.data/bus') : undefined,
    brokers: values.brokers?.split(',').map((b) => b.trim()).filter(Boolean),
    layer: values.layer,
    control: values.control,
    treatments: values.treatment,
    metric: values.metric,
    fromMs: time(values.from, 'from'),
    toMs: time(values.to, 'to'),
    preFromMs: time(values['pre-from'], 'pre-from'),
    experimentsFile: values.experiments,
    alpha: num(values.alpha, 'alpha'),
    json: values.json,
  };
  if (values.sequential) {
    const mde = num(values.mde, 'mde');
    if (mde === undefined || mde === 0) throw RecsysError.badRequest('--mde', 'is required with --sequential (the effect the mixture is sized for, in metric units)');
    const lookHours = num(values['look-hours'], 'look-hours') ?? 24;
    if (!(lookHours > 0)) throw RecsysError.badRequest('--look-hours', 'must be > 0');
    if (opts.fromMs === undefined || opts.toMs === undefined) throw RecsysError.badRequest('--sequential', 'needs --from and --to (the looks fall between them)');
    opts.sequential = { mde, lookHours };
  } else if (values.mde !== undefined || values['look-hours'] !== undefined) {
    throw RecsysError.badRequest('--mde', '--mde and --look-hours belong to --sequential');
  }
  if (opts.preFromMs !== undefined && opts.fromMs === undefined) throw RecsysError.badRequest('--pre-from', 'needs --from (the pre-period ends where the experiment starts)');
  if (opts.preFromMs !== undefined && opts.fromMs !== undefined && opts.preFromMs >= opts.fromMs) throw RecsysError.badRequest('--pre-from', 'must be before --from');
  return opts;
}

/** What the logs say about one layer: each exposed user's arm and their tallies in the window and the pre-period. */
export interface LayerExposure {
  /** Arm of each user exposed in the window (first served page), users seen in two arms left out. */
  arms: Map<string, string>;
  /** Users whose served pages name two arms of the layer (an override, or a configuration change mid-window). */
  conflicting: number;
  /** Served pages in the window that name the layer. */
  pages: number;
  during: Map<string, EngagementTally>;
  pre: Map<string, EngagementTally>;
  /** Time of each user's first served page in the window. */
  firstExposureMs: Map<string, number>;
  /** The window's events of exposed users, for sequential looks (kept only when asked). */
  windowEvents: { userId: string; type: TallyEventType; timestampMs: number; dwellMs: number }[];
}

const inWindow = (t: number, from: number | undefined, to: number | undefined) => (from === undefined || t >= from) && (to === undefined || t < to);

/** Reads exposure (served log) and behaviour (engagement log) of `layer` from a bus, streaming both topics. */
export async function readLayerExposure(bus: EventBus, opts: Pick<AnalyzeOptions, 'layer' | 'fromMs' | 'toMs' | 'preFromMs' | 'sequential'>): Promise<LayerExposure> {
  const arms = new Map<string, string>();
  const firstExposureMs = new Map<string, number>();
  const windowEvents: LayerExposure['windowEvents'] = [];
  const conflicted = new Set<string>();
  let pages = 0;
  const read = async (topic: string, onMessage: (value: Uint8Array) => void) => {
    const replay = await replayTopics(bus, `recsys-experiment-${process.pid}`, [{ topic, handler: async (batch) => batch.forEach((m) => onMessage(m.value)) }]);
    await replay.stop();
  };
  await read(TOPICS.served, (value) => {
    let served: ServedEvent;
    try {
      served = ServedEvent.decode(value);
    } catch {
      return; // an undecodable record is not an exposure
    }
    const arm = served.experimentArms[opts.layer];
    if (arm === undefined || !inWindow(Number(served.timestampMs), opts.fromMs, opts.toMs)) return;
    pages++;
    const at = Number(served.timestampMs);
    const before = arms.get(served.userId);
    if (before === undefined) arms.set(served.userId, arm);
    else if (before !== arm) conflicted.add(served.userId);
    firstExposureMs.set(served.userId, Math.min(at, firstExposureMs.get(served.userId) ?? at));
  });
  for (const user of conflicted) arms.delete(user);
  const during = new Map<string, EngagementTally>();
  const pre = new Map<string, EngagementTally>();
  const tallyOf = (m: Map<string, EngagementTally>, user: string) => {
    let t = m.get(user);
    if (t === undefined) m.set(user, (t = emptyTally()));
    return t;
  };
  await read(TOPICS.engagement, (value) => {
    let event;
    try {
      event = decodeEngagement(value);
    } catch {
      return;
    }
    if (!arms.has(event.userId)) return;
    if (inWindow(event.timestampMs, opts.fromMs, opts.toMs)) {
      addToTally(tallyOf(during, event.userId), event.type, event.dwellMs);
      if (opts.sequential) windowEvents.push({ userId: event.userId, type: event.type, timestampMs: event.timestampMs, dwellMs: event.dwellMs });
    }
    else if (opts.preFromMs !== undefined && opts.fromMs !== undefined && inWindow(event.timestampMs, opts.preFromMs, opts.fromMs)) {
      addToTally(tallyOf(pre, event.userId), event.type, event.dwellMs);
    }
  });
  return { arms, conflicting: conflicted.size, pages, during, pre, firstExposureMs, windowEvents };
}

/** One treatment arm against the control. */
export interface ArmAnalysis {
  treatment: string;
  users: { control: number; treatment: number };
  report: ExperimentReport;
  /** With --sequential: one look per period, the always-valid p-value a team peeking then would have seen. */
  looks?: SequentialLookReport[];
}

/** One sequential look of `experiment analyze --sequential`. */
export interface SequentialLookReport {
  atMs: number;
  users: { control: number; treatment: number };
  difference: number;
  standardError: number;
  /** mSPRT always-valid p-value (non-increasing over the looks). */
  pValue: number;
}

/** The answer of `experiment analyze`. */
export interface LayerAnalysis {
  layer: string;
  metric: string;
  description: string;
  pages: number;
  conflicting: number;
  heldOut: number;
  comparisons: ArmAnalysis[];
}

/** Expected share of each arm of `layer` in the configuration file ({@link armShare}: its bucket range, less the holdout), or undefined. */
function sharesOf(file: string | undefined, layer: string): Map<string, number> | undefined {
  if (file === undefined) return undefined;
  const config = readExperimentConfig(file).config;
  const l = config.layers.find((x) => x.name === layer);
  if (l === undefined) throw RecsysError.badRequest('--layer', `layer "${layer}" is not in ${file}; there: ${config.layers.map((x) => x.name).join(', ') || '(none)'}`);
  return new Map(l.arms.map((a) => [a.name, armShare(config, l, a)]));
}

/**
 * Analyses one layer from exposure and behaviour: each treatment arm against the control. `shares` are the arms'
 * expected shares (bucket ranges of the configuration; equal when absent).
 */
export function analyzeExposure(exposure: LayerExposure, opts: Omit<AnalyzeOptions, 'log' | 'brokers' | 'json' | 'experimentsFile'>, shares?: Map<string, number>): LayerAnalysis {
  const metric = engagementMetric(opts.metric, '--metric');
  const byArm = new Map<string, string[]>();
  for (const [user, arm] of exposure.arms) {
    const users = byArm.get(arm) ?? [];
    users.push(user);
    byArm.set(arm, users);
  }
  const control = byArm.get(opts.control);
  if (control === undefined) {
    throw RecsysError.badRequest('--control', `no user of arm "${opts.control}" in layer "${opts.layer}" was served in the window; arms seen: ${[...byArm.keys()].join(', ') || '(none)'}`);
  }
  const treatments = opts.treatments ?? [...byArm.keys()].filter((a) => a !== opts.control && a !== HOLDOUT_ARM).sort();
  if (treatments.length === 0) throw RecsysError.badRequest('--treatment', `no other arm of layer "${opts.layer}" was served in the window`);
  const withPre = opts.preFromMs !== undefined;
  const tallies = (users: string[]) => ({
    tallies: users.map((u) => exposure.during.get(u) ?? emptyTally()),
    pre: withPre ? users.map((u) => exposure.pre.get(u) ?? emptyTally()) : undefined,
  });
  const comparisons = treatments.map((treatment): ArmAnalysis => {
    const users = byArm.get(treatment);
    if (users === undefined) throw RecsysError.badRequest('--treatment', `no user of arm "${treatment}" was served in the window`);
    let expectedShares: [number, number] | undefined;
    if (shares !== undefined) {
      const c = shares.get(opts.control);
      const t = shares.get(treatment);
      if (c === undefined || t === undefined) throw RecsysError.badRequest('--experiments', `arm "${c === undefined ? opts.control : treatment}" is not in layer "${opts.layer}" of the file`);
      expectedShares = [c, t];
    }
    const report = analyzeEngagement(metric, tallies(control), tallies(users), { expectedShares, alpha: opts.alpha });
    const looks = opts.sequential ? sequentialLooks(exposure, metric, control, users, opts) : undefined;
    return { treatment, users: { control: control.length, treatment: users.length }, report, looks };
  });
  return {
    layer: opts.layer,
    metric: opts.metric,
    description: metric.description,
    pages: exposure.pages,
    conflicting: exposure.conflicting,
    heldOut: byArm.get(HOLDOUT_ARM)?.length ?? 0,
    comparisons,
  };
}

/**
 * The looks of a team that peeks every `lookHours` from `fromMs`: at each, the users exposed by then with their events
 * up to then, compared as {@link analyzeEngagement} compares them (difference and its standard error), and the
 * mSPRT's always-valid p-value over the looks so far (mixing variance mde²): p ≤ α at any look keeps the false
 * positive rate ≤ α however often one looks.
 */
function sequentialLooks(exposure: LayerExposure, metric: EngagementMetric, control: string[], treatment: string[], opts: Omit<AnalyzeOptions, 'log' | 'brokers' | 'json' | 'experimentsFile'>): SequentialLookReport[] {
  const { mde, lookHours } = opts.sequential!;
  const from = opts.fromMs!;
  const to = opts.toMs!;
  const step = lookHours * 3_600_000;
  const events = [...exposure.windowEvents].sort((a, b) => a.timestampMs - b.timestampMs);
  const tallies = new Map<string, EngagementTally>();
  const looks: { atMs: number; users: { control: number; treatment: number }; difference: number; standardError: number }[] = [];
  let next = 0;
  for (let at = Math.min(from + step, to); ; at = Math.min(at + step, to)) {
    for (; next < events.length && events[next].timestampMs < at; next++) {
      const e = events[next];
      let t = tallies.get(e.userId);
      if (t === undefined) tallies.set(e.userId, (t = emptyTally()));
      addToTally(t, e.type, e.dwellMs);
    }
    const exposed = (users: string[]) => users.filter((u) => (exposure.firstExposureMs.get(u) ?? Infinity) < at);
    const c = exposed(control);
    const t = exposed(treatment);
    if (c.length >= 2 && t.length >= 2) {
      const arm = (users: string[]) => ({ tallies: users.map((u) => tallies.get(u) ?? emptyTally()) });
      const d = analyzeEngagement(metric, arm(c), arm(t)).comparison.difference;
      looks.push({ atMs: at, users: { control: c.length, treatment: t.length }, difference: d.estimate, standardError: d.standardError });
    }
    if (at >= to) break;
  }
  const sprt = mixtureSprt(looks.map((l) => ({ difference: l.difference, variance: l.standardError ** 2 })), { mixingVariance: mde * mde, alpha: opts.alpha });
  return looks.map((l, i) => ({ ...l, pValue: sprt.pValues[i] }));
}

/** `experiment analyze`: reads the logs and analyses the layer. */
export async function analyzeLogs(opts: AnalyzeOptions): Promise<LayerAnalysis> {
  const shares = sharesOf(opts.experimentsFile, opts.layer); // a bad file fails before the logs are read
  const bus = opts.log !== undefined ? await openFileLogEventBus(opts.log) : await openEventBus({ backend: 'redis-kafka', dataDir: '.', kafkaBrokers: opts.brokers, clientId: 'recsys-experiment' });
  try {
    return analyzeExposure(await readLayerExposure(bus, opts), opts, shares);
  } finally {
    await bus.close();
  }
}

/** Renders `experiment analyze`'s answer for a terminal. */
export function formatAnalysis(a: LayerAnalysis): string {
  const lines = [
    `layer ${a.layer}, metric ${a.metric} (${a.description}); ${a.pages} served pages in the window` +
      (a.conflicting > 0 ? `; ${a.conflicting} users seen in two arms left out` : '') +
      (a.heldOut > 0 ? `; ${a.heldOut} held-out users not compared` : ''),
  ];
  for (const c of a.comparisons) {
    lines.push('', `${c.treatment} vs control: ${c.users.treatment} vs ${c.users.control} users`, printTable(reportTable(c.report)));
    if (c.looks !== undefined) {
      lines.push(
        '',
        'sequential looks (mSPRT: an always-valid p-value, safe to read at every look):',
        renderTable(
          ['look at', 'users (control / treatment)', 'difference', 'std error', 'always-valid p'],
          c.looks.map((l) => [new Date(l.atMs).toISOString(), `${l.users.control} / ${l.users.treatment}`, l.difference.toPrecision(4), l.standardError.toPrecision(4), l.pValue.toPrecision(4)]),
        ),
      );
    }
  }
  return lines.join('\n');
}
