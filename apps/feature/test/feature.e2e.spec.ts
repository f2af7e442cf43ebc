// End to end: the feature service over real gRPC on both backends — embedded (file-log bus and snapshotted in-memory
// store in a temp dir) and redis-kafka (the local Kafka and Redis, isolated by a consumer group and a key prefix per
// run). Events go to the bus as clients publish them; values are read back over gRPC.
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import * as path from 'node:path';
import { status as GrpcStatus } from '@grpc/grpc-js';
import {
  EngagementEvent as WireEvent,
  FeatureServiceClient,
  hasBit,
  itemToWire,
  readDictionary,
  readFloat32Column,
  readFloat32Matrix,
  readUint8Column,
  userToWire,
  type GetItemFeaturesResponse,
} from '@recsys/contracts';
import { RecsysError, type EngagementEvent, type EventType, type Item, type User } from '@recsys/domain';
import { AFFINITY_HALF_LIFE_MS, ITEM_FEATURES, USER_FEATURES } from '@recsys/features';
import { createClient, type PromiseClient } from '@recsys/grpc';
import {
  DEAD_LETTER_OFFSET_HEADER,
  DEAD_LETTER_PARTITION_HEADER,
  DEAD_LETTER_REASON_HEADER,
  DEAD_LETTER_TOPIC_HEADER,
  TOPICS,
  openFileLogEventBus,
  openKafkaEventBus,
  openRedisFeatureStore,
  type Backend,
  type DeliveredMessage,
  type EventBus,
} from '@recsys/stores';
import { freeDataDir, waitFor } from '@recsys/testing';
import { startFeatureApp, type FeatureApp } from '../src/app';
import { loadConfig } from '../src/config';
import { creatorKey, itemKey, markerKey, userKey, watermarkKey } from '../src/keys';
import { withKeyPrefix } from '../src/prefixed-feature-store';
import { catalogMessages, deleteGroups, engagementMessages, highWatermarks, seedGroupAtEnd, silentLogger, tap, within, type Tap } from './support';

jest.setTimeout(60_000);

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const NOW = Date.now();
const DLQ = `${TOPICS.engagement}.dlq`;
const BROKERS = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const ctr = (clicks: number, impressions: number) => (clicks + 1) / (impressions + 21);

/** One item of a GetItemFeatures answer with its feature row keyed by the answer's feature names. */
interface ItemRow {
  itemId: string;
  known: boolean;
  features: Record<string, number>;
  defaulted: string[];
}

function rowsOf(res: GetItemFeaturesResponse): ItemRow[] {
  return res.items.map((item) => {
    expect(item.values).toHaveLength(res.featureNames.length);
    return {
      itemId: item.itemId,
      known: item.known,
      features: Object.fromEntries(res.featureNames.map((name, i) => [name, item.values[i]])),
      defaulted: item.defaulted.map((i) => res.featureNames[i]),
    };
  });
}

/** The features of a row that do not depend on the answer time: all-time counters and rates, catalog features. */
function stableFeatures(row: ItemRow): Record<string, number> {
  return Object.fromEntries(Object.entries(row.features).filter(([name]) => !/_(1h|24h|7d)$|_24h_smoothed$|_mean_7d$|_hours_since_engaged$|_age_hours$/.test(name)));
}

describe.each<[Backend]>([['embedded'], ['redis-kafka']])('feature service e2e (%s)', (backend) => {
  const run = randomBytes(4).toString('hex');
  const id = (name: string) => `${name}-${run}`;
  const [A, B, C, U1, U2] = [id('pin-a'), id('pin-b'), id('pin-c'), id('u1'), id('u2')];
  const [C1, C2] = [id('c1'), id('c2')];
  const ITEMS: Item[] = [
    { id: A, creatorId: C1, topics: ['food'], aspectRatio: 0.75, createdAtMs: NOW - 48 * HOUR, quality: 0.8, embedding: [0.5, -1], unsafe: false },
    { id: B, creatorId: C1, topics: ['travel', 'food'], aspectRatio: 1.5, createdAtMs: NOW - 24 * HOUR, quality: 0.6, embedding: [], unsafe: false },
    { id: C, creatorId: C2, topics: ['art'], aspectRatio: 1, createdAtMs: NOW - 10 * HOUR, quality: 0.4, embedding: [], unsafe: false },
  ];
  const USERS: User[] = [
    { id: U1, ageBucket: '25-34', gender: 'female', country: 'US', signupAtMs: NOW - 10 * DAY },
    { id: U2, ageBucket: '45-54', gender: 'male', country: 'DE', signupAtMs: NOW - 3 * DAY },
  ];
  let seq = 0;
  const ev = (userId: string, itemId: string, type: EventType, atMs: number, extra: Partial<EngagementEvent> = {}): EngagementEvent => ({
    eventId: id(`e${++seq}`), userId, itemId, type, timestampMs: atMs, dwellMs: 0, requestId: '', position: 0, surface: 'home_feed', boardId: '', ...extra,
  });
  const times = <X>(n: number, make: () => X): X[] => Array.from({ length: n }, make);
  const [D10, D3, H2, M30, M10] = [NOW - 10 * DAY, NOW - 3 * DAY, NOW - 2 * HOUR, NOW - 30 * MINUTE, NOW - 10 * MINUTE];
  /** Clicked twice by a client retry: the same event id at two offsets. */
  const RETRIED = ev(U2, A, 'click', M10);
  /**
   * pin-a: impressions 1 (10 d ago) + 1 (3 d) + 5 (2 h) + 3 (10 min) = 10; clicks 3 d, 2 h, 10 min (one sent twice);
   * a save and a hide 2 h ago; dwell 3000 + 5000 ms 2 h ago. pin-b: 4 impressions 2 h ago, saved by u1 30 min ago.
   * Creator c1 = pin-a + pin-b. u1: 6 impressions, 1 click, 1 save, dwell 3000 ms.
   */
  const EVENTS: EngagementEvent[] = [
    ev(U1, A, 'impression', D10),
    ev(U2, A, 'impression', D3),
    ev(U2, A, 'click', D3),
    ...times(5, () => ev(U1, A, 'impression', H2)),
    ev(U1, A, 'click', H2),
    ev(U2, A, 'save', H2),
    ev(U2, A, 'hide', H2),
    ev(U1, A, 'dwell', H2, { dwellMs: 3000 }),
    ev(U2, A, 'dwell', H2, { dwellMs: 5000 }),
    ...times(4, () => ev(U2, B, 'impression', H2)),
    ev(U1, B, 'save', M30),
    ...times(3, () => ev(U2, A, 'impression', M10)),
    RETRIED,
    { ...RETRIED },
  ];

  /** An undecodable payload and a click an hour after the bus accepts it. */
  const MALFORMED = [{ key: U2, value: new Uint8Array([0xff, 0xff, 0xff, 0xff]) }, ...engagementMessages([ev(U2, A, 'click', NOW + HOUR)])];
  const isMalformed = (m: DeliveredMessage) => MALFORMED.some((bad) => Buffer.from(bad.value).equals(Buffer.from(m.value)));
  /**
   * The stream's counters. The shared Kafka topic may also carry other tests' messages, which this run's group
   * applies too (into its own keys): there they are lower bounds.
   */
  const expectStats = (expected: Partial<Record<'applied' | 'duplicates' | 'redelivered' | 'deadLettered', number>>) => {
    const stats = app!.stats();
    for (const [name, n] of Object.entries(expected) as [keyof typeof expected, number][]) {
      if (backend === 'embedded') expect([name, stats[name]]).toEqual([name, n]);
      else expect(stats[name]).toBeGreaterThanOrEqual(n);
    }
  };

  let dir: string;
  let bus: EventBus;
  let env: Record<string, string>;
  let app: FeatureApp | undefined;
  let client: PromiseClient<FeatureServiceClient>;
  let engagementTap: Tap;
  let dlqTap: Tap;
  const keys = new Set([U1, U2]);

  const startApp = async () => {
    app = await within(startFeatureApp(loadConfig(env), silentLogger()), 45_000, 'the feature app to start');
    client?.close();
    client = createClient(FeatureServiceClient, `127.0.0.1:${app.server.port}`, { timeoutMs: 5000 });
    return app;
  };
  const stopApp = async () => {
    client?.close();
    await app?.server.shutdown(1000);
    await app?.close();
    app = undefined;
  };
  const publish = (events: EngagementEvent[]) => bus.publish(TOPICS.engagement, engagementMessages(events));
  const items = async (itemIds: string[]) => {
    const res = await client.getItemFeatures({ itemIds });
    return { rows: rowsOf(res), asOfMs: Number(res.snapshot?.asOfMs), positions: res.snapshot?.positions ?? [] };
  };
  const caughtUp = () => within(app!.caughtUp(), 30_000, 'the stream to catch up');
  /** Our engagement messages by partition: the last offset of each. */
  const lastOffsets = () => {
    const last = new Map<number, number>();
    for (const m of engagementTap.messages) last.set(m.partition, Math.max(last.get(m.partition) ?? -1, m.offset));
    return last;
  };

  beforeAll(async () => {
    dir = freeDataDir(`feature-e2e-${backend}`);
    if (backend === 'embedded') {
      env = { RECSYS_BACKEND: 'embedded', RECSYS_DATA_DIR: dir, GRPC_PORT: '0' };
      bus = await openFileLogEventBus(path.join(dir, 'bus'), { pollMs: 10, onWarning: () => undefined });
    } else {
      const group = `feature-e2e-${run}`;
      env = {
        RECSYS_BACKEND: 'redis-kafka',
        KAFKA_BROKERS: BROKERS.join(','),
        REDIS_URL,
        RECSYS_DATA_DIR: dir,
        GRPC_PORT: '0',
        FEATURE_GROUP_ID: group,
        FEATURE_KEY_PREFIX: `feature-e2e:${run}:`,
      };
      // The shared broker keeps every earlier run's engagement: this run's group starts at the end of it.
      await seedGroupAtEnd(BROKERS, group, TOPICS.engagement);
      bus = await openKafkaEventBus({ brokers: BROKERS, clientId: 'feature-e2e', onWarning: () => undefined });
    }
    engagementTap = await tap(bus, TOPICS.engagement, keys);
    dlqTap = await tap(bus, DLQ, keys);
    await bus.publish(TOPICS.catalog, catalogMessages(ITEMS, USERS, NOW - 3 * DAY));
    await publish(EVENTS);
    await bus.publish(TOPICS.engagement, MALFORMED);
    await startApp();
    await waitFor(() => engagementTap.messages.length === EVENTS.length + 2, { timeoutMs: 15_000, what: 'the tap to see every published event' });
  });

  afterAll(async () => {
    await stopApp();
    await engagementTap?.stop();
    await dlqTap?.stop();
    await bus?.close();
    rmSync(dir, { recursive: true, force: true });
    if (backend === 'redis-kafka') {
      // Leave nothing behind on the shared servers: this run's keys and consumer group.
      const store = withKeyPrefix(await openRedisFeatureStore({ url: REDIS_URL, onWarning: () => undefined }), env.FEATURE_KEY_PREFIX);
      const eventIds = Array.from({ length: seq }, (_, n) => id(`e${n + 1}`));
      await store.delete([
        ...[A, B, C].map(itemKey), ...[C1, C2].map(creatorKey), ...[U1, U2].map(userKey), ...eventIds.map(markerKey),
        ...Array.from({ length: 8 }, (_, p) => watermarkKey(TOPICS.engagement, p)),
      ]);
      await store.close();
      await deleteGroups(BROKERS, [env.FEATURE_GROUP_ID]);
    }
  });

  it('serves all-time counters, smoothed rates and dwell means, counting a retried event once', async () => {
    const { rows: [a, b] } = await items([A, B]);
    expect(a).toMatchObject({ itemId: A, known: true, defaulted: [] });
    expect(a.features).toMatchObject({
      item_impressions: 10,
      item_clicks: 3,
      item_saves: 1,
      item_shares: 0,
      item_hides: 1,
      item_dwell_ms: 8000,
      item_dwell_ms_mean: 4000,
      item_dwell_ms_mean_7d: 4000,
      item_quality: 0.8,
      item_aspect_ratio: 0.75,
      creator_impressions: 14,
      creator_clicks: 3,
      creator_saves: 2,
      creator_items: 2,
    });
    expect(a.features.item_ctr_smoothed).toBeCloseTo(ctr(3, 10), 12); // 4/31
    expect(a.features.item_save_rate_smoothed).toBeCloseTo(2 / 31, 12);
    expect(a.features.item_hide_rate_smoothed).toBeCloseTo(2 / 31, 12);
    expect(a.features.creator_ctr_smoothed).toBeCloseTo(ctr(3, 14), 12); // 4/35
    expect(b.features).toMatchObject({ item_impressions: 4, item_saves: 1, item_clicks: 0, creator_impressions: 14 });
  });

  it('serves windowed counters and recency computed at the answer time', async () => {
    const { rows: [a], asOfMs } = await items([A]);
    expect(asOfMs).toBeGreaterThanOrEqual(NOW);
    expect(asOfMs).toBeLessThanOrEqual(Date.now());
    // 1h: the events 10 min ago; 24h: also 2 h ago; 7d: also 3 days ago; 10 days ago only all-time.
    expect(a.features).toMatchObject({
      item_impressions_1h: 3,
      item_clicks_1h: 1,
      item_impressions_24h: 8,
      item_clicks_24h: 2,
      item_saves_24h: 1,
      item_impressions_7d: 9,
      item_clicks_7d: 3,
      creator_impressions_24h: 12,
      creator_saves_1h: 1,
    });
    expect(a.features.item_ctr_24h_smoothed).toBeCloseTo(ctr(2, 8), 12);
    expect(a.features.item_hours_since_engaged).toBeCloseTo((asOfMs - M10) / HOUR, 9);
    expect(a.features.creator_hours_since_engaged).toBeCloseTo((asOfMs - M10) / HOUR, 9);
    expect(a.features.item_age_hours).toBeCloseTo((asOfMs - (NOW - 48 * HOUR)) / HOUR, 9);
  });

  it('serves a user’s counters, last items (newest first, once each), topic affinity and attributes', async () => {
    const u1 = await client.getUserFeatures({ userId: U1 });
    expect(u1).toMatchObject({ userId: U1, known: true, attributes: userToWire(USERS[0]), recentItemIds: [B, A] });
    const asOfMs = Number(u1.snapshot?.asOfMs);
    expect(u1.features?.defaulted).toEqual([]);
    expect(u1.features?.values).toMatchObject({ user_impressions: 6, user_clicks: 1, user_saves: 1, user_dwell_ms: 3000, user_dwell_ms_mean: 3000, user_impressions_24h: 5 });
    expect(u1.features?.values.user_ctr_smoothed).toBeCloseTo(ctr(1, 6), 12);
    expect(u1.features?.values.user_account_age_days).toBeCloseTo((asOfMs - (NOW - 10 * DAY)) / DAY, 9);
    expect(u1.features?.values.user_hours_since_engaged).toBeCloseTo((asOfMs - M30) / HOUR, 9);
    // Click on pin-a (food, primary: 1) 2 h ago, decayed to the save on pin-b (travel 3, food 1.5) 30 min ago.
    const food = 2 ** (-(M30 - H2) / AFFINITY_HALF_LIFE_MS) + 1.5;
    expect(Object.keys(u1.topicAffinity).sort()).toEqual(['food', 'travel']);
    expect(u1.topicAffinity.food).toBeCloseTo(food / (food + 3), 9);
    expect(u1.topicAffinity.travel).toBeCloseTo(3 / (food + 3), 9);
    const u2 = await client.getUserFeatures({ userId: U2 });
    expect(u2.recentItemIds).toEqual([A]);
  });

  it('answers unknown ids with declared defaults and defaulted flags, never an error', async () => {
    const nobody = await client.getUserFeatures({ userId: id('nobody') });
    expect(nobody).toMatchObject({
      userId: id('nobody'),
      known: false,
      attributes: undefined,
      features: { values: USER_FEATURES, defaulted: Object.keys(USER_FEATURES) },
      recentItemIds: [],
      topicAffinity: {},
    });
    const res = await client.getItemFeatures({ itemIds: [C, id('nope'), A, C] });
    expect(res.featureNames).toEqual(Object.keys(ITEM_FEATURES));
    const rows = rowsOf(res);
    expect(rows.map((r) => [r.itemId, r.known])).toEqual([[C, true], [id('nope'), false], [A, true], [C, true]]);
    expect(rows[1].features).toEqual(ITEM_FEATURES);
    expect(res.items[1].defaulted).toEqual(res.featureNames.map((_, i) => i));
    expect(res.items[1].attributes).toBeUndefined();
    // pin-c is in the catalog without engagement: counters defaulted, catalog features served.
    expect(rows[0].features).toMatchObject({ item_clicks: 0, item_quality: 0.4, creator_items: 1, item_ctr_smoothed: ITEM_FEATURES.item_ctr_smoothed });
    expect(rows[0].defaulted).toEqual(expect.arrayContaining(['item_clicks', 'item_ctr_smoothed', 'creator_clicks']));
    expect(rows[0].defaulted).not.toContain('item_quality');
    expect(res.items[0].attributes).toEqual({ ...itemToWire(ITEMS[2]), embedding: [] });
  });

  it('answers GetFeatureColumns with the values of GetItemFeatures as float32 columns, only the features named, and the user', async () => {
    const itemIds = [C, id('nope'), A, C];
    const byItem = await client.getItemFeatures({ itemIds });
    const rows = rowsOf(byItem);
    const all = await client.getFeatureColumns({ userId: '', itemIds, itemFeatureNames: [] });
    expect(all.user).toBeUndefined();
    expect(all.featureNames).toEqual(byItem.featureNames);
    const width = all.featureNames.length;
    const values = readFloat32Matrix(all.values, 4, width, 'values').values;
    rows.forEach((row, r) =>
      all.featureNames.forEach((name, c) => {
        // Time-dependent features (ages, recency) move with the clock between the two calls: 3 decimals.
        expect(values[r * width + c]).toBeCloseTo(Math.fround(row.features[name]), 3);
        expect(hasBit(all.defaulted, r * width + c)).toBe(row.defaulted.includes(name));
      }),
    );
    expect(Array.from(readUint8Column(all.known, 4, 'known'))).toEqual([1, 0, 1, 1]);
    const creators = readDictionary(all.creatorIds, 4, 'creator_ids');
    const topics = readDictionary(all.topics, 4, 'topics');
    expect(Array.from(creators.indexes, (i) => creators.values[i])).toEqual(byItem.items.map((i) => i.attributes?.creatorId ?? ''));
    expect(Array.from(topics.indexes, (i) => topics.values[i])).toEqual(byItem.items.map((i) => i.attributes?.topics[0] ?? ''));
    expect(Array.from(readFloat32Column(all.aspectRatios, 4, 'aspect_ratios'))).toEqual(byItem.items.map((i) => Math.fround(i.attributes?.aspectRatio ?? 0)));
    expect(Array.from(readUint8Column(all.unsafe, 4, 'unsafe'))).toEqual(byItem.items.map((i) => (i.attributes?.unsafe ? 1 : 0)));
    expect(all.snapshot?.positions).toEqual(byItem.snapshot?.positions);

    const names = ['item_clicks', 'creator_items'];
    const some = await client.getFeatureColumns({ userId: U1, itemIds, itemFeatureNames: names });
    expect(some.featureNames).toEqual(names);
    expect(Array.from(readFloat32Matrix(some.values, 4, 2, 'values').values)).toEqual(rows.flatMap((row) => names.map((name) => row.features[name])));
    // The user, read in the same round trip, as GetUserFeatures answers it (same snapshot as the items).
    const user = await client.getUserFeatures({ userId: U1 });
    // Affinities decay with the clock between the two calls: equal to 9 decimals.
    const closeTo = (record: Record<string, number>) => Object.fromEntries(Object.entries(record).map(([k, v]) => [k, expect.closeTo(v, 9)]));
    expect(some.user).toMatchObject({ userId: U1, known: true, recentItemIds: user.recentItemIds, topicAffinity: closeTo(user.topicAffinity), attributes: user.attributes });
    expect(some.user?.features?.values.user_clicks).toBe(user.features?.values.user_clicks);
    expect(some.user?.snapshot).toEqual(some.snapshot);
    const error = await client.getFeatureColumns({ userId: '', itemIds, itemFeatureNames: ['item_clicks', 'user_clicks'] }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ category: 'bad-request', field: 'item_feature_names[1]' });
  });

  it.each<[string, () => Promise<unknown>]>([
    ['user_id', () => client.getUserFeatures({ userId: '' })],
    ['user_id', () => client.getUserFeatures({ userId: 'u'.repeat(129) })],
    ['item_ids', () => client.getItemFeatures({ itemIds: [] })],
    ['item_ids', () => client.getItemFeatures({ itemIds: Array.from({ length: 2001 }, () => A) })],
    ['item_ids[3]', () => client.getItemFeatures({ itemIds: [A, B, C, ''] })],
    ['item_ids[0]', () => client.getItemFeatures({ itemIds: ['x'.repeat(129)] })],
  ])('rejects a bad request naming %s with INVALID_ARGUMENT', async (field, call) => {
    const error = await call().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(RecsysError);
    expect(error).toMatchObject({ category: 'bad-request', field, message: expect.stringContaining(`${field}:`) });
    expect((error as RecsysError).cause).toMatchObject({ code: GrpcStatus.INVALID_ARGUMENT });
  });

  it('answers 2000 item ids', async () => {
    const { rows } = await items(Array.from({ length: 2000 }, (_, i) => (i % 2 === 0 ? A : id(`x${i}`))));
    expect(rows).toHaveLength(2000);
    expect(rows[1998].features.item_clicks).toBe(3);
    expect(rows[1999].known).toBe(false);
  });

  it('reports the bus positions the answer reflects: the last applied offset of each partition', async () => {
    await caughtUp();
    const last = lastOffsets();
    const { positions } = await items([A]);
    const byPartition = new Map(positions.map((p) => [p.partition, Number(p.offset)]));
    for (const p of positions) expect(p.topic).toBe(TOPICS.engagement);
    if (backend === 'embedded') {
      // This bus has our messages only.
      expect(positions).toEqual([{ topic: TOPICS.engagement, partition: 0, offset: String(last.get(0)) }]);
      const user = await client.getUserFeatures({ userId: U1 });
      expect(user.snapshot?.positions).toEqual(positions);
    } else {
      // The shared topic may get other tests' messages too, applied by this run's group as well: the position is at
      // least our last message and at most the last message of the partition.
      const high = await highWatermarks(BROKERS, TOPICS.engagement);
      for (const [partition, offset] of last) {
        expect(byPartition.get(partition)).toBeGreaterThanOrEqual(offset);
        expect(byPartition.get(partition)).toBeLessThan(high.get(partition)!);
      }
    }
  });

  it('dead-letters malformed events to recsys.engagement.v1.dlq with the reason, applying the rest', async () => {
    const letters = await waitFor(() => dlqTap.messages.length >= 2 && dlqTap.messages, { timeoutMs: 15_000, what: 'two dead letters' });
    const published = engagementTap.messages.filter(isMalformed);
    expect(published).toHaveLength(2);
    const byOffset = (m: DeliveredMessage) => `${m.headers[DEAD_LETTER_PARTITION_HEADER]}/${m.headers[DEAD_LETTER_OFFSET_HEADER]}`;
    expect(new Set(letters.map(byOffset))).toEqual(new Set(published.map((m) => `${m.partition}/${m.offset}`)));
    const junk = letters.find((m) => m.value.length === 4)!;
    expect(junk.value).toEqual(new Uint8Array([0xff, 0xff, 0xff, 0xff]));
    expect(junk.headers[DEAD_LETTER_TOPIC_HEADER]).toBe(TOPICS.engagement);
    expect(junk.headers[DEAD_LETTER_REASON_HEADER]).toMatch(/./);
    const future = letters.find((m) => m.value.length !== 4)!;
    expect(future.headers[DEAD_LETTER_REASON_HEADER]).toMatch(/timestamp_ms is \d+ s after the bus accepted it/);
    expect(WireEvent.decode(future.value).itemId).toBe(A);
    expectStats({ deadLettered: 2, applied: EVENTS.length - 1, duplicates: 1 });
    // The future click is not counted (pin-a has 3 clicks, as above).
    const { rows: [a] } = await items([A]);
    expect(a.features.item_clicks).toBe(3);
  });

  it('keeps every value over a restart and applies what was published meanwhile exactly once', async () => {
    await caughtUp();
    const before = await items([A, B]);
    const u1Before = await client.getUserFeatures({ userId: U1 });
    await stopApp();

    const click = ev(U1, C, 'click', Date.now());
    await publish([click, { ...RETRIED }, { ...click }]);
    await bus.publish(TOPICS.engagement, [{ key: U1, value: new Uint8Array([0xfe, 0xfe]) }]);
    await waitFor(() => engagementTap.messages.length === EVENTS.length + 6, { timeoutMs: 15_000, what: 'the tap to see the events published while down' });

    await startApp();
    // Embedded replays the log from the start (what the snapshot holds is skipped); Kafka resumes the group.
    expectStats({ applied: 1, duplicates: 2, redelivered: backend === 'embedded' ? EVENTS.length + 2 : 0, deadLettered: 1 });
    const after = await items([A, B, C]);
    expect(after.rows.slice(0, 2).map(stableFeatures)).toEqual(before.rows.map(stableFeatures));
    expect(after.rows[0].features).toMatchObject({ item_clicks: 3, item_impressions_1h: 3, item_impressions_24h: 8 });
    expect(after.rows[2].features).toMatchObject({ item_clicks: 1, item_clicks_1h: 1, creator_clicks: 1 });
    const u1 = await client.getUserFeatures({ userId: U1 });
    expect(u1.recentItemIds).toEqual([C, ...u1Before.recentItemIds]);
    expect(u1.features?.values.user_clicks).toBe(2);
    expect(u1.features?.values.user_impressions).toBe(u1Before.features?.values.user_impressions);
    // Positions moved to the last message published while down.
    const last = lastOffsets();
    const byPartition = new Map(after.positions.map((p) => [p.partition, Number(p.offset)]));
    for (const [partition, offset] of last) expect(byPartition.get(partition)).toBeGreaterThanOrEqual(offset);
    // Dead letters: the one published while down, once; the two from before not again (embedded replays them).
    const letters = await waitFor(() => dlqTap.messages.length >= 3 && dlqTap.messages, { timeoutMs: 15_000, what: 'the third dead letter' });
    const fresh = letters.filter((m) => m.key === U1);
    expect(new Set(fresh.map((m) => Buffer.from(m.value).toString('hex')))).toEqual(new Set(['fefe']));
    if (backend === 'embedded') expect(letters).toHaveLength(3);
  });
});
