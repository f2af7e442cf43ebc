/**
 * `recsys simulate`: the closed loop. Simulated users of the demo world visit the RUNNING system over gRPC: each page
 * it serves is judged by the world's true model (expected engagement, beside the oracle's and popularity's pages for
 * the same user and time), one sampled reaction goes back through LogEvents, and the system learns from it as it
 * would in production. Reports per simulated day and experiment arm.
 */
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { giniCoefficient } from '@recsys/algorithms';
import { lineChartPng, type LineChart } from '@recsys/evaluation';
import { Surface, decodeEngagement, eventToWire } from '@recsys/contracts';
import { TOPICS, openEventBus, openFileLogEventBus, replayTopics } from '@recsys/stores';
import { RecsysError, addEngagementCounts, emptyEngagementCounts } from '@recsys/domain';
import {
  DAY_MS,
  GroundTruth,
  createRandom,
  deriveSeed,
  generateWorld,
  oraclePolicy,
  perPage,
  popularityCounts,
  popularityPolicy,
  simulateEvents,
  type ClosedLoopHeader,
  type ClosedLoopPage,
  type PerPage,
  type Policy,
  type World,
} from '@recsys/simulator';
import { intArg } from '../args';
import { orchestratorClient } from '../client';
import { progressBar } from '../progress';
import { renderTable } from '../table';
import { WorldEventMatrix, publishRecallModels } from './build-recall';
import { backendFromEnv, demoMarker } from './start';

export const SIMULATE_USAGE = `recsys simulate — the running system scored against the demo world's ground truth (closed loop)

Simulated users of the world npm start loaded visit the running system: each page it serves is judged by the world's
true model, one sampled reaction goes back through LogEvents, and the system updates as in production. Per simulated
day and experiment arm: true expected engagement per page beside the oracle's and popularity's pages for the same
users, share of the oracle, catalogue coverage, creator-exposure Gini, new pins' share of impressions, new users.

  --addr HOST:PORT (127.0.0.1:50051)   --data-dir DIR (.data: its demo.json names the world; demo.redis-kafka.json
  with RECSYS_BACKEND=redis-kafka, as npm start writes it)
  --days N (3)  --users N (200 per day)  --pages N (2 per user and day)  --page-size N (25)  --seed N (1)
  --panel (the same users every day, drawn once among those signed up on day 1: an experiment's population, whose
  per-user totals over the days \`experiment analyze\` reads; default: a fresh draw each day)
  --layer NAME (report per arm of this layer; default: the first layer the responses name)
  --max-minutes N (15: stop after the day that passes it)   --out FILE (the report as JSON)
  --plots DIR (per-day curves as PNG: share of the oracle, clicks and saves per page, coverage and exposure)
  --pages-out FILE (every page served, as JSON Lines: the world, then per page its day, user, arm, time, pins shown,
  true expected engagement and sampled saves — for re-judging the system's pages, e.g. npm run bench:experiments-loop)
  --rebuild (between days, rebuild the recall models — item-CF, user-CF, ALS — from the whole engagement log, the
  simulated days included, into <data-dir>/models, where the running recall service picks them up)
`;

/** Options of {@link simulate}. */
export interface SimulateOptions {
  addr: string;
  dataDir: string;
  days: number;
  users: number;
  pages: number;
  pageSize: number;
  seed: number;
  layer?: string;
  maxMinutes: number;
  out?: string;
  /** Directory for the per-day PNG charts ({@link writeSimulationPlots}). */
  plots?: string;
  /** Rebuild the recall models from the engagement log between days ({@link rebuildRecallModels}). */
  rebuild?: boolean;
  /** The same users every day (drawn once on day 1) instead of a fresh draw per day. */
  panel?: boolean;
  /** JSON Lines file of every page served (a {@link ClosedLoopHeader}, then one {@link ClosedLoopPage} per page). */
  pagesOut?: string;
  progress?: boolean;
}

const intOpt = (value: string | undefined, name: string, fallback: number, min: number, max: number): number => intArg(value, name, min, max) ?? fallback;

/** Parses `simulate` arguments. */
export function parseSimulateArgs(args: string[]): SimulateOptions {
  const { values } = parseArgs({
    args,
    options: {
      addr: { type: 'string', default: '127.0.0.1:50051' },
      'data-dir': { type: 'string', default: '.data' },
      days: { type: 'string' },
      users: { type: 'string' },
      pages: { type: 'string' },
      'page-size': { type: 'string' },
      seed: { type: 'string' },
      layer: { type: 'string' },
      'max-minutes': { type: 'string' },
      out: { type: 'string' },
      plots: { type: 'string' },
      rebuild: { type: 'boolean', default: false },
      panel: { type: 'boolean', default: false },
      'pages-out': { type: 'string' },
    },
  });
  return {
    addr: values.addr,
    dataDir: values['data-dir'],
    days: intOpt(values.days, 'days', 3, 1, 60),
    users: intOpt(values.users, 'users', 200, 1, 100_000),
    pages: intOpt(values.pages, 'pages', 2, 1, 100),
    pageSize: intOpt(values['page-size'], 'page-size', 25, 1, 100),
    seed: intOpt(values.seed, 'seed', 1, 0, 2 ** 31 - 1),
    layer: values.layer,
    maxMinutes: intOpt(values['max-minutes'], 'max-minutes', 15, 1, 24 * 60),
    out: values.out,
    plots: values.plots,
    rebuild: values.rebuild,
    panel: values.panel,
    pagesOut: values['pages-out'],
  };
}

/**
 * Rebuilds the recall models from the system's whole engagement log (the demo's events and every simulated reaction
 * so far) and publishes them into `<dataDir>/models`, the recall service's model store under `npm start`, which loads
 * a newer version within seconds without a restart. The log is the embedded bus in `<dataDir>/bus`, or Kafka with
 * `RECSYS_BACKEND=redis-kafka`. Returns the published version and the interactions it was built from.
 */
export async function rebuildRecallModels(dataDir: string, label: string, log: (line: string) => void): Promise<{ version: string; interactions: number }> {
  const backend = backendFromEnv();
  const bus =
    backend.backend === 'embedded'
      ? await openFileLogEventBus(join(dataDir, 'bus'))
      : await openEventBus({ backend: 'redis-kafka', dataDir, kafkaBrokers: backend.kafkaBrokers, clientId: 'recsys-simulate' });
  const matrix = new WorldEventMatrix();
  try {
    const replay = await replayTopics(bus, `recsys-simulate-${process.pid}`, [
      {
        topic: TOPICS.engagement,
        handler: async (batch) => {
          for (const m of batch) {
            try {
              matrix.add(decodeEngagement(m.value));
            } catch {
              // an undecodable event is skipped, as the services skip it
            }
          }
        },
      },
    ]);
    await replay.stop();
  } finally {
    await bus.close();
  }
  const built = await publishRecallModels(matrix.build(), label, join(dataDir, 'models'), {}, { progress: false, print: log });
  return { version: built.version, interactions: built.interactions };
}

/**
 * The world `npm start` loaded, from its marker in `dataDir` (`demo.json`, or `demo.redis-kafka.json` on that backend:
 * seed, sizes, days and, since this command, its start), with the marker's seed and event count (the loaded history).
 */
export function demoWorldOf(dataDir: string, log: (line: string) => void = () => undefined): { world: World; demo: { seed: number; events: number } } {
  const marker = demoMarker(dataDir, backendFromEnv());
  if (!existsSync(marker)) throw RecsysError.badRequest('--data-dir', `${marker} does not exist: run \`npm start\` first (it loads the demo world and records it there)`);
  const demo = JSON.parse(readFileSync(marker, 'utf8')) as { seed: number; pins: number; users: number; events: number; days: number; startMs?: number };
  let startMs = demo.startMs;
  if (startMs === undefined) {
    // Markers written before the start was recorded: the demo's history ends at the UTC midnight of the day it loaded.
    startMs = Math.floor(statSync(marker).mtimeMs / DAY_MS) * DAY_MS - demo.days * DAY_MS;
    log(`${marker} does not record the world's start; taking the day it was written (${new Date(startMs).toISOString()} + ${demo.days} days).`);
  }
  return { world: generateWorld({ seed: demo.seed, pins: demo.pins, users: demo.users, startMs, days: demo.days }), demo };
}

/** Sums of one day and arm. */
interface Cell {
  pages: number;
  degraded: number;
  system: PerPage;
  oracle: PerPage;
  popularity: PerPage;
  newUserPages: number;
  newUserSystem: PerPage;
  newUserOracle: PerPage;
  impressions: number;
  newPinImpressions: number;
  shown: Set<number>;
  creatorImpressions: Map<number, number>;
  skipped: number;
}

const zero = emptyEngagementCounts;
const add = addEngagementCounts;
const newCell = (): Cell => ({
  pages: 0, degraded: 0, system: zero(), oracle: zero(), popularity: zero(), newUserPages: 0, newUserSystem: zero(), newUserOracle: zero(),
  impressions: 0, newPinImpressions: 0, shown: new Set(), creatorImpressions: new Map(), skipped: 0,
});

/** One simulated day of one arm, as reported. */
export interface DayArmReport {
  day: number;
  arm: string;
  pages: number;
  degradedPages: number;
  /** Expected engagement per page (true model) of the pages the system served, the oracle's and popularity's. */
  system: PerPage;
  oracle: PerPage;
  popularity: PerPage;
  /** System / oracle of expected clicks + saves − hides per page (the oracle's objective is click + save + share − hide). */
  shareOfOracle: number;
  /** Distinct pins shown / pins of the catalogue at the day's time. */
  coverage: number;
  /** Gini of impressions over every creator of the world (never shown ones count as 0). */
  creatorGini: number;
  /** Share of impressions on pins created in the 7 days before the page. */
  newPinShare: number;
  /** Pages of users signed up in the 7 days before, and their expected engagement (system, oracle). */
  newUserPages: number;
  newUserSystem: PerPage | null;
  newUserOracle: PerPage | null;
  /** Ids the system served that a client could not show (unknown or not yet created in the world, repeats). */
  skippedIds: number;
}

/** The report of {@link simulate}. */
export interface SimulationReport {
  world: { pins: number; users: number; seed: number; startMs: number; endMs: number };
  options: Omit<SimulateOptions, 'progress'>;
  layer: string | null;
  days: DayArmReport[];
  eventsSent: number;
  /** Recall models rebuilt between days (--rebuild). */
  rebuilds: { afterDay: number; version: string; interactions: number }[];
  seconds: number;
  stoppedEarly: boolean;
}

const value = (p: PerPage) => p.clicks + p.saves + p.shares - p.hides;
const NEW_MS = 7 * DAY_MS;

/**
 * Runs the closed loop against the system at `opts.addr`. Simulated day d (1-based) is the d-th day after the world's
 * end: its pages are judged at noon of that day plus 30 minutes per page of a user, while the events go to the system
 * stamped with its own clock — each session as having just ended — so its windows and recency see them as fresh; the
 * days are compressed into the run's minutes. Users of a day: `users` drawn without replacement (seeded by seed and day) among those signed up by then, or with
 * `panel` the same users every day (day 1's draw).
 */
export async function simulate(opts: SimulateOptions, log: (line: string) => void = console.log): Promise<SimulationReport> {
  const started = Date.now();
  const { world, demo } = demoWorldOf(opts.dataDir, log);
  log(`World: ${world.pins.length} pins, ${world.users.length} users, ${new Date(world.startMs).toISOString().slice(0, 10)} to ${new Date(world.endMs).toISOString().slice(0, 10)}.`);
  log(`Reference policies: the oracle, and popularity counted over the ${demo.events} loaded events...`);
  const oracle: Policy = oraclePolicy(world);
  const popularity: Policy = popularityPolicy(world, popularityCounts(simulateEvents(world, { seed: demo.seed, events: demo.events })));
  const truth = new GroundTruth(world, opts.seed, `sim_${opts.seed}_${started.toString(36)}`);
  const client = orchestratorClient(opts.addr, 10_000);
  const cells = new Map<string, Cell>();
  const reports: DayArmReport[] = [];
  let layer = opts.layer ?? null;
  let eventsSent = 0;
  let sessionIndex = 0;
  let stoppedEarly = false;
  const rebuilds: SimulationReport['rebuilds'] = [];
  const creators = world.creators.length;
  /** Users of day `day`: `users` drawn without replacement among those signed up by its noon (day 1's for a panel). */
  const usersOf = (day: number): number[] => {
    const noon = world.endMs + (day - 1) * DAY_MS + DAY_MS / 2;
    const eligible = world.users.map((_, u) => u).filter((u) => world.users[u].signupAtMs <= noon);
    const rng = createRandom(deriveSeed(opts.seed, `simulate-day-${day}`));
    const n = Math.min(opts.users, eligible.length);
    for (let i = 0; i < n; i++) {
      const j = i + rng.int(eligible.length - i);
      [eligible[i], eligible[j]] = [eligible[j], eligible[i]];
    }
    return eligible.slice(0, n).sort((a, b) => a - b);
  };
  const panel = opts.panel ? usersOf(1) : null;
  let pagesFd: number | undefined;
  if (opts.pagesOut !== undefined) {
    pagesFd = openSync(opts.pagesOut, 'w');
    const header: ClosedLoopHeader = { world: world.options, demo, layer: opts.layer ?? null, seed: opts.seed };
    writeSync(pagesFd, `${JSON.stringify(header)}\n`);
  }
  try {
    for (let day = 1; day <= opts.days; day++) {
      const noon = world.endMs + (day - 1) * DAY_MS + DAY_MS / 2;
      const today = panel ?? usersOf(day);
      const bar = opts.progress === false ? undefined : progressBar(`day ${day} `, today.length * opts.pages);
      cells.clear();
      let done = 0;
      for (let k = 0; k < opts.pages; k++) {
        for (const u of today) {
          const user = world.users[u];
          const simMs = noon + k * 30 * 60_000;
          const res = await client.recommend({
            userId: user.id,
            surface: Surface.SURFACE_HOME_FEED,
            context: { country: user.country, device: 'simulator', locale: '', recentItemIds: [], contextItemId: '' },
            pageSize: opts.pageSize,
            experimentOverrides: {},
            debug: false,
          });
          if (layer === null) layer = Object.keys(res.experimentArms).sort()[0] ?? null;
          const arm = layer === null ? 'all' : (res.experimentArms[layer] ?? 'none');
          let cell = cells.get(arm);
          if (cell === undefined) cells.set(arm, (cell = newCell()));
          const outcome = truth.serve(u, res.items.map((i) => i.itemId), simMs, Date.now(), res.requestId, 'home_feed');
          const ref = truth.reference(oracle, u, simMs, opts.pageSize, sessionIndex);
          const pop = truth.reference(popularity, u, simMs, opts.pageSize, sessionIndex);
          sessionIndex++;
          cell.pages++;
          if (res.degraded.length > 0) cell.degraded++;
          add(cell.system, outcome.expected);
          add(cell.oracle, ref.expected);
          add(cell.popularity, pop.expected);
          cell.skipped += outcome.skipped;
          if (pagesFd !== undefined) {
            let sampledSaves = 0;
            for (const e of outcome.events) if (e.type === 'save') sampledSaves++;
            const record: ClosedLoopPage = { day, user: u, arm, simMs, shown: outcome.shown, expected: outcome.expected, sampledSaves };
            writeSync(pagesFd, `${JSON.stringify(record)}\n`);
          }
          if (user.signupAtMs > simMs - NEW_MS) {
            cell.newUserPages++;
            add(cell.newUserSystem, outcome.expected);
            add(cell.newUserOracle, ref.expected);
          }
          for (const p of outcome.shown) {
            cell.impressions++;
            cell.shown.add(p);
            const pin = world.pins[p];
            if (pin.createdAtMs > simMs - NEW_MS) cell.newPinImpressions++;
            const c = world.index.creators.get(pin.creatorId) ?? -1;
            cell.creatorImpressions.set(c, (cell.creatorImpressions.get(c) ?? 0) + 1);
          }
          if (outcome.events.length > 0) {
            // A session's reactions span minutes of browsing and dwell; the whole session is sent as having just
            // ended (the system refuses events from its future).
            const late = outcome.events[outcome.events.length - 1].timestampMs - Date.now();
            if (late > 0) for (const e of outcome.events) e.timestampMs -= late;
            await client.logEvents({ events: outcome.events.map(eventToWire) });
            eventsSent += outcome.events.length;
          }
          bar?.update(++done);
        }
      }
      bar?.done();
      const pinsNow = world.pins.filter((p) => p.createdAtMs <= noon).length;
      for (const [arm, c] of [...cells].sort((a, b) => a[0].localeCompare(b[0]))) {
        const exposure = new Float64Array(creators);
        for (const [creator, count] of c.creatorImpressions) if (creator >= 0) exposure[creator] = count;
        const system = perPage(c.system, c.pages);
        const oracleMeans = perPage(c.oracle, c.pages);
        reports.push({
          day,
          arm,
          pages: c.pages,
          degradedPages: c.degraded,
          system,
          oracle: oracleMeans,
          popularity: perPage(c.popularity, c.pages),
          shareOfOracle: value(oracleMeans) > 0 ? value(system) / value(oracleMeans) : NaN,
          coverage: c.shown.size / pinsNow,
          creatorGini: giniCoefficient(exposure),
          newPinShare: c.impressions > 0 ? c.newPinImpressions / c.impressions : 0,
          newUserPages: c.newUserPages,
          newUserSystem: c.newUserPages > 0 ? perPage(c.newUserSystem, c.newUserPages) : null,
          newUserOracle: c.newUserPages > 0 ? perPage(c.newUserOracle, c.newUserPages) : null,
          skippedIds: c.skipped,
        });
      }
      if (Date.now() - started > opts.maxMinutes * 60_000 && day < opts.days) {
        log(`Stopping after day ${day}: --max-minutes ${opts.maxMinutes} passed.`);
        stoppedEarly = true;
        break;
      }
      if (opts.rebuild && day < opts.days) {
        const rebuilt = await rebuildRecallModels(opts.dataDir, `closed loop (seed ${opts.seed}) after day ${day}`, log);
        rebuilds.push({ afterDay: day, ...rebuilt });
        log(`Recall models ${rebuilt.version} rebuilt from ${rebuilt.interactions} interactions after day ${day}.`);
      }
    }
  } finally {
    client.close();
    if (pagesFd !== undefined) closeSync(pagesFd);
  }
  const { progress: _progress, ...options } = opts;
  const report: SimulationReport = {
    world: { pins: world.pins.length, users: world.users.length, seed: world.options.seed, startMs: world.startMs, endMs: world.endMs },
    options,
    layer,
    days: reports,
    eventsSent,
    rebuilds,
    seconds: (Date.now() - started) / 1000,
    stoppedEarly,
  };
  if (opts.out !== undefined) writeFileSync(opts.out, JSON.stringify(report, null, 2));
  if (opts.plots !== undefined) log(`Charts: ${writeSimulationPlots(report, opts.plots).join(', ')}`);
  return report;
}

const f = (x: number, digits = 3) => (Number.isFinite(x) ? x.toFixed(digits) : '—');

/** The report as a terminal table: one row per day and arm. */
export function formatSimulation(r: SimulationReport): string {
  const rows = r.days.map((d) => [
    String(d.day),
    d.arm,
    String(d.pages),
    String(d.degradedPages),
    `${f(d.system.clicks)} / ${f(d.oracle.clicks)} / ${f(d.popularity.clicks)}`,
    `${f(d.system.saves)} / ${f(d.oracle.saves)} / ${f(d.popularity.saves)}`,
    `${f(d.system.hides)} / ${f(d.oracle.hides)} / ${f(d.popularity.hides)}`,
    f(d.shareOfOracle),
    f(d.coverage, 4),
    f(d.creatorGini),
    f(d.newPinShare),
    d.newUserSystem && d.newUserOracle ? `${d.newUserPages}: ${f(d.newUserSystem.clicks)} / ${f(d.newUserOracle.clicks)}` : '0',
  ]);
  return [
    renderTable(
      ['day', `arm (${r.layer ?? 'no layer'})`, 'pages', 'degraded', 'clicks/page: system / oracle / popular', 'saves/page', 'hides/page', 'share of oracle', 'coverage', 'creator Gini', 'new-pin share', 'new users: pages: clicks system / oracle'],
      rows,
    ),
    `expected engagement per page from the world's true model; share of oracle = (clicks + saves + shares − hides) of the system's pages / the oracle's; ${r.eventsSent} events sent back${r.rebuilds.length > 0 ? `, recall models rebuilt ${r.rebuilds.length} times` : ''} in ${r.seconds.toFixed(1)} s${r.stoppedEarly ? ' (stopped early: --max-minutes)' : ''}`,
  ].join('\n');
}

/**
 * Writes the report's per-day curves as PNG files into `dir` (created when missing) and returns their paths: the share
 * of the oracle per arm; expected clicks and saves per page per arm beside the oracle's and popularity's (averaged over
 * the arms' pages); coverage, creator-exposure Gini and the new pins' share of impressions per arm.
 */
export function writeSimulationPlots(r: SimulationReport, dir: string): string[] {
  mkdirSync(dir, { recursive: true });
  const days = [...new Set(r.days.map((d) => d.day))].sort((a, b) => a - b);
  const arms = [...new Set(r.days.map((d) => d.arm))].sort();
  const cell = (arm: string, day: number) => r.days.find((d) => d.arm === arm && d.day === day);
  const perArm = (f: (d: DayArmReport) => number, suffix = '') =>
    arms.map((arm) => ({ name: `${arm}${suffix}`, values: days.map((day) => { const d = cell(arm, day); return d ? f(d) : NaN; }) }));
  const pooled = (f: (d: DayArmReport) => number) =>
    days.map((day) => {
      const rows = r.days.filter((d) => d.day === day);
      const pages = rows.reduce((n, d) => n + d.pages, 0);
      return pages > 0 ? rows.reduce((s, d) => s + f(d) * d.pages, 0) / pages : NaN;
    });
  const layer = r.layer ?? 'no layer';
  const charts: [string, LineChart][] = [
    ['share-of-oracle.png', { title: `Share of the oracle per day, by arm of ${layer}`, yLabel: 'clicks + saves + shares - hides, system / oracle', xLabel: 'simulated day', x: days, series: perArm((d) => d.shareOfOracle) }],
    ['clicks-per-page.png', { title: 'Expected clicks per page', yLabel: 'true model', xLabel: 'simulated day', x: days, series: [...perArm((d) => d.system.clicks), { name: 'oracle', values: pooled((d) => d.oracle.clicks) }, { name: 'popularity', values: pooled((d) => d.popularity.clicks) }] }],
    ['saves-per-page.png', { title: 'Expected saves per page', yLabel: 'true model', xLabel: 'simulated day', x: days, series: [...perArm((d) => d.system.saves), { name: 'oracle', values: pooled((d) => d.oracle.saves) }, { name: 'popularity', values: pooled((d) => d.popularity.saves) }] }],
    ['exposure.png', { title: 'Coverage (% of pins), creator Gini and new-pin share per day', xLabel: 'simulated day', x: days, series: [...perArm((d) => 100 * d.coverage, ' coverage %'), ...perArm((d) => d.creatorGini, ' Gini'), ...perArm((d) => d.newPinShare, ' new pins')] }],
  ];
  return charts.map(([file, chart]) => {
    const path = join(dir, file);
    writeFileSync(path, lineChartPng(chart));
    return path;
  });
}
