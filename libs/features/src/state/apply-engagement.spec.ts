import type { EngagementEvent, EventType } from '@recsys/domain';
import fc from 'fast-check';
import { COUNTER } from '../definitions/event-updates';
import { FeatureEngine } from '../engine/feature-engine';
import {
  decodeCreatorRecord,
  decodeItemRecord,
  decodeUserRecord,
  encodeCreatorRecord,
  encodeItemRecord,
  encodeUserRecord,
} from '../records/encoding';
import { DAY, HOUR, MINUTE, T0, event, item } from '../testing/fixtures';
import { itemView, userTopicFeatures, userView } from '../views/views';
import { applyEngagement, isApplicable } from './apply-engagement';
import { Catalog } from './catalog';
import { RecordSet } from './record-set';

function catalogOf(...items: ReturnType<typeof item>[]): Catalog {
  const catalog = new Catalog();
  for (const i of items) catalog.upsertItem(i);
  return catalog;
}

describe('applyEngagement', () => {
  it('updates the item, user and creator records and marks them changed', () => {
    const catalog = catalogOf(item('a', 'c1', ['t1']));
    const records = new RecordSet();
    applyEngagement(records, catalog, event('click', 'u1', 'a', T0));
    expect([...records.changedUsers]).toEqual(['u1']);
    expect([...records.changedItems]).toEqual(['a']);
    expect([...records.changedCreators]).toEqual(['c1']);
    for (const block of [records.users.get('u1')!.counters, records.items.get('a')!.counters, records.creators.get('c1')!.counters]) {
      expect(block.totals[COUNTER.clicks]).toBe(1);
      expect(block.lastEngagedAtMs).toBe(T0);
    }
    expect(records.users.get('u1')!.recent).toEqual([{ itemId: 'a', atMs: T0 }]);
    expect(records.users.get('u1')!.topics.map((t) => [t.topic, t.affinity, t.affinityAtMs])).toEqual([['t1', 1, T0]]);
  });

  it('touches no creator and no topic for an item outside the catalog', () => {
    const records = new RecordSet();
    applyEngagement(records, catalogOf(), event('save', 'u1', 'ghost', T0));
    expect([...records.changedItems]).toEqual(['ghost']);
    expect(records.changedCreators.size).toBe(0);
    expect(records.creators.size).toBe(0);
    expect(records.users.get('u1')).toMatchObject({ topics: [], recent: [{ itemId: 'ghost', atMs: T0 }] });
  });

  it('marks only the records it changes, among records loaded from the store', () => {
    const records = new RecordSet();
    const loaded = new RecordSet();
    applyEngagement(loaded, catalogOf(), event('click', 'u2', 'b', T0));
    records.users.set('u2', loaded.users.get('u2')!);
    records.items.set('b', loaded.items.get('b')!);
    applyEngagement(records, catalogOf(), event('impression', 'u1', 'b', T0 + MINUTE));
    expect([...records.changedUsers]).toEqual(['u1']);
    expect([...records.changedItems]).toEqual(['b']);
    expect(records.items.get('b')!.counters.totals[COUNTER.impressions]).toBe(1);
    expect(records.items.get('b')!.counters.totals[COUNTER.clicks]).toBe(1);
  });

  it('counts a repeated topic of an item once, with the weight of its first position', () => {
    const catalog = catalogOf(item('a', 'c1', ['t1', 't2', 't1']));
    const records = new RecordSet();
    applyEngagement(records, catalog, event('save', 'u1', 'a', T0)); // t1 3 × 1, t2 3 × 0.5
    const topics = records.users.get('u1')!.topics;
    expect(topics.map((t) => [t.topic, t.counters.totals[COUNTER.saves], t.affinity])).toEqual([
      ['t1', 1, 3],
      ['t2', 1, 1.5],
    ]);
  });

  it('keeps user topics sorted by topic id', () => {
    const catalog = catalogOf(item('a', 'c1', ['m']), item('b', 'c1', ['z', 'b']), item('c', 'c1', ['a', 'n']));
    const records = new RecordSet();
    for (const itemId of ['a', 'b', 'c']) applyEngagement(records, catalog, event('click', 'u1', itemId, T0));
    expect(records.users.get('u1')!.topics.map((t) => t.topic)).toEqual(['a', 'b', 'm', 'n', 'z']);
  });

  it('ignores negative and non-finite dwell times', () => {
    const records = new RecordSet();
    for (const dwellMs of [-5, Number.NaN, Number.POSITIVE_INFINITY, 250]) applyEngagement(records, catalogOf(), event('dwell', 'u1', 'a', T0, { dwellMs }));
    expect(records.items.get('a')!.counters.totals[COUNTER.dwells]).toBe(4);
    expect(records.items.get('a')!.counters.totals[COUNTER.dwell_ms]).toBe(250);
  });
});

describe('isApplicable', () => {
  it('needs an id, a user, an item, a known type and a finite time', () => {
    const ok = event('click', 'u1', 'a', T0);
    expect(isApplicable(ok)).toBe(true);
    expect(isApplicable({ ...ok, timestampMs: -T0 })).toBe(true);
    for (const bad of [{ eventId: '' }, { userId: '' }, { itemId: '' }, { type: 'like' as EventType }, { timestampMs: Number.NaN }, { timestampMs: Number.NEGATIVE_INFINITY }]) {
      expect(isApplicable({ ...ok, ...bad })).toBe(false);
    }
  });
});

describe('online batches and offline replay', () => {
  // The stream processor applies each batch to records read from the store and writes the changed ones back as
  // bytes; the engine applies everything to one in-memory set. Both must serve the same views.
  const USERS = ['u0', 'u1', 'u2'];
  const ITEMS = ['a', 'b', 'c', 'ghost'];
  const catalog = () => catalogOf(item('a', 'c1', ['t1', 't2']), item('b', 'c1', ['t2']), item('c', 'c2', ['t3', 't1']));

  const eventArb: fc.Arbitrary<EngagementEvent> = fc
    .tuple(
      fc.constantFrom<EventType>('impression', 'click', 'save', 'share', 'hide', 'dwell'),
      fc.constantFrom(...USERS),
      fc.constantFrom(...ITEMS),
      fc.integer({ min: -9 * DAY, max: DAY }),
      fc.integer({ min: 0, max: 60_000 }),
    )
    .map(([type, userId, itemId, dt, dwellMs]) => event(type, userId, itemId, T0 + dt, { dwellMs: type === 'dwell' ? dwellMs : 0 }));

  // Events (at most T0 + 1 day) and the sizes of consecutive batches, cycled.
  const batchesArb = fc.tuple(fc.array(eventArb, { maxLength: 80 }), fc.array(fc.integer({ min: 1, max: 10 }), { minLength: 1, maxLength: 20 }));

  it('per-batch application through encoded records equals the engine, for any batching', () => {
    fc.assert(
      fc.property(batchesArb, fc.integer({ min: 0, max: 10 * DAY }), ([events, sizes], after) => {
        const engine = new FeatureEngine();
        const cat = catalog();
        for (const i of ['a', 'b', 'c']) engine.applyCatalogItem(cat.item(i)!);
        for (const e of events) engine.applyEvent(e);

        const store = new Map<string, Uint8Array>();
        let at = 0;
        for (let b = 0; at < events.length; b++) {
          const batch = events.slice(at, at + sizes[b % sizes.length]);
          at += batch.length;
          const records = new RecordSet();
          for (const e of batch) {
            const u = store.get(`user:${e.userId}`);
            if (u && !records.users.has(e.userId)) records.users.set(e.userId, decodeUserRecord(u));
            const i = store.get(`item:${e.itemId}`);
            if (i && !records.items.has(e.itemId)) records.items.set(e.itemId, decodeItemRecord(i));
            const creatorId = cat.item(e.itemId)?.creatorId;
            const c = creatorId === undefined ? undefined : store.get(`creator:${creatorId}`);
            if (creatorId !== undefined && c && !records.creators.has(creatorId)) records.creators.set(creatorId, decodeCreatorRecord(c));
          }
          for (const e of batch) applyEngagement(records, cat, e);
          for (const id of records.changedUsers) store.set(`user:${id}`, encodeUserRecord(records.users.get(id)!));
          for (const id of records.changedItems) store.set(`item:${id}`, encodeItemRecord(records.items.get(id)!));
          for (const id of records.changedCreators) store.set(`creator:${id}`, encodeCreatorRecord(records.creators.get(id)!));
        }

        const now = T0 + DAY + after;
        const read = <T>(key: string, decode: (bytes: Uint8Array) => T) => {
          const bytes = store.get(key);
          return bytes ? decode(bytes) : undefined;
        };
        for (const userId of USERS) {
          const record = read(`user:${userId}`, decodeUserRecord);
          expect(userView(userId, { record, catalog: engine.catalog }, now)).toStrictEqual(engine.userFeatures(userId, now));
          for (const topic of ['t1', 't2', 't3']) expect(userTopicFeatures(record, topic, now)).toStrictEqual(userTopicFeatures(engine.userRecord(userId), topic, now));
        }
        for (const itemId of ITEMS) {
          const known = cat.item(itemId);
          const view = itemView(
            itemId,
            {
              record: read(`item:${itemId}`, decodeItemRecord),
              item: known,
              creator: known ? read(`creator:${known.creatorId}`, decodeCreatorRecord) : undefined,
              creatorItems: known ? cat.itemsOfCreator(known.creatorId) : undefined,
            },
            now,
          );
          expect(view).toStrictEqual(engine.itemFeatures(itemId, now));
        }
      }),
      { numRuns: 50 },
    );
  });

  it('agrees on a hand example across two batches', () => {
    const cat = catalog();
    const first = new RecordSet();
    applyEngagement(first, cat, event('click', 'u1', 'a', T0));
    const stored = encodeCreatorRecord(first.creators.get('c1')!);
    const second = new RecordSet();
    second.creators.set('c1', decodeCreatorRecord(stored));
    applyEngagement(second, cat, event('click', 'u2', 'b', T0 + HOUR));
    const creator = second.creators.get('c1')!;
    expect(creator.counters.totals[COUNTER.clicks]).toBe(2);
    expect(creator.counters.lastEngagedAtMs).toBe(T0 + HOUR);
    expect(itemView('b', { record: second.items.get('b'), item: cat.item('b'), creator, creatorItems: 2 }, T0 + HOUR).features).toMatchObject({
      creator_clicks_24h: 2,
      creator_clicks_1h: 1,
      item_clicks: 1,
      creator_items: 2,
    });
  });
});
