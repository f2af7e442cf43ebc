/**
 * `recsys world stats`: the statistics that shape recommendation quality (`datasetStatistics`), for a generated world
 * and for any dataset the loaders read, side by side.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { DATASET_FORMATS, loadDataset, type DatasetFormat } from '@recsys/datasets';
import { RecsysError } from '@recsys/domain';
import { datasetStatistics, type DatasetStatistics } from '@recsys/evaluation';
import { generateWorld, simulateEvents, type WorldOptions } from '@recsys/simulator';
import { intArg } from '../args';
import { renderTable } from '../table';
import { WorldEventMatrix } from './build-recall';
import { WORLD_DEFAULTS } from './world';

export const WORLD_STATS_USAGE = `recsys world stats — the statistics that shape recommendation quality, side by side

Usage: npx recsys world stats [--world] [--seed N --pins N --users N --events N --days N --config FILE]
                              [--data FORMAT:PATH ...] [--models] [--json]

  --world              a world generated in memory (the default when no --data is given): --seed (7), --pins
                       (100000), --users (10000), --events (1000000), --days (30) as for world generate; --config FILE
                       a world configuration (JSON WorldOptions, e.g. what world calibrate writes) under them
  --data FORMAT:PATH   a dataset the loaders read (${DATASET_FORMATS.join(', ')}); repeatable,
                       e.g. --data movielens-csv:../shared/datasets/ml-latest-small

Per source: users, items and positive interactions, density; positives per user and users per item (mean, median,
p90, max, Gini); the most popular 1% of items' share; the rank-frequency exponent of item popularity; the cosine of
co-engaged item pairs' audiences (items with 5 users or more); the share of a user's positives on their 3 top topics (users with 10 or more);
the repeat rate; with --models the collaborative signal itself: item-CF's NDCG@10 over popularity's on a random
80/20 holdout (seed 42, full ranking, at most 2,000 users). A world's positives are clicks, saves and shares, as its dataset loader reads them.`;

/** A source of statistics. */
export type StatsSource = { kind: 'world'; options: WorldOptions; events: number } | { kind: 'data'; format: DatasetFormat; path: string };

/** Options of {@link worldStatsCommand}. */
export interface WorldStatsOptions {
  sources: StatsSource[];
  json: boolean;
  /** Also fit item-CF and popularity for the collaborative lift (seconds to minutes). */
  models: boolean;
}

/** Reads a world configuration file: a JSON object of world options (seed, sizes and the world's parameters). */
export function readWorldConfig(path: string): Partial<WorldOptions> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw RecsysError.badRequest('--config', `${path}: ${(error as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw RecsysError.badRequest('--config', `${path} must hold a JSON object of world options`);
  const config = parsed as Record<string, unknown> & { world?: unknown };
  // A calibration report carries the options under "world".
  return (config.world !== undefined && typeof config.world === 'object' ? config.world : config) as Partial<WorldOptions>;
}

/** Parses `world stats` arguments. */
export function parseWorldStatsArgs(args: string[]): WorldStatsOptions {
  const { values } = parseArgs({
    args,
    options: {
      world: { type: 'boolean', default: false },
      seed: { type: 'string' },
      pins: { type: 'string' },
      users: { type: 'string' },
      events: { type: 'string' },
      days: { type: 'string' },
      config: { type: 'string' },
      data: { type: 'string', multiple: true, default: [] },
      json: { type: 'boolean', default: false },
      models: { type: 'boolean', default: false },
    },
  });
  const sources: StatsSource[] = [];
  if (values.world || values.data.length === 0) {
    const config = values.config === undefined ? {} : readWorldConfig(values.config);
    sources.push({
      kind: 'world',
      options: {
        ...config,
        seed: intArg(values.seed, 'seed', 0) ?? config.seed ?? WORLD_DEFAULTS.seed,
        pins: intArg(values.pins, 'pins', 1) ?? config.pins ?? WORLD_DEFAULTS.pins,
        users: intArg(values.users, 'users', 1) ?? config.users ?? WORLD_DEFAULTS.users,
        days: intArg(values.days, 'days', 1) ?? config.days ?? WORLD_DEFAULTS.days,
      },
      events: intArg(values.events, 'events', 1) ?? WORLD_DEFAULTS.events,
    });
  }
  for (const spec of values.data) sources.push(parseDataSpec(spec, '--data'));
  return { sources, json: values.json, models: values.models };
}

/** A dataset given as FORMAT:PATH (e.g. `movielens-csv:../shared/datasets/ml-latest-small`) to option `flag`. */
export function parseDataSpec(spec: string, flag: string): Extract<StatsSource, { kind: 'data' }> {
  const colon = spec.indexOf(':');
  const format = spec.slice(0, Math.max(0, colon)) as DatasetFormat;
  if (colon < 0 || !DATASET_FORMATS.includes(format)) {
    throw RecsysError.badRequest(flag, `give FORMAT:PATH with FORMAT one of ${DATASET_FORMATS.join(', ')} (got "${spec}")`);
  }
  return { kind: 'data', format, path: spec.slice(colon + 1) };
}

/** The statistics of a world generated from `options` and its `events` events (the logging policy's, seeded alike). */
export function worldStatistics(options: WorldOptions, events: number, models = false): DatasetStatistics {
  const world = generateWorld(options);
  const matrix = new WorldEventMatrix({ countEngagements: true });
  for (const e of simulateEvents(world, { seed: options.seed, events })) matrix.add(e);
  const topics = new Map(world.pins.map((p) => [p.id, p.topics]));
  return datasetStatistics({ matrix: matrix.build(), itemTopics: (id) => topics.get(id), engagements: matrix.engagements, models });
}

/** The label of a source in the table. */
export function sourceLabel(s: StatsSource): string {
  if (s.kind === 'data') return `${s.path.split('/').filter(Boolean).pop()} (${s.format})`;
  const o = s.options;
  return `world seed ${o.seed}, ${o.pins} pins, ${o.users} users, ${s.events} events`;
}

/** Statistics of one source. */
export async function statisticsOf(s: StatsSource, models = false): Promise<DatasetStatistics> {
  if (s.kind === 'world') return worldStatistics(s.options, s.events, models);
  const d = await loadDataset(s.path, s.format);
  const items = d.items;
  return datasetStatistics({ matrix: d.matrix, itemTopics: items ? (id) => items.get(id)?.genres : undefined, engagements: d.engagements, models });
}

const num = (x: number | null, digits = 3): string => (x === null || !Number.isFinite(x) ? '—' : Number.isInteger(x) ? String(x) : x.toFixed(digits));

/** The rows of the statistics table: name and value per source. */
export const STAT_ROWS: ReadonlyArray<readonly [string, (s: DatasetStatistics) => string]> = [
  ['users', (s) => num(s.users)],
  ['items (with a positive)', (s) => num(s.items)],
  ['positive interactions', (s) => num(s.interactions)],
  ['density', (s) => s.density.toExponential(2)],
  ['positives per user: mean / median / p90 / max', (s) => `${num(s.perUser.mean, 1)} / ${num(s.perUser.p50, 1)} / ${num(s.perUser.p90, 1)} / ${num(s.perUser.max)}`],
  ['positives per user: Gini', (s) => num(s.perUser.gini)],
  ['users per item: mean / median / p90 / max', (s) => `${num(s.perItem.mean, 1)} / ${num(s.perItem.p50, 1)} / ${num(s.perItem.p90, 1)} / ${num(s.perItem.max)}`],
  ['users per item: Gini', (s) => num(s.perItem.gini)],
  ['top 1% of items: share of positives', (s) => num(s.top1PercentShare)],
  ['popularity exponent (count ∝ rank^−s)', (s) => num(s.popularityExponent)],
  ['co-engaged pairs (items ≥ 5 users): cosine mean / median / p90', (s) => `${num(s.coEngagement.mean)} / ${num(s.coEngagement.p50)} / ${num(s.coEngagement.p90)}`],
  ['positives on the user’s 3 top topics', (s) => num(s.topTopicShare)],
  ['repeat rate', (s) => num(s.repeatRate)],
  ['item-CF / popularity NDCG@10 (80/20, --models)', (s) => num(s.itemCfLift)],
];

/** Runs `world stats`: prints the table (or JSON) and returns the statistics per source. */
export async function worldStatsCommand(opts: WorldStatsOptions, print: (line: string) => void = console.log): Promise<{ label: string; stats: DatasetStatistics }[]> {
  const out: { label: string; stats: DatasetStatistics }[] = [];
  for (const s of opts.sources) {
    const started = Date.now();
    const stats = await statisticsOf(s, opts.models);
    out.push({ label: sourceLabel(s), stats });
    if (!opts.json) process.stderr.write(`${sourceLabel(s)}: ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  }
  if (opts.json) print(JSON.stringify(out, null, 2));
  else print(renderTable(['statistic', ...out.map((o) => o.label)], STAT_ROWS.map(([name, f]) => [name, ...out.map((o) => f(o.stats))])));
  return out;
}
