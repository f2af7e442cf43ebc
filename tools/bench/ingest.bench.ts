/**
 * Event ingestion on the redis-kafka backend: LogEvents → orchestrator → Kafka → feature service → Redis.
 *
 * Starts the orchestrator and the feature service as processes (RECSYS_BACKEND=redis-kafka) with a fresh feature
 * consumer group, positioned at the end of the engagement topic before the service starts, and a fresh key prefix;
 * upserts a generated catalog of `--items` pins (ids `bench-ingest-…`, stable across runs); then drives LogEvents
 * with batches of `--batch` events (unique ids, `--users` users, uniform pins, 70% impressions, 15% clicks, 6% saves,
 * 2% shares, 1% hides, 6% dwells) from `--concurrency` concurrent callers, paced at `--rate` events/s, for
 * `--warmup` unmeasured then `--seconds` measured seconds.
 *
 * Measured from the end of the warm-up to the last acknowledgement (later than `--seconds` when the callers fall
 * behind the offered rate): events acknowledged by LogEvents per second (published), events applied to Redis per
 * second (the feature processor's watermarks `<prefix>wm:recsys.engagement.v1:<p>`, read every 10 ms), the lag from
 * "in Kafka" to "applied in Redis" (every 100 ms the topic's end offsets are read; a sample's lag is the time until
 * every partition's applied watermark reached them, i.e. the ack → applied lag of the events acknowledged just before
 * the read, at 10 ms resolution), LogEvents call latency, and the CPU cores each process used (from /proc; Kafka and
 * Redis when `--infra-dir` holds their pid files). After the window it waits for the processor to drain.
 *
 *   npm run bench:ingest -- [--rate 20000] [--seconds 60] [--warmup 5] [--batch 500] [--concurrency 4]
 *     [--users 100000] [--items 100000] [--creators 5000] [--brokers 127.0.0.1:9092] [--redis-url redis://127.0.0.1:6379]
 *     [--infra-dir .infra] [--port N (orchestrator; feature N+2; default: free ports)] [--cpu-prof] [--keep]
 *
 * It appends rate × seconds events to `recsys.engagement.v1`, which recall (and any new feature group) replays at
 * start: run it against a private pair of servers, e.g.
 *   INFRA_DIR=$PWD/tmp/infra-bench REDIS_PORT=16379 KAFKA_PORT=19092 KAFKA_CONTROLLER_PORT=19093 bash tools/infra/infra.sh up
 *   npm run bench:ingest -- --brokers 127.0.0.1:19092 --redis-url redis://127.0.0.1:16379 --infra-dir tmp/infra-bench
 * `--cpu-prof` runs both services with `node --cpu-prof` and prints each one's hottest functions (self time).
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { mulberry32 } from '@recsys/algorithms';
import { EngagementType, FeatureServiceClient, OrchestratorServiceClient, itemToWire, type EngagementEvent, type ItemAttributes } from '@recsys/contracts';
import { createClient } from '@recsys/grpc';
import { generateWorld } from '@recsys/simulator';
import { TOPICS } from '@recsys/stores';
import { Redis } from 'ioredis';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { coresUsed, cpuSnapshot } from './src/process-cpu';
import { busyShare, hotSpots, type CpuProfile } from './src/cpu-profile';
import { summarize } from './src/latency';
import { freePortRange } from './src/ports';
import { startServices, type BenchServices } from './src/services';

const { values } = parseArgs({
  options: {
    rate: { type: 'string', default: '20000' },
    seconds: { type: 'string', default: '60' },
    warmup: { type: 'string', default: '5' },
    batch: { type: 'string', default: '500' },
    concurrency: { type: 'string', default: '4' },
    users: { type: 'string', default: '100000' },
    items: { type: 'string', default: '100000' },
    creators: { type: 'string', default: '5000' },
    seed: { type: 'string', default: '7' },
    brokers: { type: 'string', default: process.env.KAFKA_BROKERS ?? '127.0.0.1:9092' },
    'redis-url': { type: 'string', default: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' },
    'infra-dir': { type: 'string', default: '.infra' },
    port: { type: 'string', default: '0' },
    'drain-timeout': { type: 'string', default: '900' },
    'cpu-prof': { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
  },
});
const RATE = Number(values.rate);
const SECONDS = Number(values.seconds);
const WARMUP = Number(values.warmup);
const BATCH = Number(values.batch);
const CONCURRENCY = Number(values.concurrency);
const USERS = Number(values.users);
const ITEMS = Number(values.items);
const CREATORS = Number(values.creators);
const SEED = Number(values.seed);
const BROKERS = values.brokers.split(',').map((b) => b.trim()).filter(Boolean);
const REDIS_URL = values['redis-url'];
const ROOT = resolve(__dirname, '..', '..', '..');
const INFRA_DIR = resolve(ROOT, values['infra-dir']);
const TOPIC = TOPICS.engagement;
/** Partitions whose watermarks are read (the bus creates 3; more are harmless). */
const MAX_PARTITIONS = 8;
const RUN = randomUUID().slice(0, 8);
const GROUP = `bench-ingest-${RUN}`;
const PREFIX = `bench-ingest-${RUN}:`;
const ID_PREFIX = 'bench-ingest-';

const nowMs = (): number => performance.now();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The generated catalog as wire items, ids prefixed so they never collide with another system's pins. */
function catalog(): ItemAttributes[] {
  const world = generateWorld({ seed: SEED, pins: ITEMS, users: 100, creators: CREATORS, days: 30, startMs: Date.now() - 30 * 86_400_000 });
  return world.pins.map((pin) => ({ ...itemToWire(pin), itemId: ID_PREFIX + pin.id, creatorId: ID_PREFIX + pin.creatorId, embedding: [] }));
}

/** Creates the engagement topic when missing (3 partitions, as the bus would) and returns its high watermarks. */
async function topicEnd(admin: Admin): Promise<Map<number, number>> {
  const existing = await admin.listTopics();
  if (!existing.includes(TOPIC)) await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 3, replicationFactor: -1 }], waitForLeaders: true });
  const offsets = await admin.fetchTopicOffsets(TOPIC);
  return new Map(offsets.map((o) => [o.partition, Number(o.high)]));
}

function pidOf(file: string): number | undefined {
  if (!existsSync(file)) return undefined;
  const pid = Number(readFileSync(file, 'utf8').trim());
  return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
}

async function removePrefixedKeys(redis: Redis): Promise<number> {
  let removed = 0;
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${PREFIX}*`, 'COUNT', 5_000);
    if (keys.length > 0) removed += await redis.unlink(keys);
    cursor = next;
  } while (cursor !== '0');
  return removed;
}

async function main(): Promise<void> {
  const kafka = new Kafka({ clientId: 'recsys-bench-ingest', brokers: BROKERS, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  const redis = new Redis(REDIS_URL, { lazyConnect: true });
  try {
    await Promise.all([admin.connect(), redis.connect()]);
  } catch (error) {
    console.error(`Kafka (${BROKERS.join(',')}) or Redis (${REDIS_URL}) does not answer: ${(error as Error).message}\nStart them with \`npm run infra:up\`.`);
    process.exitCode = 1;
    await admin.disconnect().catch(() => undefined);
    redis.disconnect();
    return;
  }
  const dataDir = join(tmpdir(), `recsys-bench-ingest-${RUN}`);
  const profileDir = join(ROOT, 'tmp', `ingest-profiles-${RUN}`);
  let system: BenchServices | undefined;
  const serviceOfPid = new Map<number, string>();
  try {
    // The fresh group starts at the topic's current end: earlier runs' events are not this run's work.
    const start = await topicEnd(admin);
    await admin.setOffsets({ groupId: GROUP, topic: TOPIC, partitions: [...start].map(([partition, offset]) => ({ partition, offset: String(offset) })) });
    const partitions = [...start.keys()].sort((a, b) => a - b);
    if (partitions.length > MAX_PARTITIONS) throw new Error(`${TOPIC} has ${partitions.length} partitions; this reads at most ${MAX_PARTITIONS}`);

    const port = Number(values.port) || (await freePortRange(3));
    if (values['cpu-prof']) mkdirSync(profileDir, { recursive: true });
    const env = (service: string): Record<string, string> => ({
      RECSYS_BACKEND: 'redis-kafka',
      KAFKA_BROKERS: BROKERS.join(','),
      REDIS_URL,
      RECSYS_DATA_DIR: dataDir,
      LOG_LEVEL: 'info',
      OTEL_SERVICE_NAME: `recsys-${service}`,
      OTEL_TRACES_EXPORTER: 'none',
    });
    system = await startServices({
      root: ROOT,
      logDir: join(dataDir, 'logs'),
      nodeArgs: values['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [],
      specs: [
        { name: 'feature', port: port + 2, env: { ...env('feature'), FEATURE_GROUP_ID: GROUP, FEATURE_KEY_PREFIX: PREFIX } },
        { name: 'orchestrator', port, env: { ...env('orchestrator'), FEATURE_ADDR: `127.0.0.1:${port + 2}` } },
      ],
    });
    const pids = system.pids;
    for (const [name, pid] of Object.entries(pids)) if (pid !== undefined) serviceOfPid.set(pid, name);
    const client = createClient(OrchestratorServiceClient, system.addresses.orchestrator, { timeoutMs: 30_000 });
    const feature = createClient(FeatureServiceClient, system.addresses.feature, { timeoutMs: 5_000 });

    const cpuModel = cpus()[0]?.model.trim() ?? 'cpu';
    const info = await redis.info('server');
    console.log(`Ingestion benchmark: LogEvents → orchestrator → Kafka (${BROKERS.join(',')}) → feature → Redis (${REDIS_URL}, ${/redis_version:(\S+)/.exec(info)?.[1]})`);
    console.log(`machine: ${cpus().length} × ${cpuModel}, node ${process.version}; ${TOPIC} has ${partitions.length} partitions; group ${GROUP}, key prefix ${PREFIX}`);

    // Catalog: the feature processor looks up each event's creator in it.
    const items = catalog();
    const upsertStarted = nowMs();
    for (let i = 0; i < items.length; i += 1000 * CONCURRENCY) {
      await Promise.all(
        Array.from({ length: CONCURRENCY }, (_, k) => items.slice(i + k * 1000, i + (k + 1) * 1000)).filter((b) => b.length > 0).map((b) => client.upsertItems({ items: b })),
      );
    }
    const last = items[items.length - 1].itemId;
    for (;;) {
      const res = await feature.getItemFeatures({ itemIds: [last] }).catch(() => undefined);
      if (res?.items[0]?.known) break;
      await sleep(100);
    }
    console.log(`catalog: ${items.length} pins of ${new Set(items.map((i) => i.creatorId)).size} creators upserted and in the feature service in ${((nowMs() - upsertStarted) / 1000).toFixed(1)} s`);

    // Watermark sampler: applied events and lag samples.
    const wmKeys = partitions.map((p) => `${PREFIX}wm:${TOPIC}:${p}`);
    const applied = new Map<number, number>(partitions.map((p) => [p, start.get(p)! - 1]));
    const appliedCount = () => partitions.reduce((sum, p) => sum + Math.max(0, applied.get(p)! + 1 - start.get(p)!), 0);
    const pending: { t: number; high: Map<number, number> }[] = [];
    const lags: { t: number; lagMs: number }[] = [];
    const series: { t: number; applied: number }[] = [];
    let sampling = true;
    const readWatermarks = async () => {
      const raw = await redis.mgetBuffer(wmKeys);
      raw.forEach((bytes, i) => {
        if (bytes !== null && bytes.length === 8) applied.set(partitions[i], bytes.readDoubleLE(0));
      });
      const t = nowMs();
      series.push({ t, applied: appliedCount() });
      while (pending.length > 0 && partitions.every((p) => applied.get(p)! + 1 >= pending[0].high.get(p)!)) {
        const done = pending.shift()!;
        lags.push({ t: done.t, lagMs: t - done.t });
      }
    };
    const watermarkLoop = (async () => {
      while (sampling) {
        await readWatermarks();
        await sleep(10);
      }
    })();
    const highLoop = (async () => {
      while (sampling) {
        const t = nowMs();
        const offsets = await admin.fetchTopicOffsets(TOPIC);
        pending.push({ t, high: new Map(offsets.map((o) => [o.partition, Number(o.high)])) });
        await sleep(100);
      }
    })();

    // Load: paced batch slots taken by concurrent callers.
    const random = mulberry32(SEED + 1);
    let sent = 0;
    const event = (t: number): EngagementEvent => {
      const r = random();
      const type =
        r < 0.7
          ? EngagementType.ENGAGEMENT_TYPE_IMPRESSION
          : r < 0.85
            ? EngagementType.ENGAGEMENT_TYPE_CLICK
            : r < 0.91
              ? EngagementType.ENGAGEMENT_TYPE_SAVE
              : r < 0.93
                ? EngagementType.ENGAGEMENT_TYPE_SHARE
                : r < 0.94
                  ? EngagementType.ENGAGEMENT_TYPE_HIDE
                  : EngagementType.ENGAGEMENT_TYPE_DWELL;
      return {
        eventId: `bi-${RUN}-${sent++}`,
        userId: `${ID_PREFIX}u${Math.floor(random() * USERS)}`,
        itemId: items[Math.floor(random() * items.length)].itemId,
        type,
        timestampMs: String(t),
        dwellMs: type === EngagementType.ENGAGEMENT_TYPE_DWELL ? 1000 + Math.floor(random() * 20_000) : 0,
        requestId: '',
        position: Math.floor(random() * 25),
        surface: 'home_feed',
        boardId: '',
      };
    };
    const calls: { slot: number; ackedAt: number; ms: number; events: number }[] = [];
    let errors = 0;
    let firstError = '';
    const began = nowMs();
    const measureFrom = began + WARMUP * 1000;
    const measureTo = measureFrom + SECONDS * 1000;
    const slotMs = (BATCH / RATE) * 1000;
    let next = began;
    let cpuBefore: Record<string, number | undefined> = {};
    let selfBefore = process.cpuUsage();
    const processes = (): Record<string, number | undefined> => ({
      orchestrator: pids.orchestrator,
      feature: pids.feature,
      kafka: pidOf(join(INFRA_DIR, 'kafka', 'kafka.pid')),
      redis: pidOf(join(INFRA_DIR, 'redis', 'redis.pid')),
    });
    const cpuTimer = setTimeout(() => {
      cpuBefore = cpuSnapshot(processes());
      selfBefore = process.cpuUsage();
    }, WARMUP * 1000);
    const worker = async () => {
      for (;;) {
        const slot = next;
        next += slotMs;
        if (slot >= measureTo) return;
        const wait = slot - nowMs();
        if (wait > 0) await sleep(wait);
        const t = Date.now();
        const batch = Array.from({ length: BATCH }, () => event(t));
        const callStart = nowMs();
        try {
          await client.logEvents({ events: batch });
          const ackedAt = nowMs();
          calls.push({ slot, ackedAt, ms: ackedAt - callStart, events: batch.length });
        } catch (error) {
          if (errors++ === 0) firstError = (error as Error).message;
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    // The measured part ends with the last acknowledgement: later than measureTo when LogEvents could not keep up.
    const driveEnded = nowMs();
    await sleep(Math.max(0, measureTo - nowMs()));
    const cpuAfter = cpuSnapshot(processes());
    const selfAfter = process.cpuUsage(selfBefore);
    clearTimeout(cpuTimer);
    const measuredSeconds = (Math.max(driveEnded, measureTo) - measureFrom) / 1000;

    // Drain: wait until the processor applied everything in the topic.
    const final = await topicEnd(admin);
    const drainDeadline = nowMs() + Number(values['drain-timeout']) * 1000;
    while (!partitions.every((p) => applied.get(p)! + 1 >= final.get(p)!) && nowMs() < drainDeadline) await sleep(50);
    const drained = nowMs();
    /** Events applied by time `t` (the last watermark sample at or before it). */
    const at = (t: number) => {
      let best = series[0]?.applied ?? 0;
      for (const s of series) {
        if (s.t > t) break;
        best = s.applied;
      }
      return best;
    };
    const appliedAtDriveEnd = at(driveEnded);
    sampling = false;
    await Promise.all([watermarkLoop, highLoop]);

    // Figures.
    const window = calls.filter((c) => c.slot >= measureFrom);
    const published = window.reduce((s, c) => s + c.events, 0);
    const appliedInWindow = at(measureFrom + measuredSeconds * 1000) - at(measureFrom);
    const totalPublished = calls.reduce((s, c) => s + c.events, 0);
    const totalApplied = appliedCount();
    const lagWindow = summarize(lags.filter((l) => l.t >= measureFrom && l.t < driveEnded).map((l) => l.lagMs));
    const callStats = summarize(window.map((c) => c.ms));
    const cores = coresUsed(cpuBefore, cpuAfter, measuredSeconds);
    const fmt = (v: number) => `${v.toFixed(1)} ms`;
    console.log(
      `offered ${RATE} events/s in batches of ${BATCH} from ${CONCURRENCY} concurrent callers; ${WARMUP} s warm-up, ${SECONDS} s measured; ${USERS} users, ${items.length} pins`,
    );
    const behind = measuredSeconds > SECONDS * 1.02 ? ` (the callers fell behind the offered rate: ${SECONDS} s of load took ${measuredSeconds.toFixed(1)} s)` : '';
    console.log(`published (LogEvents acknowledged): ${published} events in ${measuredSeconds.toFixed(1)} s = ${(published / measuredSeconds).toFixed(0)} events/s${behind}`);
    console.log(`applied to Redis (watermarks) in the same ${measuredSeconds.toFixed(1)} s: ${appliedInWindow} events = ${(appliedInWindow / measuredSeconds).toFixed(0)} events/s`);
    const drainSeconds = (drained - driveEnded) / 1000;
    console.log(
      `drain: ${totalApplied} of ${totalPublished} published events applied within ${drainSeconds.toFixed(1)} s of the last LogEvents ack` +
        (partitions.every((p) => applied.get(p)! + 1 >= final.get(p)!) ? '' : ' (NOT drained: timed out)') +
        (drainSeconds > 1 ? `; ${totalApplied - appliedAtDriveEnd} applied while draining = ${((totalApplied - appliedAtDriveEnd) / drainSeconds).toFixed(0)} events/s` : ''),
    );
    console.log(`lag in Kafka → applied in Redis (${lagWindow.count} samples, 100 ms apart): p50 ${fmt(lagWindow.p50)}  p99 ${fmt(lagWindow.p99)}  max ${fmt(lagWindow.max)}`);
    console.log(`LogEvents of ${BATCH}: p50 ${fmt(callStats.p50)}  p99 ${fmt(callStats.p99)}  max ${fmt(callStats.max)}; errors ${errors}${firstError ? ` (first: ${firstError})` : ''}`);
    const self = (selfAfter.user + selfAfter.system) / 1e6 / measuredSeconds;
    console.log(
      `CPU while measured (cores): ${Object.entries(cores)
        .map(([name, c]) => `${name} ${c.toFixed(2)}`)
        .join(', ')}, load generator ${self.toFixed(2)} (of ${cpus().length})`,
    );
    client.close();
    feature.close();
  } finally {
    await system?.stop();
    if (values['cpu-prof']) printProfiles(profileDir, serviceOfPid);
    if (!values.keep) {
      const removed = await removePrefixedKeys(redis).catch(() => 0);
      await admin.deleteGroups([GROUP]).catch(() => undefined);
      console.log(`removed ${removed} keys with prefix ${PREFIX} and the consumer group`);
    }
    rmSync(dataDir, { recursive: true, force: true });
    await admin.disconnect();
    redis.disconnect();
  }
}

/** Prints the hottest functions of each service's CPU profile (`CPU.<date>.<time>.<pid>.<tid>.<n>.cpuprofile`, written at exit). */
function printProfiles(dir: string, serviceOfPid: ReadonlyMap<number, string>): void {
  if (!existsSync(dir)) return;
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'))) {
    const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile;
    const seconds = (profile.endTime - profile.startTime) / 1e6;
    const service = serviceOfPid.get(Number(file.split('.')[3])) ?? 'unknown process';
    console.log(`\nCPU profile of ${service}, ${join(dir, file)} (${seconds.toFixed(0)} s, busy ${(100 * busyShare(profile)).toFixed(0)}%): top self time`);
    for (const spot of hotSpots(profile, 15)) console.log(`  ${(100 * spot.selfShare).toFixed(1).padStart(5)}%  ${spot.where}`);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
