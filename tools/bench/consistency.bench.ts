/**
 * Online/offline feature consistency on a simulated day: "the replay check reports 100%".
 *
 * Runs `recsys start --no-demo` (all five services; `--backend` embedded or redis-kafka) on a fresh data directory,
 * loads a generated world through the API — `--users` users, `--pins` pins and `--history-events` events over the
 * `--days` − 1 days before the last one — then simulates the last day: its `--day-events` events are sent in time
 * order through LogEvents in batches of `--every`, and after each batch one Recommend is asked for a user of that batch
 * (the last one who clicked, saved, shared, hid or dwelled; else the last one shown a pin). Every Recommend logs the
 * user and item features it ranked with and the feature-state snapshot they came from. The system is stopped and
 * `recsys features verify` replays the log and compares every logged value; it prints the share of matching values,
 * the reads and values checked and the worst mismatches. Anything below 100% is a bug.
 *
 *   npm run bench:consistency -- [--backend embedded|redis-kafka] [--pins 20000] [--users 2000] [--days 7]
 *     [--history-events 100000] [--day-events 20000] [--every 50] [--seed 7] [--port N (default: free)] [--worst 10] [--keep]
 *
 * redis-kafka uses KAFKA_BROKERS and REDIS_URL (defaults: the local servers of `npm run infra:up`), a fresh feature
 * consumer group and key prefix. The check reads every served event in `recsys.served.v1`, including other systems'
 * on the same Kafka: use servers with no other traffic (`npm run infra:down -- --clean && npm run infra:up`, or a
 * private pair: see docs/infra.md).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { OrchestratorServiceClient, Surface, eventToWire, itemToWire, userToWire } from '@recsys/contracts';
import type { EngagementEvent } from '@recsys/domain';
import { createClient } from '@recsys/grpc';
import { DAY_MS, generateWorld, simulateEvents } from '@recsys/simulator';
import { TOPICS } from '@recsys/stores';
import { Kafka, logLevel } from 'kafkajs';
import { summarize } from './src/latency';
import { freePortRange } from './src/ports';

const { values } = parseArgs({
  options: {
    backend: { type: 'string', default: 'embedded' },
    pins: { type: 'string', default: '20000' },
    users: { type: 'string', default: '2000' },
    days: { type: 'string', default: '7' },
    'history-events': { type: 'string', default: '100000' },
    'day-events': { type: 'string', default: '20000' },
    every: { type: 'string', default: '50' },
    seed: { type: 'string', default: '7' },
    port: { type: 'string', default: '0' },
    worst: { type: 'string', default: '10' },
    keep: { type: 'boolean', default: false },
  },
});
const BACKEND = values.backend;
if (BACKEND !== 'embedded' && BACKEND !== 'redis-kafka') throw new Error(`--backend must be embedded or redis-kafka (got ${BACKEND})`);
const PINS = Number(values.pins);
const USERS = Number(values.users);
const DAYS = Number(values.days);
const HISTORY_EVENTS = Number(values['history-events']);
const DAY_EVENTS = Number(values['day-events']);
const EVERY = Number(values.every);
const SEED = Number(values.seed);
const ROOT = resolve(__dirname, '..', '..', '..');
const CLI = join(ROOT, 'dist/tools/cli/main.js');
const BROKERS = process.env.KAFKA_BROKERS ?? '127.0.0.1:9092';
const RUN = randomUUID().slice(0, 8);
const BATCH = 1000;

/** Runs `recsys start --no-demo` (ports `port`..`port`+4) and resolves once it says the system is running. */
function startSystem(dataDir: string, port: number, env: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(process.execPath, [CLI, 'start', '--no-demo', '--data-dir', dataDir, '--port', String(port)], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  return new Promise((resolveStart, rejectStart) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('recsys is running')) resolveStart(child);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => rejectStart(new Error(`recsys start exited with code ${code}:\n${output}`)));
  });
}

/** Ctrl-C for the CLI: it stops the services cleanly and exits. */
function stopSystem(child: ChildProcess): Promise<void> {
  return new Promise((resolveStop) => {
    if (child.exitCode !== null) return resolveStop();
    child.once('exit', () => resolveStop());
    child.kill('SIGINT');
  });
}

/** Runs `recsys features verify` and returns its exit code and output. */
function verify(dataDir: string): Promise<{ code: number; output: string }> {
  const source = BACKEND === 'embedded' ? ['--log', join(dataDir, 'bus')] : ['--brokers', BROKERS];
  const child = spawn(process.execPath, [CLI, 'features', 'verify', ...source, '--worst', values.worst], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
  return new Promise((res) => child.once('exit', (code) => res({ code: code ?? 1, output })));
}

/** Messages already in the served topic (redis-kafka): they would be checked too. */
async function servedAlready(): Promise<number> {
  const admin = new Kafka({ clientId: 'recsys-bench-consistency', brokers: BROKERS.split(','), logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    if (!(await admin.listTopics()).includes(TOPICS.served)) return 0;
    return (await admin.fetchTopicOffsets(TOPICS.served)).reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
  } finally {
    await admin.disconnect();
  }
}

/** The user a Recommend is asked for after a batch: the last one who acted beyond an impression, else the last one. */
function actingUser(batch: readonly EngagementEvent[]): string {
  for (let i = batch.length - 1; i >= 0; i--) if (batch[i].type !== 'impression') return batch[i].userId;
  return batch[batch.length - 1].userId;
}

async function main(): Promise<void> {
  const dataDir = join(tmpdir(), `recsys-bench-consistency-${RUN}`);
  const env: Record<string, string> = { RECSYS_BACKEND: BACKEND, LOG_LEVEL: 'warn' };
  if (BACKEND === 'redis-kafka') {
    env.FEATURE_GROUP_ID = `bench-consistency-${RUN}`;
    env.FEATURE_KEY_PREFIX = `bench-consistency-${RUN}:`;
    const already = await servedAlready();
    if (already > 0) console.log(`WARNING: ${TOPICS.served} already holds ${already} served events of other runs; the check below includes them`);
  }
  console.log(`Consistency benchmark: backend ${BACKEND}; machine ${cpus().length} × ${cpus()[0]?.model.trim()}, node ${process.version}`);
  const startedAt = Date.now();
  const port = Number(values.port) || (await freePortRange(5));
  const system = await startSystem(dataDir, port, env);
  console.log(`system running after ${((Date.now() - startedAt) / 1000).toFixed(1)} s (data in ${dataDir})`);
  const client = createClient(OrchestratorServiceClient, `127.0.0.1:${port}`, { timeoutMs: 30_000 });
  let verified: { code: number; output: string } | undefined;
  try {
    // The world ends at today's UTC midnight (as the demo's does): the simulated day is yesterday.
    const endMs = Math.floor(Date.now() / DAY_MS) * DAY_MS;
    const world = generateWorld({ seed: SEED, pins: PINS, users: USERS, startMs: endMs - DAYS * DAY_MS, days: DAYS });
    const dayStart = endMs - DAY_MS;
    const loadStarted = Date.now();
    for (let i = 0; i < world.users.length; i += BATCH) await client.upsertUsers({ users: world.users.slice(i, i + BATCH).map(userToWire) });
    for (let i = 0; i < world.pins.length; i += BATCH) await client.upsertItems({ items: world.pins.slice(i, i + BATCH).map(itemToWire) });
    let batch: EngagementEvent[] = [];
    let history = 0;
    for (const event of simulateEvents(world, { seed: SEED, events: HISTORY_EVENTS, startMs: world.startMs, endMs: dayStart })) {
      batch.push(event);
      if (batch.length === BATCH) {
        await client.logEvents({ events: batch.map(eventToWire) });
        history += batch.length;
        batch = [];
      }
    }
    if (batch.length > 0) await client.logEvents({ events: batch.map(eventToWire) });
    history += batch.length;
    console.log(`loaded ${world.users.length} users, ${world.pins.length} pins and ${history} events of ${DAYS - 1} days in ${((Date.now() - loadStarted) / 1000).toFixed(1)} s`);

    // The simulated day: its events in time order, a Recommend for a user who just acted after every batch.
    const dayStarted = Date.now();
    const latencies: number[] = [];
    let sent = 0;
    let degraded = 0;
    let errors = 0;
    let firstError = '';
    const flush = async (events: EngagementEvent[]) => {
      await client.logEvents({ events: events.map(eventToWire) });
      sent += events.length;
      const t = performance.now();
      try {
        const page = await client.recommend({
          userId: actingUser(events),
          surface: Surface.SURFACE_HOME_FEED,
          context: { country: '', device: 'bench', locale: '', recentItemIds: [], contextItemId: '' },
          pageSize: 25,
          experimentOverrides: {},
          debug: false,
        });
        latencies.push(performance.now() - t);
        if (page.degraded.length > 0) degraded++;
      } catch (error) {
        if (errors++ === 0) firstError = (error as Error).message;
      }
    };
    batch = [];
    for (const event of simulateEvents(world, { seed: SEED + 1, events: DAY_EVENTS, startMs: dayStart, endMs })) {
      batch.push(event);
      if (batch.length === EVERY) {
        await flush(batch);
        batch = [];
      }
    }
    if (batch.length > 0) await flush(batch);
    const stats = summarize(latencies);
    console.log(
      `simulated day: ${sent} events in batches of ${EVERY} and ${latencies.length + errors} Recommends in ${((Date.now() - dayStarted) / 1000).toFixed(1)} s; ` +
        `Recommend p50 ${stats.p50.toFixed(1)} ms, p99 ${stats.p99.toFixed(1)} ms; degraded ${degraded}; errors ${errors}${firstError ? ` (first: ${firstError})` : ''}`,
    );
  } finally {
    client.close();
    await stopSystem(system);
  }
  try {
    const verifyStarted = Date.now();
    verified = await verify(dataDir);
    console.log(`\nrecsys features verify (${((Date.now() - verifyStarted) / 1000).toFixed(1)} s, exit code ${verified.code}):\n${verified.output.trimEnd()}`);
    process.exitCode = verified.code;
  } finally {
    if (!values.keep) rmSync(dataDir, { recursive: true, force: true });
    else console.log(`kept ${dataDir}`);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
