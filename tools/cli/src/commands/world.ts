/** `recsys world generate`: generates a seeded world and writes it and its event log as Parquet files. */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { MANIFEST_FILE, readWorldManifest, writeEventLog, writeWorldFiles } from '@recsys/datasets';
import { RecsysError } from '@recsys/domain';
import { generateWorld, simulateEvents, type WorldOptions } from '@recsys/simulator';
import { progressBar } from '../progress';

/** Usage text of the command. */
export const WORLD_GENERATE_USAGE = `recsys world generate — generate a seeded world and its event log as Parquet files

Usage: npx recsys world generate --out DIR [--pins N] [--users N] [--events N] [--seed N] [--days N] [--config FILE]
                                  [--force]

  --out DIR     folder to write (must be empty or missing unless --force)
  --pins N      pins (default 100000)
  --users N     users (default 10000)
  --events N    engagement events to simulate under the logging policy (default 1000000)
  --seed N      seed of the world and of its events (default 7)
  --days N      length of the world's window in days, from 2026-01-01 (default 30)
  --config FILE the world's parameters (JSON world options, e.g. what world calibrate writes; default: the
                calibrated defaults)
  --force       write into a non-empty folder (files of the same names are replaced)

Writes topics, categories, creators, pins, users, boards, user_latents, pin_latents and segment_topic_priors (.parquet),
events.parquet and manifest.json (format recsys.world/v1, see docs/data-format.md); prints the seconds of each
phase, the file sizes and the peak RSS. Read it back with loadDataset(dir, 'world') or any Parquet reader.`;

/** The demo world's size (docs/DESIGN "The demo world"). */
export const WORLD_DEFAULTS = Object.freeze({ pins: 100_000, users: 10_000, events: 1_000_000, seed: 7, days: 30 });

/** Options of {@link worldGenerateCommand}. */
export interface WorldGenerateOptions {
  pins: number;
  users: number;
  events: number;
  /** Seed of the world and of its event stream. */
  seed: number;
  /** Length of the window in days (from the simulator's default start, 2026-01-01). */
  days: number;
  /** Output folder. */
  out: string;
  /** World parameters beyond the sizes (a world configuration; default: the calibrated defaults). */
  config?: Partial<WorldOptions>;
  /** Write into a non-empty folder (default false: refuse). */
  force?: boolean;
  /** Show progress bars on stderr (default true). */
  progress?: boolean;
  /** Where report lines go (default console.log). */
  print?: (line: string) => void;
}

/** What the command did. */
export interface WorldGenerateSummary {
  dir: string;
  events: number;
  /** Wall-clock seconds per phase. */
  seconds: { world: number; files: number; events: number; total: number };
  /** Bytes per file, by file name (manifest.json included). */
  files: Record<string, number>;
  /** Peak resident set size of the process, bytes. */
  peakRssBytes: number;
}

/**
 * Generates the world (`generateWorld`), writes its tables (`writeWorldFiles`), streams `events` events of
 * `simulateEvents` into events.parquet (`writeEventLog`, bounded memory) and prints seconds per phase, file sizes
 * and peak RSS.
 * @throws RecsysError (bad-request) when `out` is a non-empty folder and `force` is not set, or an option is out
 *   of range.
 */
export async function worldGenerateCommand(opts: WorldGenerateOptions): Promise<WorldGenerateSummary> {
  const dir = resolve(opts.out);
  const print = opts.print ?? ((line: string) => console.log(line));
  const show = opts.progress ?? true;
  if (!Number.isSafeInteger(opts.events) || opts.events < 0) throw RecsysError.badRequest('events', 'must be an integer >= 0');
  if (existsSync(dir) && readdirSync(dir).length > 0 && !opts.force) {
    throw RecsysError.badRequest('out', `${dir} is not empty (use --force to write into it anyway)`);
  }
  const started = Date.now();
  const seconds = { world: 0, files: 0, events: 0, total: 0 };

  let t = Date.now();
  if (show) process.stderr.write(`world   generating ${opts.pins} pins, ${opts.users} users (seed ${opts.seed}, ${opts.days} days)...\n`);
  const world = generateWorld({ ...opts.config, seed: opts.seed, pins: opts.pins, users: opts.users, days: opts.days });
  seconds.world = (Date.now() - t) / 1000;
  print(`world   ${seconds.world.toFixed(1)} s  ${world.topics.length} topics, ${world.creators.length} creators, ${world.pins.length} pins, ${world.users.length} users, ${world.boards.length} boards`);

  t = Date.now();
  // The bar is made on the first report, which carries the total rows over every table.
  let rowsBar: ReturnType<typeof progressBar> | undefined;
  await writeWorldFiles(world, dir, {
    onProgress: (done, total) => {
      if (!show) return;
      rowsBar ??= progressBar('files ', total);
      rowsBar.update(done);
    },
  });
  rowsBar?.done();
  seconds.files = (Date.now() - t) / 1000;
  print(`files   ${seconds.files.toFixed(1)} s`);

  t = Date.now();
  const eventsBar = show ? progressBar('events', opts.events) : undefined;
  const log = await writeEventLog(simulateEvents(world, { seed: opts.seed, events: opts.events }), dir, {
    total: opts.events,
    onProgress: (n) => eventsBar?.update(n),
    meta: { generator: 'simulateEvents', seed: opts.seed, policy: 'logging' },
  });
  eventsBar?.done();
  seconds.events = (Date.now() - t) / 1000;
  print(`events  ${seconds.events.toFixed(1)} s  ${log.events} events (${Math.round(log.events / Math.max(seconds.events, 1e-3))}/s)`);
  seconds.total = (Date.now() - started) / 1000;

  const manifest = readWorldManifest(dir);
  const files: Record<string, number> = {};
  for (const f of Object.values(manifest.files)) files[f.path] = f.bytes;
  files[MANIFEST_FILE] = statSync(join(dir, MANIFEST_FILE)).size;
  const peakRssBytes = process.resourceUsage().maxRSS * 1024;
  print(`files in ${dir}:`);
  for (const [name, bytes] of Object.entries(files)) print(`  ${name.padEnd(30)} ${formatBytes(bytes).padStart(10)}`);
  print(`total   ${seconds.total.toFixed(1)} s, ${formatBytes(Object.values(files).reduce((a, b) => a + b, 0))} on disk, peak RSS ${formatBytes(peakRssBytes)}`);
  return { dir, events: log.events, seconds, files, peakRssBytes };
}

/** `123 B`, `4.5 KB`, `67.8 MB`, `1.2 GB` (powers of 1024). */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit]}`;
}
