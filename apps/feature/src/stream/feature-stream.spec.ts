// The stream processor writes each handled batch's changed records in one setMany, and retries failed writes.
import { rmSync } from 'node:fs';
import { Writable } from 'node:stream';
import { CatalogEvent, EngagementEvent, eventToWire, itemToWire } from '@recsys/contracts';
import type { EngagementEvent as DomainEvent, Item } from '@recsys/domain';
import { FeatureEngine, decodeItemRecord, decodeUserRecord } from '@recsys/features';
import { createLogger } from '@recsys/logger';
import { InMemoryFeatureStore, TOPICS, openFileLogEventBus, type EventBus, type FeatureStore, type FeatureWrite } from '@recsys/stores';
import { freeDataDir, waitFor } from '@recsys/testing';
import { EventClock } from './event-clock';
import { startFeatureStream, type FeatureStream } from './feature-stream';

/** A real in-memory store that records every setMany and can be told to fail the next writes. */
class RecordingStore implements FeatureStore {
  readonly writes: string[][] = [];
  failNext = 0;
  constructor(readonly inner: FeatureStore) {}
  getMany(keys: readonly string[]) {
    return this.inner.getMany(keys);
  }
  async setMany(writes: readonly FeatureWrite[]) {
    if (this.failNext > 0) {
      this.failNext--;
      throw new Error('store down');
    }
    this.writes.push(writes.map((w) => w.key).sort());
    return this.inner.setMany(writes);
  }
  delete(keys: readonly string[]) {
    return this.inner.delete(keys);
  }
  close() {
    return this.inner.close();
  }
}

const logger = createLogger({ service: 'feature', level: 'error', stream: new Writable({ write: (_c, _e, done) => done() }) });
const item = (id: string, createdAtMs: number): Item => ({ id, creatorId: 'c', topics: ['t'], aspectRatio: 1, createdAtMs, quality: 0.5, embedding: [], unsafe: false });
const click = (eventId: string, userId: string, itemId: string, timestampMs: number): DomainEvent => ({
  eventId, userId, itemId, type: 'click', timestampMs, dwellMs: 0, requestId: '', position: 0, surface: '', boardId: '',
});
const engagement = (events: DomainEvent[]) => events.map((e) => ({ key: e.userId, value: EngagementEvent.encode(eventToWire(e)).finish() }));

describe('feature stream processor', () => {
  let dir: string;
  let bus: EventBus;
  let store: RecordingStore;
  let stream: FeatureStream | undefined;
  const clock = new EventClock(() => 0);

  beforeEach(async () => {
    dir = freeDataDir('feature-stream');
    bus = await openFileLogEventBus(dir, { pollMs: 5, onWarning: () => undefined });
    store = new RecordingStore(new InMemoryFeatureStore());
    await bus.publish(TOPICS.catalog, [
      { key: 'a', value: CatalogEvent.encode({ entity: { $case: 'item', item: itemToWire(item('a', 100)) }, timestampMs: '500' }).finish() },
      { key: 'b', value: CatalogEvent.encode({ entity: { $case: 'item', item: itemToWire(item('b', 200)) }, timestampMs: '600' }).finish() },
      { key: 'junk', value: new Uint8Array([0xff, 0xff, 0xff]) },
    ]);
    await bus.publish(TOPICS.engagement, engagement([click('e1', 'u1', 'a', 1000), click('e2', 'u2', 'b', 2000), click('e1', 'u1', 'a', 1000)]));
  });

  afterEach(async () => {
    await stream?.stop();
    await bus.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('replays the log, writing one setMany per handled batch, before resolving', async () => {
    stream = await startFeatureStream({ bus, engine: new FeatureEngine(), store, clock, logger });
    expect(store.writes).toEqual([
      ['i:a', 'i:b'],
      ['i:a', 'i:b', 'u:u1', 'u:u2'],
    ]);
    const [a, u1] = await store.getMany(['i:a', 'u:u1']);
    expect(decodeItemRecord(a!).counters?.[1]).toBe(1); // one click: the redelivered e1 counted once
    expect(decodeUserRecord(u1!).recent.map((r) => r.itemId)).toEqual(['a']);
    expect(clock.now()).toBe(2000);
  });

  it('keeps records whose write failed and writes them with the next batch', async () => {
    stream = await startFeatureStream({ bus, engine: new FeatureEngine(), store, clock, logger });
    store.failNext = 1;
    await bus.publish(TOPICS.engagement, engagement([click('e3', 'u3', 'a', 3000)]));
    // The failed batch is redelivered: e3 is a duplicate then, but its records are still pending and written.
    await waitFor(async () => {
      const [u3] = await store.getMany(['u:u3']);
      return u3 !== undefined;
    }, { what: 'the failed write to be retried' });
    const [a] = await store.getMany(['i:a']);
    expect(decodeItemRecord(a!).counters?.[1]).toBe(2);
  });
});
