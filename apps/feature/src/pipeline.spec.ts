// The feature-read pipelines read the store once per request and compute views from the stored records.
import { Writable } from 'node:stream';
import type { Item } from '@recsys/domain';
import { FeatureEngine, ITEM_FEATURES, encodeItemRecord, encodeUserRecord } from '@recsys/features';
import { createLogger } from '@recsys/logger';
import { executePipeline } from '@recsys/pipeline';
import { InMemoryFeatureStore, type FeatureStore, type FeatureWrite } from '@recsys/stores';
import { buildItemFeaturesPipeline, buildUserFeaturesPipeline } from './pipeline';

/** A real in-memory store that records the keys of every getMany call. */
class RecordingStore implements FeatureStore {
  readonly reads: string[][] = [];
  constructor(private readonly inner: FeatureStore) {}
  getMany(keys: readonly string[]) {
    this.reads.push([...keys]);
    return this.inner.getMany(keys);
  }
  setMany(writes: readonly FeatureWrite[]) {
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
const HOUR = 3_600_000;
const item: Item = { id: 'a', creatorId: 'c', topics: ['t'], aspectRatio: 1, createdAtMs: 0, quality: 0.7, embedding: [], unsafe: false };

describe('feature pipelines', () => {
  let store: RecordingStore;

  beforeEach(async () => {
    store = new RecordingStore(new InMemoryFeatureStore());
    const engine = new FeatureEngine();
    engine.applyCatalogItem(item);
    engine.applyEvent({ eventId: 'e1', userId: 'u', itemId: 'a', type: 'click', timestampMs: 0, dwellMs: 0, requestId: '', position: 0, surface: '', boardId: '' });
    await store.setMany([
      { key: 'i:a', value: encodeItemRecord(engine.itemRecord('a')!) },
      { key: 'u:u', value: encodeUserRecord(engine.userRecord('u')!) },
      { key: 'i:broken', value: new Uint8Array([99, 1, 2]) },
    ]);
  });

  it('reads every distinct requested item in one getMany and computes age at the query time', async () => {
    const result = await executePipeline(buildItemFeaturesPipeline({ store, logger }), { itemIds: ['a', 'zz', 'a', 'broken'], nowMs: 5 * HOUR }, { deadlineMs: Infinity });
    expect(store.reads).toEqual([['i:a', 'i:zz', 'i:broken']]);
    const views = new Map(result.candidates.map((c) => [c.id, c.view]));
    expect(views.get('a')).toMatchObject({ known: true, features: { item_clicks: 1, item_age_hours: 5, item_quality: 0.7 } });
    // Missing and undecodable records are served as unknown items with every default.
    expect(views.get('zz')).toMatchObject({ known: false, features: ITEM_FEATURES });
    expect(views.get('broken')).toMatchObject({ known: false, features: ITEM_FEATURES });
  });

  it('reads the user record with one getMany', async () => {
    const result = await executePipeline(buildUserFeaturesPipeline({ store, logger }), { userId: 'u', nowMs: HOUR }, { deadlineMs: Infinity });
    expect(store.reads).toEqual([['u:u']]);
    expect(result.candidates[0].view).toMatchObject({ known: true, recentItemIds: ['a'], topicAffinity: { t: 1 } });
  });

  it('fails closed when the store fails', async () => {
    await store.close();
    await expect(
      executePipeline(buildItemFeaturesPipeline({ store, logger }), { itemIds: ['a'], nowMs: 0 }, { deadlineMs: Infinity }),
    ).rejects.toMatchObject({ category: 'unavailable' });
  });
});
