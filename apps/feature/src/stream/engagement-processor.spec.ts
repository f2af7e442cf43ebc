// The engagement processor: one store transaction per batch, watermarks per partition, event-id markers, dead letters.
import { randomBytes } from 'node:crypto';
import { EngagementEvent as WireEvent, EngagementType, eventToWire } from '@recsys/contracts';
import type { EngagementEvent, EventType, Item } from '@recsys/domain';
import { COUNTER, Catalog, decodeCreatorRecord, decodeItemRecord, decodeUserRecord, type CounterName } from '@recsys/features';
import {
  InMemoryFeatureStore,
  RedisFeatureStore,
  TOPICS,
  openRedisFeatureStore,
  type DeliveredMessage,
  type FeatureStore,
  type TransactWrite,
} from '@recsys/stores';
import { creatorKey, decodeWatermark, itemKey, markerKey, userKey, watermarkKey } from '../keys';
import { withKeyPrefix } from '../prefixed-feature-store';
import { EngagementProcessor } from './engagement-processor';

const MINUTE = 60_000;
const T0 = 1000 * 24 * 60 * MINUTE;
const OPTIONS = { markerTtlMs: 60 * MINUTE, recordTtlMs: 60 * MINUTE };

/** A real store that records every transaction it runs: the keys read and the writes applied. */
function recordingStore(inner: FeatureStore) {
  const transactions: { keys: string[]; writes: TransactWrite[] }[] = [];
  let otherCalls = 0;
  const store: FeatureStore = {
    getMany: (keys) => {
      otherCalls++;
      return inner.getMany(keys);
    },
    setMany: (writes) => {
      otherCalls++;
      return inner.setMany(writes);
    },
    delete: (keys) => inner.delete(keys),
    transact: (keys, compute, options) => {
      const entry = { keys: [...keys], writes: [] as TransactWrite[] };
      transactions.push(entry);
      return inner.transact(
        keys,
        (values) => {
          entry.writes = compute(values);
          return entry.writes;
        },
        options,
      );
    },
    close: () => inner.close(),
  };
  return { store, transactions, otherCalls: () => otherCalls };
}

const item = (id: string, creatorId: string, topics: string[] = ['t']): Item => ({
  id, creatorId, topics, aspectRatio: 1, createdAtMs: 0, quality: 0.5, embedding: [], unsafe: false,
});
let seq = 0;
const ev = (type: EventType, userId: string, itemId: string, extra: Partial<EngagementEvent> = {}): EngagementEvent => ({
  eventId: `e${++seq}`, userId, itemId, type, timestampMs: T0, dwellMs: 0, requestId: '', position: 0, surface: '', boardId: '', ...extra,
});
const bytesOf = (e: EngagementEvent): Uint8Array => WireEvent.encode(eventToWire(e)).finish();

/** Messages of one partition from `offset` on, accepted by the bus at T0 + 1 s. */
function batchOf(partition: number, offset: number, values: Uint8Array[]): DeliveredMessage[] {
  return values.map((value, i) => ({ topic: TOPICS.engagement, partition, offset: offset + i, key: 'k', value, headers: {}, timestampMs: T0 + 1000 }));
}
const eventsAt = (partition: number, offset: number, events: EngagementEvent[]) => batchOf(partition, offset, events.map(bytesOf));

async function total(store: FeatureStore, key: string, counter: CounterName): Promise<number | undefined> {
  const [bytes] = await store.getMany([key]);
  if (bytes === undefined) return undefined;
  const decode = key.startsWith('u:') ? decodeUserRecord : key.startsWith('c:') ? decodeCreatorRecord : decodeItemRecord;
  return decode(bytes).counters.totals[COUNTER[counter]];
}
const watermarkOf = async (store: FeatureStore, partition: number) => decodeWatermark((await store.getMany([watermarkKey(TOPICS.engagement, partition)]))[0]);

describe('EngagementProcessor', () => {
  let catalog: Catalog;
  let inner: InMemoryFeatureStore;
  let rec: ReturnType<typeof recordingStore>;
  let processor: EngagementProcessor;

  beforeEach(() => {
    catalog = new Catalog();
    catalog.upsertItem(item('a', 'c1'));
    catalog.upsertItem(item('b', 'c1'));
    inner = new InMemoryFeatureStore();
    rec = recordingStore(inner);
    processor = new EngagementProcessor(rec.store, catalog, OPTIONS);
  });

  afterEach(() => inner.close());

  it('applies a batch in ONE transaction: users, markers and the watermark written, items and creators merged', async () => {
    const events = [ev('impression', 'u1', 'a'), ev('click', 'u1', 'a'), ev('impression', 'u2', 'b'), ev('save', 'u2', 'b'), ev('dwell', 'u1', 'a', { dwellMs: 1200 })];
    const outcome = await processor.applyBatch(eventsAt(0, 10, events));
    expect(outcome).toMatchObject({ applied: 5, duplicates: 0, redelivered: 0, deadLetters: [], redeliveredDeadLetters: [], attempts: 1, latestEventMs: T0 });
    expect(rec.transactions).toHaveLength(1);
    expect(rec.otherCalls()).toBe(0);
    const [tx] = rec.transactions;
    expect(tx.keys).toEqual([
      watermarkKey(TOPICS.engagement, 0),
      ...events.map((e) => markerKey(e.eventId)),
      userKey('u1'), userKey('u2'), itemKey('a'), itemKey('b'), creatorKey('c1'),
    ]);
    // Items and creators go out as merges: the batch's counts, with the processor's merge into the value it read.
    expect(tx.writes.filter((w) => 'delta' in w).map((w) => w.key)).toEqual([itemKey('a'), itemKey('b'), creatorKey('c1')]);
    expect(tx.writes.map((w) => w.key).sort()).toEqual(
      [userKey('u1'), userKey('u2'), itemKey('a'), itemKey('b'), creatorKey('c1'), ...events.map((e) => markerKey(e.eventId)), watermarkKey(TOPICS.engagement, 0)].sort(),
    );
    // Records and markers expire; the watermark never does.
    for (const w of tx.writes) expect(w.ttlMs).toBe(w.key.startsWith('wm:') ? undefined : 60 * MINUTE);
    expect(await watermarkOf(inner, 0)).toBe(14);
    expect(await total(inner, itemKey('a'), 'impressions')).toBe(1);
    expect(await total(inner, itemKey('a'), 'dwell_ms')).toBe(1200);
    expect(await total(inner, creatorKey('c1'), 'impressions')).toBe(2);
    expect(await total(inner, creatorKey('c1'), 'saves')).toBe(1);
    expect(await total(inner, userKey('u2'), 'saves')).toBe(1);
  });

  it('changes nothing when a batch is delivered again with the same offsets', async () => {
    const batch = eventsAt(0, 0, [ev('click', 'u1', 'a'), ev('click', 'u2', 'b')]);
    await processor.applyBatch(batch);
    const keys = [itemKey('a'), itemKey('b'), creatorKey('c1'), userKey('u1'), userKey('u2'), watermarkKey(TOPICS.engagement, 0)];
    const before = await inner.getMany(keys);
    const again = await processor.applyBatch(batch);
    expect(again).toMatchObject({ applied: 0, duplicates: 0, redelivered: 2, deadLetters: [], watermark: 1 });
    expect(rec.transactions[1].writes).toEqual([]);
    expect(await inner.getMany(keys)).toEqual(before);
    expect(await total(inner, creatorKey('c1'), 'clicks')).toBe(2);
  });

  it('applies only the messages after the watermark of a batch that overlaps what was applied', async () => {
    const events = [ev('click', 'u1', 'a'), ev('click', 'u1', 'a'), ev('click', 'u1', 'a')];
    await processor.applyBatch(eventsAt(0, 5, events.slice(0, 2)));
    // A redelivery may start earlier and end later than the last committed batch (another member's fetch).
    const outcome = await processor.applyBatch(eventsAt(0, 5, events));
    expect(outcome).toMatchObject({ applied: 1, redelivered: 2, duplicates: 0 });
    expect(await total(inner, itemKey('a'), 'clicks')).toBe(3);
    expect(await watermarkOf(inner, 0)).toBe(7);
  });

  it('applies an event id once, also when it comes again at another offset or in another batch', async () => {
    const click = ev('click', 'u1', 'a');
    const first = await processor.applyBatch(eventsAt(0, 0, [click, { ...click }, ev('impression', 'u1', 'a')]));
    expect(first).toMatchObject({ applied: 2, duplicates: 1 });
    const retry = await processor.applyBatch(eventsAt(0, 3, [{ ...click, timestampMs: T0 + 5 }]));
    expect(retry).toMatchObject({ applied: 0, duplicates: 1, redelivered: 0 });
    // Markers are per event id, not per partition: a client retry routed elsewhere is still a duplicate.
    const elsewhere = await processor.applyBatch(eventsAt(2, 0, [{ ...click }]));
    expect(elsewhere).toMatchObject({ applied: 0, duplicates: 1 });
    expect(await total(inner, itemKey('a'), 'clicks')).toBe(1);
    expect(await total(inner, userKey('u1'), 'clicks')).toBe(1);
    expect(await watermarkOf(inner, 0)).toBe(3);
    expect(await watermarkOf(inner, 2)).toBe(0);
  });

  it('returns malformed messages as dead letters with a reason and applies the rest of the batch', async () => {
    const unknownType = WireEvent.encode({ ...eventToWire(ev('click', 'u1', 'a')), type: 9 as EngagementType }).finish();
    const unspecified = WireEvent.encode({ ...eventToWire(ev('click', 'u1', 'a')), type: EngagementType.ENGAGEMENT_TYPE_UNSPECIFIED }).finish();
    const values = [
      bytesOf(ev('click', 'u1', 'a')),
      new Uint8Array([0xff, 0xff, 0xff, 0xff]),
      bytesOf(ev('click', 'u1', 'a', { eventId: 'dwell-click', dwellMs: 300 })),
      bytesOf(ev('click', 'u1', 'a', { eventId: 'future', timestampMs: T0 + 1000 + 10 * MINUTE })),
      unknownType,
      unspecified,
      bytesOf(ev('impression', 'u2', 'b', { timestampMs: T0 + 1000 + 4 * MINUTE })),
    ];
    const batch = batchOf(1, 100, values);
    const outcome = await processor.applyBatch(batch);
    expect(outcome).toMatchObject({ applied: 2, duplicates: 0, redelivered: 0, redeliveredDeadLetters: [] });
    expect(outcome.deadLetters.map((d) => d.message.offset)).toEqual([101, 102, 103, 104, 105]);
    for (const dead of outcome.deadLetters) expect(dead.message).toBe(batch[dead.message.offset - 100]);
    const reasons = outcome.deadLetters.map((d) => d.reason);
    expect(reasons[0]).toMatch(/./);
    expect(reasons.slice(1)).toEqual([
      'event dwell-click: dwell_ms is only allowed on DWELL events',
      'event future: timestamp_ms is 600 s after the bus accepted it',
      expect.stringContaining('engagement type 9 has no domain meaning'),
      expect.stringContaining('type is UNSPECIFIED'),
    ]);
    expect(outcome.applied + outcome.duplicates + outcome.redelivered + outcome.deadLetters.length).toBe(batch.length);
    // The well-formed events are applied (an event 4 min ahead of the bus is within the tolerated skew)…
    expect(await total(inner, itemKey('a'), 'clicks')).toBe(1);
    expect(await total(inner, itemKey('a'), 'dwells')).toBe(0);
    expect(await total(inner, itemKey('b'), 'impressions')).toBe(1);
    expect(outcome.latestEventMs).toBe(T0 + 1000 + 4 * MINUTE);
    // …the watermark covers the dead letters too, and a redelivery reports them apart, as already handled.
    expect(await watermarkOf(inner, 1)).toBe(106);
    const again = await processor.applyBatch(batch);
    expect(again).toMatchObject({ applied: 0, redelivered: 7, deadLetters: [] });
    expect(again.redeliveredDeadLetters.map((d) => [d.message.offset, d.reason])).toEqual(outcome.deadLetters.map((d) => [d.message.offset, d.reason]));
  });

  // dwell_ms is a proto uint32: a client's negative dwell arrives as 2^32 − 5 ms; the 1 h bound catches it.
  it('dead-letters a negative dwell sent over the wire (it arrives as 2^32 − 5 ms)', async () => {
    const negative = WireEvent.encode({ ...eventToWire(ev('dwell', 'u1', 'a')), dwellMs: -5 }).finish();
    expect(WireEvent.decode(negative).dwellMs).toBe(2 ** 32 - 5);
    const outcome = await processor.applyBatch(batchOf(0, 0, [negative]));
    expect(outcome.deadLetters).toHaveLength(1);
    expect(await total(inner, itemKey('a'), 'dwell_ms')).toBeUndefined();
  });

  it('overwrites a corrupt stored record instead of blocking the partition, and reports it', async () => {
    await inner.setMany([{ key: itemKey('a'), value: new Uint8Array([2, 2, 0xff]) }]);
    const corrupt: string[] = [];
    const reporting = new EngagementProcessor(rec.store, catalog, { ...OPTIONS, onCorruptRecord: (key) => corrupt.push(key) });
    const outcome = await reporting.applyBatch(eventsAt(0, 0, [ev('click', 'u1', 'a')]));
    expect(outcome.applied).toBe(1);
    expect(corrupt).toEqual([itemKey('a')]);
    expect(await total(inner, itemKey('a'), 'clicks')).toBe(1);
    expect(await total(inner, userKey('u1'), 'clicks')).toBe(1);
  });

  it('writes only the watermark for a batch of dead letters', async () => {
    const outcome = await processor.applyBatch(batchOf(0, 3, [new Uint8Array([1, 2, 3])]));
    expect(outcome.deadLetters).toHaveLength(1);
    expect(rec.transactions[0].writes.map((w) => w.key)).toEqual([watermarkKey(TOPICS.engagement, 0)]);
    expect(await watermarkOf(inner, 0)).toBe(3);
  });

  it('keeps one watermark per partition: the same offsets on another partition are new messages', async () => {
    await processor.applyBatch(eventsAt(0, 0, [ev('click', 'u1', 'a'), ev('click', 'u1', 'a'), ev('click', 'u1', 'a')]));
    const other = await processor.applyBatch(eventsAt(1, 0, [ev('click', 'u2', 'a'), ev('click', 'u2', 'a')]));
    expect(other).toMatchObject({ applied: 2, redelivered: 0 });
    expect(await processor.applyBatch(eventsAt(1, 1, [ev('click', 'u2', 'a')]))).toMatchObject({ applied: 0, redelivered: 1 });
    expect(await watermarkOf(inner, 0)).toBe(2);
    expect(await watermarkOf(inner, 1)).toBe(1);
    expect(await watermarkOf(inner, 2)).toBe(-1);
    expect(await total(inner, itemKey('a'), 'clicks')).toBe(5);
  });

  it('applies a batch with the catalog as it was when the batch started, even if it changes during the transaction', async () => {
    // c2 already has counts; item `a` moves from c1 to c2 while the transaction reads the store (an await on Redis).
    const seeded = new EngagementProcessor(inner, catalog, OPTIONS);
    catalog.upsertItem(item('z', 'c2'));
    await seeded.applyBatch(eventsAt(2, 0, [ev('click', 'u9', 'z'), ev('click', 'u9', 'z'), ev('click', 'u9', 'z')]));
    const racing: FeatureStore = {
      getMany: (keys) => inner.getMany(keys),
      setMany: (writes) => inner.setMany(writes),
      delete: (keys) => inner.delete(keys),
      close: () => inner.close(),
      transact: async (keys, compute, options) => {
        catalog.upsertItem(item('a', 'c2'));
        await new Promise((resolve) => setImmediate(resolve));
        return inner.transact(keys, compute, options);
      },
    };
    await new EngagementProcessor(racing, catalog, OPTIONS).applyBatch(eventsAt(0, 0, [ev('click', 'u1', 'a')]));
    expect(await total(inner, creatorKey('c1'), 'clicks')).toBe(1);
    // Not overwritten by a record built from scratch for a creator the transaction never read.
    expect(await total(inner, creatorKey('c2'), 'clicks')).toBe(3);
  });
});

describe.each([
  ['InMemoryFeatureStore', async () => [new InMemoryFeatureStore()] as const],
  [
    'RedisFeatureStore (two clients)',
    async () => {
      const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
      return [await openRedisFeatureStore({ url, onWarning: () => undefined }), await openRedisFeatureStore({ url, onWarning: () => undefined })] as const;
    },
  ],
])('two processors sharing one store (%s)', (_name, open) => {
  const ITEMS = ['a', 'b', 'c'];
  const USERS = ['u0', 'u1', 'u2', 'u3'];
  let stores: FeatureStore[] = [];
  let prefix: string;
  const eventIds: string[] = [];

  beforeAll(async () => {
    prefix = `feature-processor-spec:${randomBytes(5).toString('hex')}:`;
    stores = (await open()).map((s) => withKeyPrefix(s, prefix));
  });

  afterAll(async () => {
    await stores[0]?.delete([
      ...ITEMS.map(itemKey), ...USERS.map(userKey), creatorKey('c1'), creatorKey('c2'),
      ...[0, 1].map((p) => watermarkKey(TOPICS.engagement, p)), ...eventIds.map(markerKey),
    ]);
    await Promise.all(stores.map((s) => s.close()));
  });

  it('ends with exact counts after interleaved batches of different partitions on the same items and creator', async () => {
    const catalog = new Catalog();
    catalog.upsertItem(item('a', 'c1'));
    catalog.upsertItem(item('b', 'c1'));
    catalog.upsertItem(item('c', 'c2'));
    const processors = stores.length === 1 ? [0, 1].map(() => new EngagementProcessor(stores[0], catalog, OPTIONS)) : stores.map((s) => new EngagementProcessor(s, catalog, OPTIONS));
    const BATCHES = 30;
    const PER_BATCH = 12;
    const expected = new Map<string, number>();
    const count = (key: string) => expected.set(key, (expected.get(key) ?? 0) + 1);
    // Processor p owns partition p and, as events are keyed by user, its users (u0, u1 or u2, u3); every batch
    // touches items a and b of creator c1, which both write.
    const runs = [0, 1].map(async (p) => {
      let attempts = 0;
      for (let b = 0; b < BATCHES; b++) {
        const events = Array.from({ length: PER_BATCH }, (_, i) => {
          const e = ev(i % 3 === 0 ? 'click' : 'impression', USERS[p * 2 + (i % 2)], ITEMS[(b + i) % ITEMS.length], { timestampMs: T0 - b * MINUTE });
          count(`${itemKey(e.itemId)}/${e.type}`);
          count(`${userKey(e.userId)}/${e.type}`);
          count(`${creatorKey(catalog.item(e.itemId)!.creatorId)}/${e.type}`);
          eventIds.push(e.eventId);
          return e;
        });
        const outcome = await processors[p].applyBatch(eventsAt(p, b * PER_BATCH, events));
        expect(outcome.applied).toBe(PER_BATCH);
        attempts += outcome.attempts;
      }
      return attempts;
    });
    const attempts = await Promise.all(runs);
    // Merges never conflict and each processor owns its partition's watermark: no batch was retried.
    for (const a of attempts) expect(a).toBe(BATCHES);
    for (const [at, n] of expected) {
      const [key, type] = at.split('/');
      expect([at, await total(stores[0], key, type === 'click' ? 'clicks' : 'impressions')]).toEqual([at, n]);
    }
    expect(expected.get(`${creatorKey('c1')}/impression`)! + expected.get(`${creatorKey('c1')}/click`)!).toBe(2 * BATCHES * PER_BATCH * (2 / 3));
    for (const p of [0, 1]) expect(await watermarkOf(stores[0], p)).toBe(BATCHES * PER_BATCH - 1);
  }, 30_000);
});

describe('one Redis client applying three partitions at once', () => {
  let store: RedisFeatureStore;
  const prefix = `feature-processor-spec:${randomBytes(5).toString('hex')}:`;
  const written: string[] = [];

  beforeAll(async () => {
    store = await openRedisFeatureStore({ url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', onWarning: () => undefined });
  });

  afterAll(async () => {
    await store.delete(written.map((key) => prefix + key));
    await store.close();
  });

  it('counts every event once and never needs a server-side merge: each read sees the commits sent before it', async () => {
    const catalog = new Catalog();
    for (const id of ['a', 'b', 'c']) catalog.upsertItem(item(id, 'shared'));
    const processor = new EngagementProcessor(withKeyPrefix(store, prefix), catalog, OPTIONS);
    const BATCHES = 20;
    const PER_BATCH = 15;
    const merges = store.serverMergeCount;
    const clicksOfA = { expected: 0 };
    const runs = [0, 1, 2].map(async (p) => {
      for (let b = 0; b < BATCHES; b++) {
        const events = Array.from({ length: PER_BATCH }, (_, i) => ev(i % 2 ? 'click' : 'save', `p${p}u${i % 3}`, ['a', 'b', 'c'][(b + i) % 3]));
        clicksOfA.expected += events.filter((e) => e.itemId === 'a' && e.type === 'click').length;
        written.push(...events.map((e) => markerKey(e.eventId)));
        expect((await processor.applyBatch(eventsAt(p, b * PER_BATCH, events))).applied).toBe(PER_BATCH);
      }
    });
    await Promise.all(runs);
    written.push(creatorKey('shared'), itemKey('a'), itemKey('b'), itemKey('c'), ...[0, 1, 2].flatMap((p) => [0, 1, 2].map((u) => userKey(`p${p}u${u}`))));
    written.push(...[0, 1, 2].map((p) => watermarkKey(TOPICS.engagement, p)));
    const prefixed = withKeyPrefix(store, prefix);
    const events = 3 * BATCHES * PER_BATCH;
    expect((await total(prefixed, creatorKey('shared'), 'clicks'))! + (await total(prefixed, creatorKey('shared'), 'saves'))!).toBe(events);
    expect(await total(prefixed, itemKey('a'), 'clicks')).toBe(clicksOfA.expected);
    expect(store.serverMergeCount - merges).toBe(0);
  }, 30_000);
});
