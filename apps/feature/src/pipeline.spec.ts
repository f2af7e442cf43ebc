// The feature-read pipelines: ONE store read per request (records and watermarks), views computed at the query time.
import { Writable } from 'node:stream';
import type { EngagementEvent, EventType, Item, User } from '@recsys/domain';
import {
  ITEM_FEATURE_COLUMNS,
  itemFeatureColumns,
  Catalog,
  ITEM_FEATURES,
  RecordSet,
  USER_FEATURES,
  applyEngagement,
  encodeCreatorRecord,
  encodeItemRecord,
  encodeUserRecord,
  smoothedRate,
} from '@recsys/features';
import { createLogger } from '@recsys/logger';
import { executePipeline } from '@recsys/pipeline';
import { InMemoryFeatureStore, TOPICS, type FeatureStore } from '@recsys/stores';
import { creatorKey, encodeWatermark, itemKey, userKey, watermarkKey } from './keys';
import { buildItemFeaturesPipeline, buildUserFeaturesPipeline } from './pipeline';
import type { ItemCandidate, ItemFeaturesQuery, UserFeaturesQuery } from './types';

const HOUR = 3_600_000;
const T0 = 1000 * 24 * HOUR;
const WM = (p: number) => watermarkKey(TOPICS.engagement, p);

/** The real in-memory store, counting the getMany calls and remembering their keys. */
function countingStore(inner: FeatureStore): FeatureStore & { reads: string[][] } {
  const reads: string[][] = [];
  return {
    reads,
    getMany: (keys) => {
      reads.push([...keys]);
      return inner.getMany(keys);
    },
    setMany: (writes) => inner.setMany(writes),
    delete: (keys) => inner.delete(keys),
    transact: (keys, compute) => inner.transact(keys, compute),
    close: () => inner.close(),
  };
}

const logger = createLogger({ service: 'feature', level: 'error', stream: new Writable({ write: (_c, _e, done) => done() }) });
const item = (id: string, creatorId: string, topics: string[], extra: Partial<Item> = {}): Item => ({
  id, creatorId, topics, aspectRatio: 1, createdAtMs: T0 - 5 * HOUR, quality: 0.7, embedding: [], unsafe: false, ...extra,
});
const user: User = { id: 'u', ageBucket: '25-34', gender: 'female', country: 'US', signupAtMs: T0 - 48 * HOUR };
let seq = 0;
const ev = (type: EventType, userId: string, itemId: string, timestampMs: number, dwellMs = 0): EngagementEvent => ({
  eventId: `e${++seq}`, userId, itemId, type, timestampMs, dwellMs, requestId: '', position: 0, surface: '', boardId: '',
});


/** An item candidate's row as name → value, with its defaulted names (what the service answers, keyed by name). */
function viewOf(c: ItemCandidate): { known: boolean; features: Record<string, number>; defaulted: string[] } {
  const row = c.row!;
  return {
    known: c.item !== undefined,
    features: Object.fromEntries(ITEM_FEATURE_COLUMNS.map((name, i) => [name, row.values[i]])),
    defaulted: row.defaulted.map((i) => ITEM_FEATURE_COLUMNS[i]),
  };
}

describe('feature read pipelines', () => {
  let store: ReturnType<typeof countingStore>;
  /** The store under `store` (which hides `sharesValues`, so most tests decode on every read). */
  let inner: InMemoryFeatureStore;
  let records: RecordSet;
  let catalog: Catalog;
  const deps = () => ({ store, catalog, logger, partitions: 3 });
  const itemQuery = (itemIds: string[], nowMs: number): ItemFeaturesQuery => ({ itemIds, columns: itemFeatureColumns(), nowMs, snapshot: { positions: [] } });
  const userQuery = (userId: string, nowMs: number): UserFeaturesQuery => ({ userId, nowMs, snapshot: { positions: [] } });

  beforeEach(async () => {
    catalog = new Catalog();
    catalog.upsertItem(item('a', 'c', ['t'], { embedding: [3, 4] }));
    catalog.upsertItem(item('b', 'c', ['t', 's'], { quality: 0.2 }));
    catalog.upsertItem(item('fresh', 'd', ['s']));
    catalog.upsertUser(user);
    records = new RecordSet();
    for (const e of [
      ev('impression', 'u', 'a', T0 - 2 * HOUR),
      ev('impression', 'u', 'a', T0 - 10 * 60_000),
      ev('click', 'u', 'a', T0 - 10 * 60_000),
      ev('impression', 'v', 'b', T0 - 3 * HOUR),
      ev('save', 'v', 'b', T0 - 3 * HOUR),
      ev('dwell', 'u', 'a', T0 - 10 * 60_000, 3000),
    ]) {
      applyEngagement(records, catalog, e);
    }
    inner = new InMemoryFeatureStore();
    await inner.setMany([
      { key: itemKey('a'), value: encodeItemRecord(records.items.get('a')!) },
      { key: itemKey('b'), value: encodeItemRecord(records.items.get('b')!) },
      { key: creatorKey('c'), value: encodeCreatorRecord(records.creators.get('c')!) },
      { key: userKey('u'), value: encodeUserRecord(records.users.get('u')!) },
      { key: itemKey('broken'), value: new Uint8Array([99, 1, 2]) },
      { key: WM(0), value: encodeWatermark(41) },
      { key: WM(2), value: encodeWatermark(7) },
    ]);
    store = countingStore(inner);
  });

  it('reads every distinct item, its creator once and the watermarks in ONE getMany', async () => {
    const query = itemQuery(['a', 'zz', 'b', 'a', 'broken', 'fresh'], T0);
    const result = await executePipeline(buildItemFeaturesPipeline(deps()), query, { deadlineMs: Infinity });
    expect(store.reads).toEqual([[WM(0), WM(1), WM(2), itemKey('a'), itemKey('zz'), itemKey('b'), itemKey('broken'), itemKey('fresh'), creatorKey('c'), creatorKey('d')]]);
    // Positions are the watermarks read in that same call; a partition never written is left out.
    expect(query.snapshot.positions).toEqual([
      { topic: TOPICS.engagement, partition: 0, offset: 41 },
      { topic: TOPICS.engagement, partition: 2, offset: 7 },
    ]);
    expect(result.candidates.map((c) => c.id)).toEqual(['a', 'zz', 'b', 'broken', 'fresh']);
  });

  it('computes item and creator features from the stored records at the query time', async () => {
    const result = await executePipeline(buildItemFeaturesPipeline(deps()), itemQuery(['a', 'b'], T0), { deadlineMs: Infinity });
    const [a, b] = result.candidates.map(viewOf);
    expect(a).toMatchObject({ known: true, defaulted: [] });
    expect(a.features).toMatchObject({
      item_impressions: 2,
      item_clicks: 1,
      item_impressions_1h: 1,
      item_impressions_24h: 2,
      item_dwell_ms: 3000,
      item_dwell_ms_mean: 3000,
      item_age_hours: 5,
      item_quality: 0.7,
      item_hours_since_engaged: 10 / 60,
      creator_impressions: 3,
      creator_clicks: 1,
      creator_saves: 1,
      creator_items: 2,
      item_content_0: 0.6,
      item_content_1: 0.8,
      item_content_2: 0,
    });
    // b has no content embedding: its content features are defaults, and say so.
    expect(b.defaulted).toContain('item_content_0');
    expect(a.features.item_ctr_smoothed).toBeCloseTo(smoothedRate(1, 2), 15);
    expect(b.features).toMatchObject({ item_saves: 1, item_quality: 0.2, creator_impressions: 3, item_hours_since_engaged: 3 });
    // Two hours later the 1h window is empty and the item two hours older: nothing is precomputed at write time.
    const later = await executePipeline(buildItemFeaturesPipeline(deps()), itemQuery(['a'], T0 + 2 * HOUR), { deadlineMs: Infinity });
    expect(viewOf(later.candidates[0]).features).toMatchObject({ item_impressions_1h: 0, item_impressions_24h: 2, item_age_hours: 7 });
  });

  it('decodes a record once per stored version when the store shares its arrays, and computes its features at each query time', async () => {
    const pipeline = buildItemFeaturesPipeline({ ...deps(), store: inner });
    const read = (ids: string[], nowMs: number) => executePipeline(pipeline, itemQuery(ids, nowMs), { deadlineMs: Infinity });
    const first = await read(['a', 'b'], T0);
    const again = await read(['a', 'b'], T0 + 2 * HOUR);
    // The same stored arrays: the same decoded records, with the time-dependent features of the later query.
    expect(again.candidates.map((c) => c.record)).toEqual(first.candidates.map((c) => c.record));
    again.candidates.forEach((c, i) => expect(c.record).toBe(first.candidates[i].record));
    expect(viewOf(again.candidates[0]).features).toMatchObject({ item_impressions: 2, item_impressions_1h: 0, item_age_hours: 7 });
    // A write replaces a's array: its next read decodes the new version; b's record is still the one decoded first.
    applyEngagement(records, catalog, ev('impression', 'w', 'a', T0 + 2 * HOUR));
    await inner.setMany([{ key: itemKey('a'), value: encodeItemRecord(records.items.get('a')!) }]);
    const after = await read(['a', 'b'], T0 + 2 * HOUR);
    expect(after.candidates[0].record).not.toBe(first.candidates[0].record);
    expect(viewOf(after.candidates[0]).features).toMatchObject({ item_impressions: 3, item_impressions_1h: 1 });
    expect(after.candidates[1].record).toBe(first.candidates[1].record);
  });

  it('decodes every read when the store answers fresh arrays', async () => {
    const pipeline = buildItemFeaturesPipeline(deps());
    const [first, again] = [
      await executePipeline(pipeline, itemQuery(['a'], T0), { deadlineMs: Infinity }),
      await executePipeline(pipeline, itemQuery(['a'], T0), { deadlineMs: Infinity }),
    ];
    expect(store.sharesValues).toBeUndefined();
    expect(again.candidates[0].record).toEqual(first.candidates[0].record);
    expect(again.candidates[0].record).not.toBe(first.candidates[0].record);
  });

  it('serves defaults for a missing, an undecodable and an engagement-less record, with the defaulted names', async () => {
    const result = await executePipeline(buildItemFeaturesPipeline(deps()), itemQuery(['zz', 'broken', 'fresh'], T0), { deadlineMs: Infinity });
    const [zz, broken, fresh] = result.candidates.map(viewOf);
    for (const unknown of [zz, broken]) {
      expect(unknown).toMatchObject({ known: false, features: ITEM_FEATURES });
      expect([...unknown.defaulted].sort()).toEqual(Object.keys(ITEM_FEATURES).sort());
    }
    // In the catalog without engagement (nor any on its creator): catalog features, counters defaulted.
    expect(fresh.known).toBe(true);
    expect(fresh.features).toMatchObject({ item_clicks: 0, item_quality: 0.7, creator_items: 1, item_ctr_smoothed: ITEM_FEATURES.item_ctr_smoothed });
    expect(fresh.defaulted).toEqual(expect.arrayContaining(['item_clicks', 'creator_clicks', 'item_ctr_smoothed']));
    expect(fresh.defaulted).not.toContain('item_quality');
  });

  it('reads the user record and the watermarks in ONE getMany and computes the user view', async () => {
    const query = userQuery('u', T0);
    const result = await executePipeline(buildUserFeaturesPipeline(deps()), query, { deadlineMs: Infinity });
    expect(store.reads).toEqual([[WM(0), WM(1), WM(2), userKey('u')]]);
    expect(query.snapshot.positions.map((p) => p.offset)).toEqual([41, 7]);
    const view = result.candidates[0].view!;
    expect(view).toMatchObject({ known: true, recentItemIds: ['a'], topicAffinity: { t: 1 }, defaulted: [] });
    expect(view.features).toMatchObject({ user_impressions: 2, user_clicks: 1, user_dwell_ms_mean: 3000, user_account_age_days: 2 });
  });

  it('answers an unknown user with every default', async () => {
    const result = await executePipeline(buildUserFeaturesPipeline(deps()), userQuery('nobody', T0), { deadlineMs: Infinity });
    expect(result.candidates[0].view).toEqual({
      userId: 'nobody',
      known: false,
      features: USER_FEATURES,
      defaulted: Object.keys(USER_FEATURES),
      recentItemIds: [],
      topicAffinity: {},
    });
  });

  it('fails closed when the store fails', async () => {
    await store.close();
    await expect(executePipeline(buildItemFeaturesPipeline(deps()), itemQuery(['a'], T0), { deadlineMs: Infinity })).rejects.toMatchObject({ category: 'unavailable' });
    await expect(executePipeline(buildUserFeaturesPipeline(deps()), userQuery('u', T0), { deadlineMs: Infinity })).rejects.toMatchObject({ category: 'unavailable' });
  });
});
