// The feature stream on the embedded bus: catalog then engagement replayed before start resolves, failed batches
// retried and applied once, malformed events dead-lettered once, a restart re-applying nothing.
import { rmSync } from 'node:fs';
import { Writable } from 'node:stream';
import { CatalogEvent, EngagementEvent, eventToWire, itemToWire } from '@recsys/contracts';
import { RecsysError, type EngagementEvent as DomainEvent, type Item } from '@recsys/domain';
import { COUNTER, Catalog, decodeCreatorRecord, decodeItemRecord, decodeUserRecord } from '@recsys/features';
import { createLogger } from '@recsys/logger';
import {
  DEAD_LETTER_OFFSET_HEADER,
  DEAD_LETTER_REASON_HEADER,
  InMemoryFeatureStore,
  TOPICS,
  openFileLogEventBus,
  type DeliveredMessage,
  type EventBus,
  type FeatureStore,
} from '@recsys/stores';
import { freeDataDir, waitFor } from '@recsys/testing';
import { creatorKey, decodeWatermark, itemKey, userKey, watermarkKey } from '../keys';
import { EngagementProcessor } from './engagement-processor';
import { EventClock } from './event-clock';
import { startFeatureStream, type FeatureStream, type FeatureStreamStats } from './feature-stream';

const DLQ = `${TOPICS.engagement}.dlq`;
const logger = createLogger({ service: 'feature', level: 'error', stream: new Writable({ write: (_c, _e, done) => done() }) });
const NOW = Date.now();
const item = (id: string, creatorId: string): Item => ({ id, creatorId, topics: ['t'], aspectRatio: 1, createdAtMs: 0, quality: 0.5, embedding: [], unsafe: false });
const click = (eventId: string, userId: string, itemId: string, timestampMs: number): DomainEvent => ({
  eventId, userId, itemId, type: 'click', timestampMs, dwellMs: 0, requestId: '', position: 0, surface: '', boardId: '',
});
const engagement = (events: DomainEvent[]) => events.map((e) => ({ key: e.userId, value: EngagementEvent.encode(eventToWire(e)).finish() }));
const JUNK = { key: 'junk', value: new Uint8Array([0xff, 0xff, 0xff, 0xff]) };

/** A real in-memory store whose transactions can be made to fail: before writing, or after writing (a lost reply). */
class FlakyStore implements FeatureStore {
  failBefore = 0;
  failAfter = 0;
  constructor(readonly inner: InMemoryFeatureStore) {}
  getMany(keys: readonly string[]) {
    return this.inner.getMany(keys);
  }
  setMany(writes: Parameters<FeatureStore['setMany']>[0]) {
    return this.inner.setMany(writes);
  }
  delete(keys: readonly string[]) {
    return this.inner.delete(keys);
  }
  async transact(keys: readonly string[], compute: Parameters<FeatureStore['transact']>[1], options?: Parameters<FeatureStore['transact']>[2]) {
    if (this.failBefore > 0) {
      this.failBefore--;
      throw new RecsysError('unavailable', 'store down');
    }
    const attempts = await this.inner.transact(keys, compute, options);
    if (this.failAfter > 0) {
      this.failAfter--;
      throw new RecsysError('unavailable', 'connection lost before the reply');
    }
    return attempts;
  }
  close() {
    return this.inner.close();
  }
}

/** Every message of a topic, read with a throw-away subscription. */
async function readAll(bus: EventBus, topic: string): Promise<DeliveredMessage[]> {
  const seen: DeliveredMessage[] = [];
  const sub = await bus.subscribe({ topic, groupId: 'test-reader', from: 'earliest', ephemeral: true, handler: async (batch) => void seen.push(...batch) });
  await sub.caughtUp();
  await sub.stop();
  return seen;
}

describe('feature stream (embedded bus)', () => {
  let dir: string;
  let bus: EventBus;
  let inner: InMemoryFeatureStore;
  let store: FlakyStore;
  let catalog: Catalog;
  let clock: EventClock;
  let stream: (FeatureStream & { stats: () => FeatureStreamStats }) | undefined;

  const start = async (engagementMode: 'replay' | 'group' = 'replay') => {
    catalog = new Catalog();
    clock = new EventClock(() => 0);
    const processor = new EngagementProcessor(store, catalog, { markerTtlMs: 3_600_000 });
    stream = await startFeatureStream({ bus, catalog, processor, clock, logger, engagementMode });
    return stream;
  };
  const total = async (key: string, counter: keyof typeof COUNTER) => {
    const [bytes] = await inner.getMany([key]);
    if (bytes === undefined) return undefined;
    const decode = key.startsWith('u:') ? decodeUserRecord : key.startsWith('c:') ? decodeCreatorRecord : decodeItemRecord;
    return decode(bytes).counters.totals[COUNTER[counter]];
  };
  const watermark = async () => decodeWatermark((await inner.getMany([watermarkKey(TOPICS.engagement, 0)]))[0]);

  beforeEach(async () => {
    dir = freeDataDir('feature-stream');
    bus = await openFileLogEventBus(dir, { pollMs: 5, onWarning: () => undefined });
    inner = new InMemoryFeatureStore();
    store = new FlakyStore(inner);
    await bus.publish(TOPICS.catalog, [
      { key: 'a', value: CatalogEvent.encode({ entity: { $case: 'item', item: itemToWire(item('a', 'c')) }, timestampMs: String(NOW - 500) }).finish() },
      { key: 'b', value: CatalogEvent.encode({ entity: { $case: 'item', item: itemToWire(item('b', 'c')) }, timestampMs: String(NOW - 400) }).finish() },
      JUNK,
    ]);
    await bus.publish(TOPICS.engagement, [...engagement([click('e1', 'u1', 'a', NOW - 3000), click('e2', 'u2', 'b', NOW - 2000), click('e1', 'u1', 'a', NOW - 3000)]), JUNK]);
  });

  afterEach(async () => {
    await stream?.stop();
    stream = undefined;
    await bus.close();
    await inner.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('replays the catalog, then the engagement log, before resolving', async () => {
    const s = await start();
    // Nothing awaited after start: everything published before is in the store.
    expect(catalog.sizes()).toEqual({ items: 2, users: 0, creators: 1 });
    expect(await total(itemKey('a'), 'clicks')).toBe(1); // e1 delivered twice, counted once
    expect(await total(itemKey('b'), 'clicks')).toBe(1);
    expect(await total(creatorKey('c'), 'clicks')).toBe(2);
    expect(await total(userKey('u1'), 'clicks')).toBe(1);
    expect(s.stats()).toEqual({ applied: 2, duplicates: 1, redelivered: 0, deadLettered: 1, conflicts: 0 });
    const log = await readAll(bus, TOPICS.engagement);
    expect(await watermark()).toBe(log[log.length - 1].offset);
    expect(clock.now()).toBe(NOW - 400); // the latest catalog or event time seen
    const dead = await waitFor(async () => {
      const letters = await readAll(bus, DLQ);
      return letters.length > 0 && letters;
    }, { what: 'the dead letter' });
    expect(dead).toHaveLength(1);
    expect(dead[0].value).toEqual(JUNK.value);
    expect(dead[0].headers[DEAD_LETTER_OFFSET_HEADER]).toBe(String(log[3].offset));
    expect(dead[0].headers[DEAD_LETTER_REASON_HEADER]).toMatch(/./);
  });

  it('applies what is published after start; caughtUp resolves once it is in the store', async () => {
    const s = await start();
    await bus.publish(TOPICS.engagement, engagement([click('e3', 'u3', 'a', NOW), click('e2', 'u2', 'b', NOW - 2000)]));
    await s.caughtUp();
    expect(await total(itemKey('a'), 'clicks')).toBe(2);
    expect(await total(itemKey('b'), 'clicks')).toBe(1);
    expect(s.stats()).toMatchObject({ applied: 3, duplicates: 2 });
    expect(clock.now()).toBe(NOW);
  });

  it('retries a batch whose transaction failed and applies it once', async () => {
    const s = await start();
    store.failBefore = 2;
    await bus.publish(TOPICS.engagement, engagement([click('e3', 'u3', 'a', NOW)]));
    await s.caughtUp();
    expect(store.failBefore).toBe(0);
    expect(await total(itemKey('a'), 'clicks')).toBe(2);
    expect(await total(userKey('u3'), 'clicks')).toBe(1);
  });

  it('applies once and dead-letters once a batch whose store write succeeded but whose reply was lost', async () => {
    const s = await start();
    store.failAfter = 1;
    await bus.publish(TOPICS.engagement, [...engagement([click('e3', 'u3', 'a', NOW)]), { key: 'junk2', value: new Uint8Array([0xfe, 0xfe, 0xfe]) }]);
    await s.caughtUp();
    expect(store.failAfter).toBe(0);
    expect(await total(itemKey('a'), 'clicks')).toBe(2);
    // The redelivery found the batch behind the watermark: nothing applied twice, its dead letter published. (The
    // stats count what the processor saw succeed: the write whose reply was lost is not in `applied`.)
    expect(s.stats()).toMatchObject({ applied: 2, redelivered: 2, deadLettered: 2 });
    const keys = await waitFor(async () => {
      const letters = await readAll(bus, DLQ);
      return letters.length === 2 && letters.map((m) => m.key);
    }, { what: 'both dead letters' });
    expect(keys).toEqual(['junk', 'junk2']);
  });

  it('re-applies and re-dead-letters nothing when restarted on the same store, then goes on', async () => {
    const first = await start();
    await first.stop();
    const before = await inner.getMany([itemKey('a'), itemKey('b'), creatorKey('c'), userKey('u1'), userKey('u2')]);
    const second = await start();
    expect(second.stats()).toEqual({ applied: 0, duplicates: 0, redelivered: 4, deadLettered: 0, conflicts: 0 });
    expect(await inner.getMany([itemKey('a'), itemKey('b'), creatorKey('c'), userKey('u1'), userKey('u2')])).toEqual(before);
    await bus.publish(TOPICS.engagement, [...engagement([click('e4', 'u1', 'b', NOW)]), { key: 'junk3', value: new Uint8Array([0xfe]) }]);
    await second.caughtUp();
    expect(second.stats()).toMatchObject({ applied: 1, deadLettered: 1 });
    expect(await total(itemKey('b'), 'clicks')).toBe(2);
    const keys = await waitFor(async () => {
      const letters = await readAll(bus, DLQ);
      return letters.length === 2 && letters.map((m) => m.key);
    }, { what: 'the new dead letter' });
    expect(keys).toEqual(['junk', 'junk3']);
  });
});
