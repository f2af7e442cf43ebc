// Outages on the redis-kafka backend: a private Redis (AOF, fsync always) killed with SIGKILL and restarted while
// events are published, then a private Kafka broker killed and restarted the same way. Every published event must be
// counted exactly once afterwards, reads must fail cleanly during the Redis outage, and the stream must resume alone.
// The shared Redis and Kafka of the other tests are never stopped.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { connect } from 'node:net';
import { once } from 'node:events';
import * as path from 'node:path';
import { Writable } from 'node:stream';
import { promisify } from 'node:util';
import { FeatureServiceClient } from '@recsys/contracts';
import { RecsysError, type EngagementEvent, type EventType, type Item } from '@recsys/domain';
import { createClient, type PromiseClient } from '@recsys/grpc';
import { createLogger } from '@recsys/logger';
import { TOPICS, openKafkaEventBus, openRedisFeatureStore, type EventBus } from '@recsys/stores';
import { freeDataDir, waitFor } from '@recsys/testing';
import { startFeatureApp, type FeatureApp } from '../src/app';
import { loadConfig } from '../src/config';
import { itemKey, markerKey, userKey, watermarkKey } from '../src/keys';
import { withKeyPrefix } from '../src/prefixed-feature-store';
import { catalogMessages, deleteGroups, engagementMessages, freePort, seedGroupAtEnd, within } from './support';

jest.setTimeout(300_000);

const ROOT = path.resolve(__dirname, '../../..');
const INFRA_SH = path.join(ROOT, 'tools/infra/infra.sh');
const KAFKA_LIBS = path.join(process.env.INFRA_DIR ?? path.join(ROOT, '.infra'), 'kafka', 'libs');
const SHARED_BROKERS = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const SHARED_REDIS = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const run = randomBytes(4).toString('hex');
const execFileAsync = promisify(execFile);

/** True when a Redis on `port` answers PING with PONG (not while it is still loading its AOF). */
function redisAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.on('error', () => done(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (data) => done(data.toString().startsWith('+PONG')));
  });
}

/** A redis-server child process with an append-only file fsynced on every write, so acknowledged writes survive. */
class PrivateRedis {
  private child?: ChildProcess;
  constructor(
    readonly port: number,
    private readonly dir: string,
  ) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'yes', '--appendfsync', 'always', '--dir', this.dir];
    this.child = spawn('redis-server', args, { stdio: 'ignore' });
    await waitFor(() => redisAnswers(this.port), { timeoutMs: 15_000, what: `redis-server on port ${this.port} to answer PING` });
  }

  /** SIGKILL: no shutdown, no final save. */
  async kill(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;
  }
}

/** A single-node Kafka (KRaft) started by tools/infra/infra.sh in its own INFRA_DIR, on free ports. */
class PrivateKafka {
  readonly dir = freeDataDir('feature-outage-kafka');
  private ports?: { broker: number; controller: number };

  get brokers(): string[] {
    return [`127.0.0.1:${this.ports!.broker}`];
  }

  /** `infra.sh up` (idempotent: a restart after a kill reuses the data); the jars are the shared infra's. */
  async up(): Promise<void> {
    if (this.ports === undefined) {
      this.ports = { broker: await freePort(), controller: await freePort() };
      mkdirSync(path.join(this.dir, 'kafka'), { recursive: true });
      symlinkSync(KAFKA_LIBS, path.join(this.dir, 'kafka', 'libs'));
    }
    // REDIS_PORT: infra.sh also "ups" Redis; pointed at the shared one, which answers, it leaves Redis alone.
    const env = {
      ...process.env,
      INFRA_DIR: this.dir,
      KAFKA_PORT: String(this.ports.broker),
      KAFKA_CONTROLLER_PORT: String(this.ports.controller),
      REDIS_PORT: new URL(SHARED_REDIS).port || '6379',
    };
    await execFileAsync('bash', [INFRA_SH, 'up'], { env, timeout: 90_000 });
  }

  /** SIGKILL of the broker process. */
  kill(): void {
    const file = path.join(this.dir, 'kafka', 'kafka.pid');
    if (!existsSync(file)) return;
    const pid = Number(readFileSync(file, 'utf8').trim());
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }

  remove(): void {
    this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A logger keeping the warnings the app logs (Redis connection lost / back, handler retries). */
function recordingLogger() {
  const lines: string[] = [];
  const logger = createLogger({
    service: 'feature',
    level: 'warn',
    stream: new Writable({
      write: (chunk, _e, done) => {
        lines.push(String(chunk));
        done();
      },
    }),
  });
  return { logger, lines };
}

const ev = (eventId: string, userId: string, itemId: string, type: EventType): EngagementEvent => ({
  eventId, userId, itemId, type, timestampMs: Date.now(), dwellMs: 0, requestId: '', position: 0, surface: '', boardId: '',
});

/** How one GetItemFeatures call ended: `ok` or the error category. */
async function outcomeOf(call: Promise<unknown>): Promise<string> {
  try {
    await call;
    return 'ok';
  } catch (error) {
    return error instanceof RecsysError ? error.category : `non-RecsysError: ${String(error)}`;
  }
}

/** Publishes `batch`, retrying a rejected publish (Kafka down) with the same messages, as a client would. */
async function publishUntilAcknowledged(bus: EventBus, events: EngagementEvent[], deadline: number): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    try {
      await bus.publish(TOPICS.engagement, engagementMessages(events));
      return attempt;
    } catch (error) {
      if (Date.now() > deadline) throw error;
    }
  }
}

describe('feature service outages (redis-kafka)', () => {
  const kafka = new PrivateKafka();
  let kafkaUp: Promise<void>;
  const cleanups: (() => Promise<void> | void)[] = [];

  beforeAll(() => {
    if (!existsSync(KAFKA_LIBS)) throw new Error(`no Kafka jars in ${KAFKA_LIBS}: run npm run infra:up once`);
    // The broker takes ~20-30 s to start on a small machine: it starts while the Redis outage runs.
    kafkaUp = kafka.up();
    kafkaUp.catch(() => undefined);
    cleanups.push(() => kafka.remove());
  });

  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) {
      try {
        await cleanup();
      } catch {
        // Best effort: every cleanup runs.
      }
    }
  });

  it('Redis killed and restarted mid-stream: every event counted once, reads fail cleanly meanwhile, the stream resumes by itself', async () => {
    const redisDir = freeDataDir('feature-outage-redis');
    const redis = new PrivateRedis(await freePort(), redisDir);
    cleanups.push(async () => {
      await redis.kill();
      rmSync(redisDir, { recursive: true, force: true });
    });
    await redis.start();

    const group = `feature-outage-${run}`;
    await seedGroupAtEnd(SHARED_BROKERS, group, TOPICS.engagement);
    cleanups.push(() => deleteGroups(SHARED_BROKERS, [group]));
    const bus = await openKafkaEventBus({ brokers: SHARED_BROKERS, clientId: 'feature-outage', onWarning: () => undefined });
    cleanups.push(() => bus.close());

    const ITEMS = Array.from({ length: 50 }, (_, k): Item => ({
      id: `o-item-${k}-${run}`, creatorId: `o-creator-${k % 5}-${run}`, topics: ['t'], aspectRatio: 1, createdAtMs: 0, quality: 0.5, embedding: [], unsafe: false,
    }));
    const USERS = Array.from({ length: 40 }, (_, j) => `o-user-${j}-${run}`);
    await bus.publish(TOPICS.catalog, catalogMessages(ITEMS, [], Date.now()));

    const { logger, lines } = recordingLogger();
    const env = { RECSYS_BACKEND: 'redis-kafka', KAFKA_BROKERS: SHARED_BROKERS.join(','), REDIS_URL: redis.url, GRPC_PORT: '0', FEATURE_GROUP_ID: group };
    const app: FeatureApp = await within(startFeatureApp(loadConfig(env), logger), 45_000, 'the feature app to start');
    cleanups.push(async () => {
      await app.server.shutdown(1000);
      await app.close();
    });
    const client: PromiseClient<FeatureServiceClient> = createClient(FeatureServiceClient, `127.0.0.1:${app.server.port}`, { timeoutMs: 2000 });
    cleanups.push(() => client.close());

    // N events in batches of 50: user i % 40, item i % 50, a click every 10th; every 100th sent again in the next
    // batch (a client retry: same event id, another offset).
    const N = 3000;
    const BATCH = 50;
    const events = Array.from({ length: N }, (_, i) => ev(`o-e${i}-${run}`, USERS[i % USERS.length], ITEMS[i % ITEMS.length].id, i % 10 === 0 ? 'click' : 'impression'));
    const batches = Array.from({ length: N / BATCH }, (_, b) => {
      const batch = events.slice(b * BATCH, (b + 1) * BATCH);
      return b > 0 && b % 2 === 0 ? [...batch, events[(b - 1) * BATCH]] : batch;
    });

    const outages: string[] = [];
    const read = () => client.getItemFeatures({ itemIds: [ITEMS[0].id] });
    for (const batch of batches.slice(0, 20)) await bus.publish(TOPICS.engagement, engagementMessages(batch));

    await redis.kill();
    // Reads while Redis is down: made after the kill, before the restart.
    for (let i = 0; i < 5; i++) outages.push(await outcomeOf(read()));
    for (const batch of batches.slice(20, 40)) {
      await bus.publish(TOPICS.engagement, engagementMessages(batch));
      outages.push(await outcomeOf(read()));
    }
    // The processor notices: its transactions fail and the bus backs off (the partitions are retried, not skipped).
    await waitFor(() => lines.some((l) => l.includes('connection to Redis') && l.includes('is down')), { timeoutMs: 10_000, what: 'the app to log the Redis outage' });

    await redis.start();
    for (const batch of batches.slice(40)) await bus.publish(TOPICS.engagement, engagementMessages(batch));

    // Fail closed: a read during the outage either failed as unavailable (or ran out of its deadline), never answered
    // with made-up defaults and never an internal error.
    expect(outages.length).toBe(25);
    expect(outages.filter((o) => o !== 'unavailable' && o !== 'deadline')).toEqual([]);

    const expected = { items: new Map<string, [number, number]>(), creators: new Map<string, [number, number]>(), users: new Map<string, [number, number]>() };
    const add = (map: Map<string, [number, number]>, key: string, e: EngagementEvent) => {
      const [impressions, clicks] = map.get(key) ?? [0, 0];
      map.set(key, e.type === 'click' ? [impressions, clicks + 1] : [impressions + 1, clicks]);
    };
    for (const e of events) {
      add(expected.items, e.itemId, e);
      add(expected.creators, ITEMS.find((item) => item.id === e.itemId)!.creatorId, e);
      add(expected.users, e.userId, e);
    }
    const counts = async () => {
      const res = await client.getItemFeatures({ itemIds: ITEMS.map((i) => i.id) });
      const col = (name: string) => res.featureNames.indexOf(name);
      const items = new Map(res.items.map((r) => [r.itemId, [r.values[col('item_impressions')], r.values[col('item_clicks')]] as [number, number]]));
      const creators = new Map(res.items.map((r, k) => [ITEMS[k].creatorId, [r.values[col('creator_impressions')], r.values[col('creator_clicks')]] as [number, number]]));
      const users = new Map<string, [number, number]>();
      for (const userId of USERS) {
        const u = await client.getUserFeatures({ userId });
        users.set(userId, [u.features!.values.user_impressions, u.features!.values.user_clicks]);
      }
      return { items, creators, users };
    };
    const final = await waitFor(
      async () => {
        const seen = await counts();
        const total = [...seen.items.values()].reduce((s, [i, c]) => s + i + c, 0);
        return total >= N && seen;
      },
      { timeoutMs: 45_000, intervalMs: 250, what: `all ${N} events to be counted after the Redis restart` },
    );
    await within(app.caughtUp(), 30_000, 'the stream to catch up');
    const settled = await counts();
    expect(settled).toEqual(final);
    expect(settled).toEqual(expected);
    expect(lines.some((l) => l.includes('connection to Redis') && l.includes('is back'))).toBe(true);
    expect(await outcomeOf(read())).toBe('ok');
  });

  it('Kafka broker killed and restarted mid-publish: every acknowledged event counted exactly once', async () => {
    await within(kafkaUp, 90_000, 'the private Kafka broker to start');
    const prefix = `feature-outage:${run}:`;
    const group = `feature-outage-kafka-${run}`;
    const env = { RECSYS_BACKEND: 'redis-kafka', KAFKA_BROKERS: kafka.brokers.join(','), REDIS_URL: SHARED_REDIS, GRPC_PORT: '0', FEATURE_GROUP_ID: group, FEATURE_KEY_PREFIX: prefix };
    const bus = await openKafkaEventBus({ brokers: kafka.brokers, clientId: 'feature-outage', publishTimeoutMs: 3000, onWarning: () => undefined });
    cleanups.push(() => bus.close());

    // One item per event (not in the catalog: counters only), so each event's count is checked on its own.
    const N = 1500;
    const BATCH = 50;
    const USERS = Array.from({ length: 20 }, (_, j) => `k-user-${j}-${run}`);
    const events = Array.from({ length: N }, (_, i) => ev(`k-e${i}-${run}`, USERS[i % USERS.length], `k-item-${i}-${run}`, 'impression'));
    const itemIds = events.map((e) => e.itemId);
    cleanups.push(async () => {
      const store = withKeyPrefix(await openRedisFeatureStore({ url: SHARED_REDIS, onWarning: () => undefined }), prefix);
      await store.delete([...itemIds.map(itemKey), ...USERS.map(userKey), ...events.map((e) => markerKey(e.eventId)), ...[0, 1, 2].map((p) => watermarkKey(TOPICS.engagement, p))]);
      await store.close();
    });
    // Topics exist before the app subscribes; the first batch goes in while everything is up.
    await bus.publish(TOPICS.engagement, engagementMessages(events.slice(0, BATCH)));

    const app: FeatureApp = await within(startFeatureApp(loadConfig(env), createLogger({ service: 'feature', level: 'error', stream: new Writable({ write: (_c, _e, d) => d() }) })), 45_000, 'the feature app to start');
    cleanups.push(async () => {
      await app.server.shutdown(1000);
      await app.close();
    });
    const client: PromiseClient<FeatureServiceClient> = createClient(FeatureServiceClient, `127.0.0.1:${app.server.port}`, { timeoutMs: 5000 });
    cleanups.push(() => client.close());

    let attempts = 0;
    for (let b = 1; b < 10; b++) attempts += await publishUntilAcknowledged(bus, events.slice(b * BATCH, (b + 1) * BATCH), Date.now() + 60_000);
    kafka.kill();
    const restarted = kafka.up();
    restarted.catch(() => undefined);
    // Reads do not need Kafka: they keep answering from Redis while the broker is down.
    const during = await outcomeOf(client.getItemFeatures({ itemIds: itemIds.slice(0, 10) }));
    // Publishing retries until the broker is back: a restart takes 20-30 s on an idle machine and over a minute under
    // a loaded test run, so the bound is generous (a guard against a broker that never returns, not a speed check).
    const deadline = Date.now() + 150_000;
    for (let b = 10; b < N / BATCH; b++) attempts += await publishUntilAcknowledged(bus, events.slice(b * BATCH, (b + 1) * BATCH), deadline);
    await within(restarted, 90_000, 'the private Kafka broker to restart');
    expect(during).toBe('ok');
    // Some publishes failed while the broker was down and were sent again (maybe written twice).
    expect(attempts).toBeGreaterThan(N / BATCH - 1);

    const counts = async () => {
      const res = await client.getItemFeatures({ itemIds });
      const col = res.featureNames.indexOf('item_impressions');
      return res.items.map((r) => r.values[col]);
    };
    const seen = await waitFor(
      async () => {
        const c = await counts();
        return c.every((n) => n >= 1) && c;
      },
      { timeoutMs: 60_000, intervalMs: 500, what: 'every acknowledged event to be counted after the broker restart' },
    );
    await within(app.caughtUp(), 30_000, 'the stream to catch up');
    expect(seen.filter((n) => n !== 1)).toEqual([]);
    expect((await counts()).filter((n) => n !== 1)).toEqual([]);
    const users = await Promise.all(USERS.map((userId) => client.getUserFeatures({ userId })));
    expect(users.map((u) => u.features!.values.user_impressions)).toEqual(USERS.map(() => N / USERS.length));
  });
});
