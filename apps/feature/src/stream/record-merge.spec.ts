// The item and creator merge run by Redis (Lua, in the commit script) gives the bytes the TypeScript merge gives.
import { randomBytes } from 'node:crypto';
import type { EventType } from '@recsys/domain';
import { ENTITY_RECORD_MERGE, countInto, emptyBlock, encodeCreatorRecord, encodeItemRecord } from '@recsys/features';
import { InMemoryFeatureStore, openRedisFeatureStore, type FeatureStore } from '@recsys/stores';
import fc from 'fast-check';

const DAY = 86_400_000;
const T0 = 1000 * DAY;
const TYPES: EventType[] = ['impression', 'click', 'save', 'share', 'hide', 'dwell'];
type Ev = [EventType, number, number];
const evArb: fc.Arbitrary<Ev> = fc.tuple(fc.constantFrom(...TYPES), fc.integer({ min: -9 * DAY, max: 9 * DAY }), fc.integer({ min: 0, max: 3_600_000 }));

function recordOf(kind: 'item' | 'creator', events: readonly Ev[]): Uint8Array {
  const counters = emptyBlock();
  for (const [type, dt, dwellMs] of events) countInto(counters, type, dwellMs, T0 + dt);
  return kind === 'item' ? encodeItemRecord({ counters }) : encodeCreatorRecord({ counters });
}

describe('ENTITY_RECORD_MERGE on Redis (Lua) and in memory (TypeScript)', () => {
  let redis: FeatureStore;
  const memory = new InMemoryFeatureStore();
  const prefix = `record-merge-spec:${randomBytes(5).toString('hex')}:`;
  const used: string[] = [];

  beforeAll(async () => {
    redis = await openRedisFeatureStore({ url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', onWarning: () => undefined });
  });

  afterAll(async () => {
    await redis.delete(used);
    await Promise.all([redis.close(), memory.close()]);
  });

  /** Stores `stored` (when given) under a fresh key, merges each delta in its own transaction; the final bytes. */
  async function mergeOn(store: FeatureStore, key: string, stored: Uint8Array | undefined, deltas: Uint8Array[]): Promise<{ value: Uint8Array | undefined; unreadable: string[] }> {
    if (stored) await store.setMany([{ key, value: stored }]);
    const unreadable: string[] = [];
    for (const delta of deltas) {
      await store.transact([], () => [{ key, delta }], { merge: ENTITY_RECORD_MERGE, onUnreadable: (k) => unreadable.push(k) });
    }
    const [value] = await store.getMany([key]);
    return { value: value && new Uint8Array(value), unreadable };
  }

  it('gives the same bytes, equal to counting every event into one record', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.constantFrom<'item' | 'creator'>('item', 'creator'), fc.array(fc.array(evArb, { maxLength: 25 }), { minLength: 1, maxLength: 4 }), async (kind, parts) => {
        const key = `${prefix}${run++}`;
        used.push(key);
        const [first, ...rest] = parts.map((events) => recordOf(kind, events));
        const onRedis = await mergeOn(redis, key, first, rest);
        const inMemory = await mergeOn(memory, key, first, rest);
        const whole = recordOf(kind, parts.flat());
        expect(onRedis.value).toEqual(whole);
        expect(inMemory.value).toEqual(whole);
        expect(onRedis.unreadable).toEqual([]);
      }),
      { numRuns: 60 },
    );
  });

  it('replaces a stored value it cannot read by the delta on both, and reports the key', async () => {
    const delta = recordOf('item', [['click', 0, 0]]);
    for (const bad of [new Uint8Array([2, 2, 0xff]), new Uint8Array([9, 9]), recordOf('creator', [['save', 0, 0]]), new TextEncoder().encode('not a record')]) {
      const key = `${prefix}bad:${used.length}`;
      used.push(key);
      for (const store of [redis, memory]) expect(await mergeOn(store, key, bad, [delta])).toEqual({ value: delta, unreadable: [key] });
    }
  });
});
