/**
 * `recsys world calibrate`: fits the world's parameters so that a world the size of a real dataset has that dataset's
 * statistics (`datasetStatistics`) within stated tolerances, and writes the world configuration.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { DatasetStatistics } from '@recsys/evaluation';
import { CALIBRATED_WORLD, type WorldOptions } from '@recsys/simulator';
import { intArg } from '../args';
import { renderTable } from '../table';
import { WORLD_DEFAULTS } from './world';
import { parseDataSpec, statisticsOf, worldStatistics, type StatsSource } from './world-stats';

export const WORLD_CALIBRATE_USAGE = `recsys world calibrate — fit the world's parameters to a real dataset's statistics

Usage: npx recsys world calibrate --from FORMAT:PATH [--out FILE] [--seed N] [--rounds N]

  --from FORMAT:PATH   the dataset to match (e.g. movielens-csv:../shared/datasets/ml-latest-small)
  --out FILE           the world configuration to write (JSON; default world-config.json): the fitted parameters,
                       the statistics matched and each one's tolerance (read by world stats --config)
  --seed N             seed of the candidate worlds (7)      --rounds N   coordinate-descent rounds (2)

Two stages of coordinate descent, each minimising Σ ((statistic − target) / tolerance)² (a statistic within its
tolerance counts as matched). Stage 1, on worlds of the dataset's users and interacted items as users and pins and
as many events as give its number of positives (within 15%): the activity cap and tail α, the logging policy's
interest share and the virality σ, against the distributional statistics. Stage 2, on worlds of the demo's size
(100k pins, 10k users, 1M events): theme exposure, theme weight and themes per topic, so that item-CF's NDCG@10
over popularity's matches the dataset's — the collaborative signal the models see, at the sparsity they will see.`;

/** A matched statistic: how to read it and how close is close enough. */
export interface CalibrationTarget {
  name: string;
  value: (s: DatasetStatistics) => number;
  tolerance: number;
}

/** Stage 1 (at the dataset's size): the distributional statistics, with their tolerances (absolute). */
export const CALIBRATION_TARGETS: readonly CalibrationTarget[] = [
  { name: 'positives per user: Gini', value: (s) => s.perUser.gini, tolerance: 0.05 },
  { name: 'users per item: Gini', value: (s) => s.perItem.gini, tolerance: 0.05 },
  { name: 'top 1% of items: share of positives', value: (s) => s.top1PercentShare, tolerance: 0.03 },
  { name: 'popularity exponent', value: (s) => s.popularityExponent, tolerance: 0.15 },
  { name: 'co-engaged pairs: cosine mean', value: (s) => s.coEngagement.mean, tolerance: 0.03 },
  { name: 'positives on the user’s 3 top topics', value: (s) => s.topTopicShare ?? NaN, tolerance: 0.05 },
];

/** Stage 2 (at the demo's size): the collaborative signal, as models measure it. */
export const COLLABORATIVE_TARGET: CalibrationTarget = { name: 'item-CF / popularity NDCG@10', value: (s) => s.itemCfLift ?? NaN, tolerance: 0.3 };

/** The parameters searched, each over its grid: stage 1 the popularity and activity ones, stage 2 the themes. */
type Param = 'viralitySigma' | 'activityAlpha' | 'activityCap' | 'loggingInterestShare' | 'themeExposure' | 'themeWeight' | 'themesPerTopic';
const STAGE_1: Partial<Record<Param, readonly number[]>> = {
  activityCap: [100, 300, 1000],
  activityAlpha: [1.05, 1.2, 1.5, 2],
  loggingInterestShare: [0.6, 0.75, 0.9],
  viralitySigma: [0.5, 1, 1.5, 2],
};
const STAGE_2: Partial<Record<Param, readonly number[]>> = {
  themeExposure: [0, 0.25, 0.5, 0.75, 1],
  themeWeight: [0.25, 0.5, 0.75],
  themesPerTopic: [6, 12, 24],
};

/** Σ over `targets` of ((value − target) / tolerance)² (a missing statistic costs as much as 10 tolerances). */
export function calibrationLoss(stats: DatasetStatistics, target: DatasetStatistics, targets: readonly CalibrationTarget[] = CALIBRATION_TARGETS): number {
  let loss = 0;
  for (const t of targets) {
    const d = (t.value(stats) - t.value(target)) / t.tolerance;
    loss += Number.isFinite(d) ? d * d : 100;
  }
  return loss;
}

/**
 * Coordinate descent: for `rounds` rounds, each parameter in turn takes the value of its grid with the least loss
 * (the others held); `evaluate` runs once per distinct parameter set. Returns the parameters and the statistics of the
 * best world.
 */
function coordinateDescent(
  start: Record<Param, number>,
  grids: Partial<Record<Param, readonly number[]>>,
  rounds: number,
  evaluate: (p: Record<Param, number>) => { stats: DatasetStatistics; loss: number },
  progress: (line: string) => void,
): { params: Record<Param, number>; stats: DatasetStatistics; loss: number } {
  const seen = new Map<string, { stats: DatasetStatistics; loss: number }>();
  const cached = (p: Record<Param, number>) => {
    const key = JSON.stringify(p);
    let hit = seen.get(key);
    if (hit === undefined) seen.set(key, (hit = evaluate(p)));
    return hit;
  };
  let params = start;
  let best = cached(params);
  progress(`start ${JSON.stringify(params)} → loss ${best.loss.toFixed(2)}`);
  for (let round = 1; round <= rounds; round++) {
    for (const name of Object.keys(grids) as Param[]) {
      for (const value of grids[name] ?? []) {
        const candidate = { ...params, [name]: value };
        const result = cached(candidate);
        if (result.loss < best.loss) {
          best = result;
          params = candidate;
        }
      }
      progress(`round ${round}, ${name} = ${params[name]} → loss ${best.loss.toFixed(2)}`);
    }
  }
  return { params, stats: best.stats, loss: best.loss };
}

/** Options of {@link worldCalibrateCommand}. */
export interface WorldCalibrateOptions {
  from: Extract<StatsSource, { kind: 'data' }>;
  out: string;
  seed: number;
  rounds: number;
}

/** Parses `world calibrate` arguments. */
export function parseWorldCalibrateArgs(args: string[]): WorldCalibrateOptions {
  const { values } = parseArgs({ args, options: { from: { type: 'string' }, out: { type: 'string', default: 'world-config.json' }, seed: { type: 'string' }, rounds: { type: 'string' } } });
  return { from: parseDataSpec(values.from ?? '', '--from'), out: values.out, seed: intArg(values.seed, 'seed', 0) ?? 7, rounds: intArg(values.rounds, 'rounds', 1, 10) ?? 2 };
}

/** One matched statistic of a calibration. */
export interface MatchedStatistic {
  name: string;
  target: number;
  world: number;
  tolerance: number;
  within: boolean;
}

/** What a calibration found. */
export interface CalibrationResult {
  /** The fitted parameters. */
  world: Partial<WorldOptions>;
  /** Stage 1: the dataset-sized world (users, pins, events) and its statistics against the dataset's. */
  stage1: { users: number; pins: number; events: number; loss: number; matched: MatchedStatistic[] };
  /** Stage 2: the demo-sized world and its collaborative signal against the dataset's. */
  stage2: { users: number; pins: number; events: number; loss: number; matched: MatchedStatistic[] };
  evaluations: number;
  seconds: number;
}

const matchedOf = (targets: readonly CalibrationTarget[], stats: DatasetStatistics, target: DatasetStatistics): MatchedStatistic[] =>
  targets.map((t) => {
    const world = t.value(stats);
    const goal = t.value(target);
    return { name: t.name, target: goal, world, tolerance: t.tolerance, within: Math.abs(world - goal) <= t.tolerance };
  });

/**
 * Runs the calibration (prints progress and the tables) and writes the configuration to `opts.out`. Stage 1 fits the
 * popularity and activity parameters on a world of the dataset's size to the distributional statistics; stage 2 fits
 * the theme parameters on a world of the demo's size (100k pins, 10k users, 1M events) so that item-CF beats
 * popularity there by as much as on the dataset: a sparser world needs more structure for the same collaborative
 * signal, and the signal, not the structure, is what the ranking issues measure themselves on.
 */
export async function worldCalibrateCommand(opts: WorldCalibrateOptions, print: (line: string) => void = console.log): Promise<CalibrationResult> {
  const started = Date.now();
  const target = await statisticsOf(opts.from, true);
  print(`target: ${opts.from.path} — ${target.users} users, ${target.items} items, ${target.interactions} positives, item-CF / popularity ${target.itemCfLift?.toFixed(3)}`);
  const sizes = { seed: opts.seed, users: target.users, pins: target.items };
  let evaluations = 0;
  const log = (stage: string) => (line: string) => print(`stage ${stage}: ${line} (${evaluations} worlds, ${((Date.now() - started) / 1000).toFixed(0)} s)`);

  // Stage 1. Events for the dataset's number of positives: a first guess, corrected by the positives it gave.
  let events = Math.max(10_000, Math.round(target.interactions * 12));
  const first = worldStatistics({ ...sizes, ...CALIBRATED_WORLD }, events);
  events = Math.round((events * target.interactions) / Math.max(1, first.interactions));
  const stage1 = coordinateDescent(
    { ...CALIBRATED_WORLD },
    STAGE_1,
    opts.rounds,
    (p) => {
      let stats = worldStatistics({ ...sizes, ...p }, events);
      evaluations++;
      // Parameters move the click rates: keep the positives within 15% of the dataset's (the counts shape the Ginis).
      if (Math.abs(stats.interactions / target.interactions - 1) > 0.15) {
        stats = worldStatistics({ ...sizes, ...p }, Math.round((events * target.interactions) / Math.max(1, stats.interactions)));
        evaluations++;
      }
      return { stats, loss: calibrationLoss(stats, target) };
    },
    log('1'),
  );

  // Stage 2, at the demo's size.
  const demo = { seed: opts.seed, pins: WORLD_DEFAULTS.pins, users: WORLD_DEFAULTS.users };
  const stage2 = coordinateDescent(
    stage1.params,
    STAGE_2,
    opts.rounds,
    (p) => {
      const stats = worldStatistics({ ...demo, ...p }, WORLD_DEFAULTS.events, true);
      evaluations++;
      return { stats, loss: calibrationLoss(stats, target, [COLLABORATIVE_TARGET]) };
    },
    log('2'),
  );

  const result: CalibrationResult = {
    world: { ...stage2.params },
    stage1: { ...sizes, events, loss: stage1.loss, matched: matchedOf(CALIBRATION_TARGETS, stage1.stats, target) },
    stage2: { ...demo, events: WORLD_DEFAULTS.events, loss: stage2.loss, matched: matchedOf([COLLABORATIVE_TARGET], stage2.stats, target) },
    evaluations,
    seconds: (Date.now() - started) / 1000,
  };
  const name = opts.from.path.split('/').filter(Boolean).pop() ?? 'dataset';
  for (const [label, stage] of [
    [`stage 1: a world of ${sizes.users} users, ${sizes.pins} pins, ${events} events`, result.stage1],
    [`stage 2: a world of the demo's size (${demo.users} users, ${demo.pins} pins, ${WORLD_DEFAULTS.events} events)`, result.stage2],
  ] as const) {
    print(label);
    print(renderTable(['statistic', name, 'fitted world', 'tolerance', 'within'], stage.matched.map((m) => [m.name, m.target.toFixed(3), m.world.toFixed(3), `± ${m.tolerance}`, m.within ? 'yes' : 'NO'])));
  }
  print(`fitted: ${JSON.stringify(result.world)}; ${evaluations} worlds in ${result.seconds.toFixed(0)} s`);
  writeFileSync(opts.out, JSON.stringify({ from: `${opts.from.format}:${opts.from.path}`, ...result }, null, 2));
  print(`wrote ${opts.out}`);
  return result;
}
