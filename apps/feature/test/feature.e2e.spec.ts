// End to end: the feature service over real gRPC, its state replayed from an embedded event bus on a temp dir.
import { existsSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import { Writable } from 'node:stream';
import { status as GrpcStatus } from '@grpc/grpc-js';
import {
  CatalogEvent,
  EngagementEvent,
  FeatureServiceClient,
  eventToWire,
  itemToWire,
  userToWire,
  type GetItemFeaturesResponse,
  type ItemAttributes,
} from '@recsys/contracts';
import { RecsysError, type EngagementEvent as DomainEvent, type EventType, type Item, type User } from '@recsys/domain';
import { ITEM_FEATURES, USER_FEATURES, decodeItemRecord } from '@recsys/features';
import { createClient, type PromiseClient } from '@recsys/grpc';
import { createLogger } from '@recsys/logger';
import { TOPICS, openFileLogEventBus, openInMemoryFeatureStore, type EventBus } from '@recsys/stores';
import { freeDataDir, waitFor } from '@recsys/testing';
import { startFeatureApp, type FeatureApp } from '../src/app';
import { loadConfig } from '../src/config';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const NOW = Date.now();
const T = NOW - 2 * HOUR;

const ITEMS: Item[] = [
  { id: 'pin-a', creatorId: 'c1', topics: ['food'], aspectRatio: 0.75, createdAtMs: NOW - 48 * HOUR, quality: 0.8, embedding: [0.5, -1], unsafe: false },
  { id: 'pin-b', creatorId: 'c1', topics: ['travel', 'food'], aspectRatio: 1.5, createdAtMs: NOW - 24 * HOUR, quality: 0.6, embedding: [], unsafe: false },
  { id: 'pin-c', creatorId: 'c2', topics: ['art'], aspectRatio: 1, createdAtMs: NOW - 10 * HOUR, quality: 0.4, embedding: [], unsafe: false },
];
const USERS: User[] = [
  { id: 'u1', ageBucket: '25-34', gender: 'female', country: 'US', signupAtMs: NOW - 10 * DAY },
  { id: 'u2', ageBucket: '45-54', gender: 'male', country: 'DE', signupAtMs: NOW - 3 * DAY },
];

let seq = 0;
function event(userId: string, itemId: string, type: EventType, extra: Partial<DomainEvent> = {}): DomainEvent {
  return { eventId: `e${++seq}`, userId, itemId, type, timestampMs: T, dwellMs: 0, requestId: '', position: 0, surface: 'home_feed', boardId: '', ...extra };
}
const times = <X>(n: number, make: () => X): X[] => Array.from({ length: n }, make);

/**
 * pin-a: 10 impressions, 3 clicks (one delivered twice), 1 save, 1 hide, dwell 3000 + 5000 ms.
 * pin-b: 4 impressions, 1 save. Creator c1 = pin-a + pin-b. u1: 5 impressions, clicks pin-a, saves pin-b.
 */
const DUPLICATED = event('u2', 'pin-a', 'click');
const EVENTS: DomainEvent[] = [
  ...times(5, () => event('u1', 'pin-a', 'impression')),
  ...times(5, () => event('u2', 'pin-a', 'impression')),
  event('u1', 'pin-a', 'click'),
  DUPLICATED,
  event('u2', 'pin-a', 'click'),
  { ...DUPLICATED },
  event('u2', 'pin-a', 'save'),
  event('u2', 'pin-a', 'hide'),
  event('u1', 'pin-a', 'dwell', { dwellMs: 3000 }),
  event('u2', 'pin-a', 'dwell', { dwellMs: 5000 }),
  ...times(4, () => event('u2', 'pin-b', 'impression')),
  event('u1', 'pin-b', 'save'),
];

async function publishCatalog(bus: EventBus, items: Item[], users: User[]): Promise<void> {
  const timestampMs = String(NOW - 3 * DAY);
  await bus.publish(TOPICS.catalog, [
    ...users.map((u) => ({ key: u.id, value: CatalogEvent.encode({ entity: { $case: 'user', user: userToWire(u) }, timestampMs }).finish() })),
    ...items.map((i) => ({ key: i.id, value: CatalogEvent.encode({ entity: { $case: 'item', item: itemToWire(i) }, timestampMs }).finish() })),
  ]);
}

async function publishEvents(bus: EventBus, events: DomainEvent[]): Promise<void> {
  await bus.publish(TOPICS.engagement, events.map((e) => ({ key: e.userId, value: EngagementEvent.encode(eventToWire(e)).finish() })));
}

const ctr = (clicks: number, impressions: number) => (clicks + 1) / (impressions + 21);

/** One item of a GetItemFeatures answer with its feature row keyed by the answer's feature names. */
interface ItemRow {
  itemId: string;
  known: boolean;
  attributes?: ItemAttributes;
  features: Record<string, number>;
  defaulted: string[];
}

/** Reads an answer's columns back into named rows, checking every row is aligned with the names. */
function rowsOf(res: GetItemFeaturesResponse): ItemRow[] {
  return res.items.map((item) => {
    expect(item.values).toHaveLength(res.featureNames.length);
    return {
      itemId: item.itemId,
      known: item.known,
      attributes: item.attributes,
      features: Object.fromEntries(res.featureNames.map((name, i) => [name, item.values[i]])),
      defaulted: item.defaulted.map((i) => res.featureNames[i]),
    };
  });
}

describe('feature service (e2e)', () => {
  let dir: string;
  let bus: EventBus;
  let app: FeatureApp;
  let client: PromiseClient<FeatureServiceClient>;
  let closed = false;

  const itemFeatures = async (itemIds: string[]): Promise<ItemRow[]> => rowsOf(await client.getItemFeatures({ itemIds }));

  beforeAll(async () => {
    dir = freeDataDir('feature-e2e');
    bus = await openFileLogEventBus(path.join(dir, 'bus'), { pollMs: 10 });
    await publishCatalog(bus, ITEMS, USERS);
    await publishEvents(bus, EVENTS);
    const logger = createLogger({ service: 'feature', level: 'error', stream: new Writable({ write: (_c, _e, done) => done() }) });
    app = await startFeatureApp(loadConfig({ GRPC_PORT: '0', RECSYS_DATA_DIR: dir }), logger);
    client = createClient(FeatureServiceClient, `127.0.0.1:${app.server.port}`, { timeoutMs: 5000 });
  });

  afterAll(async () => {
    client?.close();
    if (!closed) {
      await app?.server.shutdown(1000);
      await app?.close();
    }
    await bus?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves item counters and smoothed rates of the replayed log, counting a duplicated event once', async () => {
    const [a] = await itemFeatures(['pin-a']);
    expect(a.itemId).toBe('pin-a');
    expect(a.known).toBe(true);
    // The content embedding is not sent: no caller of GetItemFeatures scores with it.
    expect(a.attributes).toEqual({ ...itemToWire(ITEMS[0]), embedding: [] });
    const v = a.features;
    expect(v).toMatchObject({
      item_impressions: 10,
      item_clicks: 3,
      item_saves: 1,
      item_shares: 0,
      item_hides: 1,
      item_dwell_ms: 8000,
      item_dwell_ms_mean: 4000,
      item_quality: 0.8,
      item_aspect_ratio: 0.75,
      creator_impressions: 14,
      creator_clicks: 3,
      creator_saves: 2,
      creator_items: 2,
    });
    expect(v.item_ctr_smoothed).toBeCloseTo(ctr(3, 10), 12); // 4/31
    expect(v.item_save_rate_smoothed).toBeCloseTo(2 / 31, 12);
    expect(v.item_hide_rate_smoothed).toBeCloseTo(2 / 31, 12);
    expect(v.creator_ctr_smoothed).toBeCloseTo(ctr(3, 14), 12); // 4/35
    // Age is computed at read time from the stored creation time.
    expect(v.item_age_hours).toBeGreaterThanOrEqual(48);
    expect(v.item_age_hours).toBeLessThan(48 + (Date.now() - NOW) / HOUR + 1e-9);
    expect(a.defaulted).toEqual([]);
  });

  it('sends the feature names once per answer, every item a row of values in that order', async () => {
    const res = await client.getItemFeatures({ itemIds: ['pin-a', 'nope', 'pin-c'] });
    expect(res.featureNames).toEqual(Object.keys(ITEM_FEATURES));
    for (const item of res.items) expect(item.values).toHaveLength(res.featureNames.length);
    const column = (name: string) => res.featureNames.indexOf(name);
    expect(res.items[0].values[column('item_clicks')]).toBe(3);
    expect(res.items[0].values[column('creator_items')]).toBe(2);
    expect(res.items[1].values).toEqual(Object.values(ITEM_FEATURES));
    // Defaulted values are named by their column index, ascending.
    expect(res.items[0].defaulted).toEqual([]);
    expect(res.items[1].defaulted).toEqual(res.featureNames.map((_, i) => i));
    expect(res.items[2].defaulted).toContain(column('item_clicks'));
    expect(res.items[2].defaulted).not.toContain(column('item_quality'));
    expect([...res.items[2].defaulted].sort((x, y) => x - y)).toEqual(res.items[2].defaulted);
  });

  it('answers unknown items with declared defaults, known=false and the defaulted names, in request order', async () => {
    const items = await itemFeatures(['pin-c', 'nope', 'pin-a', 'pin-c']);
    expect(items.map((i) => [i.itemId, i.known])).toEqual([
      ['pin-c', true],
      ['nope', false],
      ['pin-a', true],
      ['pin-c', true],
    ]);
    const unknown = items[1];
    expect(unknown.attributes).toBeUndefined();
    expect(unknown.features).toEqual(ITEM_FEATURES);
    expect([...unknown.defaulted].sort()).toEqual(Object.keys(ITEM_FEATURES).sort());
    // pin-c is in the catalog without engagement: counters defaulted, catalog features present.
    expect(items[0].features).toMatchObject({ item_clicks: 0, item_quality: 0.4, item_ctr_smoothed: ITEM_FEATURES.item_ctr_smoothed });
    expect(items[0].defaulted).toEqual(expect.arrayContaining(['item_clicks', 'item_ctr_smoothed', 'creator_clicks']));
    expect(items[0].defaulted).not.toContain('item_quality');
  });

  it('serves a user’s attributes, counters, recent items and topic affinity', async () => {
    const u1 = await client.getUserFeatures({ userId: 'u1' });
    expect(u1).toMatchObject({ userId: 'u1', known: true, attributes: userToWire(USERS[0]) });
    // Equal event times: the later-applied interaction comes first.
    expect(u1.recentItemIds).toEqual(['pin-b', 'pin-a']);
    expect(u1.features?.values).toMatchObject({ user_impressions: 5, user_clicks: 1, user_saves: 1, user_dwell_ms: 3000, user_dwell_ms_mean: 3000 });
    expect(u1.features?.values.user_ctr_smoothed).toBeCloseTo(ctr(1, 5), 12);
    expect(u1.features?.values.user_account_age_days).toBeGreaterThanOrEqual(10);
    expect(u1.features?.values.user_account_age_days).toBeLessThan(10.001);
    // Affinity: click pin-a (food, primary) 1; save pin-b 3 → travel (primary) 3, food (secondary) 1.5.
    expect(Object.keys(u1.topicAffinity).sort()).toEqual(['food', 'travel']);
    expect(u1.topicAffinity.food).toBeCloseTo(2.5 / 5.5, 12);
    expect(u1.topicAffinity.travel).toBeCloseTo(3 / 5.5, 12);
  });

  it('answers an unknown user with defaults and known=false', async () => {
    const nobody = await client.getUserFeatures({ userId: 'nobody' });
    expect(nobody).toEqual({
      userId: 'nobody',
      known: false,
      attributes: undefined,
      features: { values: USER_FEATURES, defaulted: Object.keys(USER_FEATURES) },
      recentItemIds: [],
      topicAffinity: {},
    });
  });

  it('reflects events and upserts published after start, still counting a duplicate once', async () => {
    const click = event('u2', 'pin-c', 'click', { timestampMs: Date.now() });
    const fresh: Item = { id: 'pin-new', creatorId: 'c2', topics: ['art'], aspectRatio: 2, createdAtMs: Date.now(), quality: 0.9, embedding: [], unsafe: false };
    await publishCatalog(bus, [fresh], []);
    await publishEvents(bus, [click, { ...click }, event('u2', 'pin-new', 'impression', { timestampMs: Date.now() })]);

    const [c, added] = await waitFor(
      async () => {
        const items = await itemFeatures(['pin-c', 'pin-new']);
        return items[0].features.item_clicks === 1 && items[1].features.item_impressions === 1 && items;
      },
      { timeoutMs: 5000, what: 'events published after start to reach the store' },
    );
    expect(added.known).toBe(true);
    expect(added.features).toMatchObject({ item_quality: 0.9, creator_items: 2 });
    await app.caughtUp();
    const [again] = await itemFeatures(['pin-c']);
    expect(again.features.item_clicks).toBe(1);
    expect(c.features.item_ctr_smoothed).toBeCloseTo(ctr(1, 0), 12);
    const u2 = await client.getUserFeatures({ userId: 'u2' });
    expect(u2.recentItemIds[0]).toBe('pin-c');
  });

  it.each<[string, () => Promise<unknown>]>([
    ['user_id', () => client.getUserFeatures({ userId: '' })],
    ['user_id', () => client.getUserFeatures({ userId: 'u'.repeat(129) })],
    ['item_ids', () => client.getItemFeatures({ itemIds: [] })],
    ['item_ids', () => client.getItemFeatures({ itemIds: times(2001, () => 'pin-a') })],
    ['item_ids[3]', () => client.getItemFeatures({ itemIds: ['pin-a', 'pin-b', 'pin-c', ''] })],
    ['item_ids[0]', () => client.getItemFeatures({ itemIds: ['x'.repeat(129)] })],
  ])('rejects bad input naming %s', async (field, call) => {
    const error = await call().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(RecsysError);
    expect(error).toMatchObject({ category: 'bad-request', field, message: expect.stringContaining(`${field}:`) });
    expect((error as RecsysError).cause).toMatchObject({ code: GrpcStatus.INVALID_ARGUMENT });
  });

  it('accepts exactly 2000 item ids', async () => {
    const items = await itemFeatures(times(2000, () => 'pin-a'));
    expect(items).toHaveLength(2000);
    expect(items[1999].features.item_clicks).toBe(3);
  });

  it('snapshots the feature store on close', async () => {
    await app.server.shutdown(1000);
    await app.close();
    closed = true;
    const file = path.join(dir, 'feature', 'store.snapshot');
    expect(existsSync(file)).toBe(true);
    const store = await openInMemoryFeatureStore({ snapshotPath: file });
    try {
      const [bytes] = await store.getMany(['i:pin-a']);
      expect(bytes).toBeDefined();
      expect(decodeItemRecord(bytes as Uint8Array).counters?.slice(0, 5)).toEqual([10, 3, 1, 0, 1]);
    } finally {
      await store.close();
    }
  });
});
