/**
 * Recall stream benchmark: how fast the recall service applies the catalog and engagement topics of the embedded
 * (file-log) event bus, while following a bulk load and when replaying at start-up.
 *
 * 1. Writes a seeded world (users, pins, simulated events) once into `<dir>/source/bus` (reused by later runs with
 *    the same options), and the recall models built from its clicks, saves and shares into `<dir>/source/models`
 *    (as `npm start` does for the demo world).
 * 2. follow: starts the recall bundle on an empty data dir, then copies the source topics into its bus in batches
 *    of `--batch` messages as fast as the file log takes them (a bulk load through the orchestrator publishes the same
 *    messages), catalog first; a sentinel pin at the end of the catalog and a sentinel click at the end of the
 *    engagement topic tell when recall has applied each topic (polled over RecallColumns every 50 ms). Prints
 *    messages/s applied and recall's CPU per message (from /proc).
 * 3. replay: restarts recall over the now full data dir (persisted vector store and the models included) and prints
 *    the time to SERVING, the state rebuild time it logs, its CPU, and its resident and heap memory per pin and per
 *    user. The data dir stays, so `bench:recall` can run against a recall started on it.
 * 4. bus: reads both topics of the same bus in this process with handlers that do nothing, then that decode every
 *    message, to show which part of recall's time is the bus and the payload decoding.
 *
 *   npm run bench:recall-stream -- [--pins 100000] [--users 10000] [--events 1000000] [--seed 7] [--days 30]
 *     [--dir tmp/bench-recall-stream] [--batch 1000] [--modes follow,replay,bus] [--cpu-prof]
 */
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { InteractionMatrixBuilder, RECALL_MODELS, RECALL_MODEL_KINDS, buildRecallArtifacts, encodeRecallArtifact, nextRecallVersion } from '@recsys/algorithms';
import {
  CatalogEvent,
  EngagementEvent,
  RecallServiceClient,
  Surface,
  decodeCatalogUpsert,
  decodeEngagement,
  eventToWire,
  itemToWire,
  userToWire,
} from '@recsys/contracts';
import { WORLD_IMPLICIT_WEIGHTS } from '@recsys/datasets';
import type { EngagementEvent as DomainEvent, Item } from '@recsys/domain';
import { createClient } from '@recsys/grpc';
import { DAY_MS, generateWorld, simulateEvents } from '@recsys/simulator';
import { LocalModelStore, TOPICS, openFileLogEventBus, replayTopics, type DeliveredMessage, type EventBus, type OutgoingMessage } from '@recsys/stores';
import { busyShare, hotSpots, type CpuProfile } from './src/cpu-profile';
import { freePortRange } from './src/ports';
import { cpuSeconds } from './src/process-cpu';
import { startServices, type BenchServices } from './src/services';

const { values } = parseArgs({
  options: {
    pins: { type: 'string', default: '100000' },
    users: { type: 'string', default: '10000' },
    events: { type: 'string', default: '1000000' },
    seed: { type: 'string', default: '7' },
    days: { type: 'string', default: '30' },
    dir: { type: 'string', default: 'tmp/bench-recall-stream' },
    batch: { type: 'string', default: '1000' },
    modes: { type: 'string', default: 'follow,replay,bus' },
    'cpu-prof': { type: 'boolean', default: false },
  },
});
const world = { pins: Number(values.pins), users: Number(values.users), events: Number(values.events), seed: Number(values.seed), days: Number(values.days) };
const batchSize = Number(values.batch);
const modes = new Set(values.modes.split(','));
const root = resolve('.');
const dir = resolve(values.dir, `w${world.pins}-u${world.users}-e${world.events}-s${world.seed}-d${world.days}`);
const SENTINEL_USER = 'recall-stream-sentinel';
const SENTINEL_PIN = 'recall-stream-sentinel-pin';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MB`;

/** Resident memory of a process, bytes (VmRSS of /proc/<pid>/status). */
function rssBytes(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmRSS:'));
  return line ? Number(line.replace(/\D+/g, '')) * 1024 : NaN;
}

/** Writes the world into `<dir>/source/bus` unless a previous run did; returns the sentinel pin's topic source. */
async function prepareSource(): Promise<{ bus: string; firstPin: Item; firstUser: string }> {
  const busDir = join(dir, 'source', 'bus');
  const manifest = join(dir, 'source', 'done.json');
  const startMs = Math.floor(Date.now() / DAY_MS) * DAY_MS - world.days * DAY_MS;
  const generated = generateWorld({ seed: world.seed, pins: world.pins, users: world.users, startMs, days: world.days });
  // A user of the world, for the readiness probe.
  const firstUser = generated.users[0].id;
  if (existsSync(manifest)) return { bus: busDir, firstPin: generated.pins[0], firstUser };
  rmSync(join(dir, 'source'), { recursive: true, force: true });
  const t0 = performance.now();
  const bus = await openFileLogEventBus(busDir);
  try {
    const at = String(Date.now());
    const catalog: OutgoingMessage[] = [
      ...generated.users.map((u) => ({ key: u.id, value: CatalogEvent.encode({ entity: { $case: 'user', user: userToWire(u) }, timestampMs: at }).finish() })),
      ...generated.pins.map((p) => ({ key: p.id, value: CatalogEvent.encode({ entity: { $case: 'item', item: itemToWire(p) }, timestampMs: at }).finish() })),
    ];
    for (let i = 0; i < catalog.length; i += batchSize) await bus.publish(TOPICS.catalog, catalog.slice(i, i + batchSize));
    let batch: OutgoingMessage[] = [];
    const matrix = new InteractionMatrixBuilder('sum');
    for (const e of simulateEvents(generated, { seed: world.seed, events: world.events })) {
      const weight = (WORLD_IMPLICIT_WEIGHTS as Readonly<Record<string, number>>)[e.type];
      if (weight !== undefined) matrix.add(e.userId, e.itemId, weight, e.timestampMs);
      batch.push({ key: e.userId, value: EngagementEvent.encode(eventToWire(e)).finish() });
      if (batch.length === batchSize) {
        await bus.publish(TOPICS.engagement, batch);
        batch = [];
      }
    }
    if (batch.length > 0) await bus.publish(TOPICS.engagement, batch);
    const m0 = performance.now();
    const version = nextRecallVersion(Date.now(), undefined);
    const artifacts = buildRecallArtifacts(matrix.build(), { version, createdAtMs: Date.now(), dataset: `bench world ${JSON.stringify(world)}` });
    const store = new LocalModelStore(join(dir, 'source', 'models'));
    for (const kind of RECALL_MODEL_KINDS) await store.publish(RECALL_MODELS[kind], version, encodeRecallArtifact(artifacts[kind]));
    console.log(`built the recall models ${version} in ${((performance.now() - m0) / 1000).toFixed(1)} s`);
  } finally {
    await bus.close();
  }
  writeFileSync(manifest, JSON.stringify({ ...world, seconds: (performance.now() - t0) / 1000 }));
  console.log(`wrote the world into ${busDir} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  return { bus: busDir, firstPin: generated.pins[0], firstUser };
}

/** Every message of a topic of a file-log bus, in batches as the bus delivers them. */
async function readTopic(bus: EventBus, topic: string, onBatch: (batch: DeliveredMessage[]) => Promise<void> | void): Promise<void> {
  const replay = await replayTopics(bus, `bench-${topic}-${Date.now()}`, [{ topic, handler: async (b) => void (await onBatch(b)) }]);
  await replay.stop();
}

/** Starts the recall bundle on `dataDir` (no model artifacts: only the live state is measured). */
async function startRecall(dataDir: string, port: number, profileDir: string): Promise<BenchServices> {
  return startServices({
    root,
    logDir: join(dataDir, 'logs'),
    nodeArgs: values['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [],
    readyTimeoutMs: 30 * 60_000,
    specs: [
      {
        name: 'recall',
        port,
        env: { RECSYS_DATA_DIR: dataDir, RECALL_MODEL_DIR: join(dataDir, 'models'), OTEL_TRACES_EXPORTER: 'none', LOG_LEVEL: 'info', RECSYS_BACKEND: 'embedded' },
      },
    ],
  });
}

/** Polls `probe` every 50 ms until it answers true; fails when process `pid` is gone or after `timeoutMs`. */
async function until(probe: () => Promise<boolean>, what: string, pid: number, timeoutMs = 60 * 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe().catch(() => false))) {
    if (!existsSync(`/proc/${pid}`)) throw new Error(`recall (pid ${pid}) exited while waiting for ${what}`);
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** The start-up log line of the recall state, parsed. */
function rebuiltLine(dataDir: string): Record<string, unknown> | undefined {
  const lines = readFileSync(join(dataDir, 'logs', 'recall.log'), 'utf8').split('\n');
  const line = lines.reverse().find((l) => l.includes('"recall state rebuilt from the event bus"'));
  return line ? (JSON.parse(line) as Record<string, unknown>) : undefined;
}

async function follow(source: string, firstPin: Item, port: number, profileDir: string): Promise<void> {
  const dataDir = join(dir, 'follow');
  rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(dataDir, { recursive: true });
  const services = await startRecall(dataDir, port, profileDir);
  const pid = services.pids.recall;
  const client = createClient(RecallServiceClient, services.addresses.recall, { timeoutMs: 5000 });
  const sourceBus = await openFileLogEventBus(source);
  const target = await openFileLogEventBus(join(dataDir, 'bus'));
  try {
    const off = Object.fromEntries(['popular', 'segment-popular', 'topic-affinity', 'fresh', 'related', 'itemcf', 'usercf', 'graph', 'als', 'content', 'realtime', 'two-tower'].map((c) => [c, 0]));
    const phase = async (label: string, topic: string, sentinel: OutgoingMessage, applied: () => Promise<boolean>) => {
      let messages = 0;
      const cpu0 = cpuSeconds(pid) ?? 0;
      const t0 = performance.now();
      await readTopic(sourceBus, topic, async (batch) => {
        messages += batch.length;
        await target.publish(topic, batch.map((m) => ({ key: m.key, value: m.value })));
      });
      await target.publish(topic, [sentinel]);
      const published = (performance.now() - t0) / 1000;
      await until(applied, `recall to apply the ${label}`, pid);
      const seconds = (performance.now() - t0) / 1000;
      const cpu = (cpuSeconds(pid) ?? 0) - cpu0;
      console.log(
        `| follow | ${label} | ${messages.toLocaleString('en-US')} | ${published.toFixed(1)} | ${seconds.toFixed(1)} | ${Math.round(messages / seconds).toLocaleString('en-US')} | ${cpu.toFixed(1)} | ${((cpu / messages) * 1e6).toFixed(1)} |`,
      );
    };
    console.log('| mode | topic | messages | published after s | applied after s | messages/s applied | recall CPU s | recall CPU µs/message |');
    console.log('|---|---|---|---|---|---|---|---|');
    const pin: Item = { ...firstPin, id: SENTINEL_PIN };
    await phase(
      'catalog (users, pins)',
      TOPICS.catalog,
      { key: pin.id, value: CatalogEvent.encode({ entity: { $case: 'item', item: itemToWire(pin) }, timestampMs: String(Date.now()) }).finish() },
      async () => {
        const r = await client.recallColumns({ userId: SENTINEL_USER, surface: Surface.SURFACE_RELATED_PINS, channelQuotas: { ...off, related: 5 }, limit: 0, context: { country: '', device: '', locale: '', recentItemIds: [], contextItemId: SENTINEL_PIN } });
        return r.itemIds.length > 0;
      },
    );
    const click: DomainEvent = { eventId: `${SENTINEL_USER}-click`, userId: SENTINEL_USER, itemId: firstPin.id, type: 'click', timestampMs: Date.now(), dwellMs: 0, requestId: '', position: 0, surface: 'home_feed', boardId: '' };
    await phase('engagement', TOPICS.engagement, { key: SENTINEL_USER, value: EngagementEvent.encode(eventToWire(click)).finish() }, async () => {
      const r = await client.recallColumns({ userId: SENTINEL_USER, surface: Surface.SURFACE_HOME_FEED, channelQuotas: { ...off, 'topic-affinity': 5 }, limit: 0 });
      return r.itemIds.length > 0;
    });
  } finally {
    client.close();
    await sourceBus.close();
    await target.close();
    await services.stop();
  }
  // The models, for the replay and for query benchmarks on this data dir.
  cpSync(join(dir, 'source', 'models'), join(dataDir, 'models'), { recursive: true });
}

async function replay(port: number, profileDir: string, firstUser: string): Promise<void> {
  const dataDir = join(dir, 'follow');
  if (!existsSync(join(dataDir, 'bus'))) throw new Error('replay needs the data dir of a follow run (--modes follow,replay)');
  const t0 = performance.now();
  const services = await startRecall(dataDir, port, profileDir);
  const serving = (performance.now() - t0) / 1000;
  const pid = services.pids.recall;
  try {
    // Readiness: the first call after SERVING must be whole (every channel that has data answers, nothing degraded).
    const client = createClient(RecallServiceClient, services.addresses.recall, { timeoutMs: 5000 });
    try {
      const first = await client.recallColumns({ userId: firstUser, surface: Surface.SURFACE_HOME_FEED, channelQuotas: {}, limit: 0 });
      console.log(
        `\nfirst RecallColumns after SERVING (${firstUser}): ${first.itemIds.length} rows from ${first.channelNames.length} channels (${first.channelNames.join(', ')}); ` +
          `degraded: ${first.degraded.length === 0 ? 'none' : first.degraded.map((d) => `${d.stage} (${d.reason})`).join(', ')}`,
      );
    } finally {
      client.close();
    }
    const cpu = cpuSeconds(pid) ?? NaN;
    const rss = rssBytes(pid);
    const line = rebuiltLine(dataDir) ?? {};
    const ms = Number(line.ms);
    const messages = Number(line.items) + Number(line.users) + Number(line.events);
    console.log(
      `\nreplay: SERVING after ${serving.toFixed(1)} s (state rebuilt in ${(ms / 1000).toFixed(1)} s: ${Math.round(messages / (ms / 1000)).toLocaleString('en-US')} messages/s; ` +
        `${Number(line.events).toLocaleString('en-US')} events, ${Number(line.items).toLocaleString('en-US')} items, ${Number(line.users).toLocaleString('en-US')} users); recall CPU ${cpu.toFixed(1)} s`,
    );
    const heap = Number(line.heapUsedBytes);
    console.log(
      `memory after start-up: RSS ${mb(rss)} (${(rss / world.pins).toFixed(0)} bytes per pin, or ${(rss / world.users).toFixed(0)} per user), ` +
        `JS heap used ${mb(heap)} (${(heap / world.pins).toFixed(0)} bytes per pin); external (typed arrays, native HNSW) ${mb(Number(line.externalBytes))}`,
    );
  } finally {
    await services.stop();
  }
}

async function busOnly(source: string): Promise<void> {
  const bus = await openFileLogEventBus(source);
  try {
    console.log('\n| bus read in this process | messages | seconds | messages/s |');
    console.log('|---|---|---|---|');
    for (const [label, decode] of [
      ['frames only', false],
      ['frames + protobuf decode', true],
    ] as const) {
      for (const [topic, decoder] of [
        [TOPICS.catalog, decodeCatalogUpsert],
        [TOPICS.engagement, decodeEngagement],
      ] as const) {
        let n = 0;
        const t0 = performance.now();
        await readTopic(bus, topic, (batch) => {
          n += batch.length;
          if (decode) for (const m of batch) (decoder as (b: Uint8Array) => unknown)(m.value);
        });
        const s = (performance.now() - t0) / 1000;
        console.log(`| ${topic}: ${label} | ${n.toLocaleString('en-US')} | ${s.toFixed(1)} | ${Math.round(n / s).toLocaleString('en-US')} |`);
      }
    }
  } finally {
    await bus.close();
  }
}

/** Prints the hottest functions of the recall CPU profiles written at exit. */
function printProfiles(profileDir: string): void {
  if (!existsSync(profileDir)) return;
  for (const file of readdirSync(profileDir).filter((f) => f.endsWith('.cpuprofile'))) {
    const profile = JSON.parse(readFileSync(join(profileDir, file), 'utf8')) as CpuProfile;
    console.log(`\nCPU profile ${join(profileDir, file)} (${((profile.endTime - profile.startTime) / 1e6).toFixed(0)} s, busy ${(100 * busyShare(profile)).toFixed(0)}%): top self time`);
    for (const spot of hotSpots(profile, 20)) console.log(`  ${(100 * spot.selfShare).toFixed(1).padStart(5)}%  ${spot.where}`);
  }
}

async function main(): Promise<void> {
  console.log(`machine: ${cpus().length} × ${cpus()[0]?.model.trim() ?? 'cpu'}, node ${process.version}, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  console.log(`world: ${world.pins} pins, ${world.users} users, ${world.events} events, seed ${world.seed}, ${world.days} days; batches of ${batchSize}`);
  const { bus, firstPin, firstUser } = await prepareSource();
  const port = await freePortRange(1);
  const profileDir = join(dir, 'profiles');
  rmSync(profileDir, { recursive: true, force: true });
  if (modes.has('follow')) await follow(bus, firstPin, port, profileDir);
  if (modes.has('replay')) await replay(port, profileDir, firstUser);
  if (modes.has('bus')) await busOnly(bus);
  if (values['cpu-prof']) printProfiles(profileDir);
  console.log(`load average after: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
}

main().catch((error: unknown) => {
  console.error(error);
  // Exit even with a bus subscription or a client still open.
  process.exit(1);
});
