// The `two-tower` channel over the tiny trained two-tower fixture and the embedded HNSW store: nearest items by the
// user tower's embedding, catalog items newer than the model embedded by the item tower, seeds and unsafe items left out.
import { rmSync } from 'node:fs';
import { Writable } from 'node:stream';
import { createRng } from '@recsys/algorithms';
import { RecsysError, type EngagementEvent, type Item } from '@recsys/domain';
import { createLogger } from '@recsys/logger';
import { loadTwoTowerModel, type TwoTowerModel } from '@recsys/models';
import type { StepContext } from '@recsys/pipeline';
import { LocalModelStore, openHnswVectorStore, type VectorStore } from '@recsys/stores';
import { TINY_TWO_TOWER, fixtureModelStoreDir, freeDataDir, publishTinyTwoTower, tinyTwoTowerFiles, waitFor } from '@recsys/testing';
import { TwoTowerRecall, twoTowerCollectionName } from '../models/two-tower-recall';
import { RecallIndex } from '../state/recall-index';
import { CHANNELS, type ChannelName, type RecallCandidate, type RecallQuery } from '../types';
import { twoTowerSource } from './two-tower.source';

const NOW = Date.parse('2026-01-31T00:00:00Z');
const MINUTE = 60_000;
const DIM = 16;
const quiet = () => createLogger({ service: 'recall', level: 'error', stream: new Writable({ write: (_c, _e, done) => done() }) });

/** The fixture's item ids (the tiny world's pins, each with a precomputed embedding). */
const TABLE_IDS: string[] = JSON.parse(new TextDecoder().decode(tinyTwoTowerFiles()['item_ids.json'])) as string[];
const UNSAFE = TABLE_IDS[5];
/** The user's saves, oldest first. */
const SAVED = [TABLE_IDS[10], TABLE_IDS[20], TABLE_IDS[30]];

function catalog(): Item[] {
  const rng = createRng(7);
  const item = (id: string, quality: number): Item => ({
    id,
    creatorId: 'creator',
    topics: ['t'],
    aspectRatio: 1,
    createdAtMs: NOW - 24 * 60 * MINUTE,
    quality,
    embedding: Array.from({ length: DIM }, () => rng.normal()),
    unsafe: id === UNSAFE,
  });
  return [...TABLE_IDS.map((id) => item(id, 0.5)), item('new-1', 0.9), item('new-2', 0.1)];
}

function save(userId: string, itemId: string, n: number): EngagementEvent {
  return { eventId: `${userId}-${n}`, userId, itemId, type: 'save', timestampMs: NOW - (10 - n) * MINUTE, dwellMs: 0, requestId: '', position: 0, surface: 'home_feed', boardId: '' };
}

function query(userId: string, index: RecallIndex, overrides: Partial<RecallQuery> = {}): RecallQuery {
  const quotas = Object.fromEntries(CHANNELS.map((c) => [c, 0])) as Record<ChannelName, number>;
  quotas['two-tower'] = 10;
  return { userId, surface: 'home_feed', sessionItemIds: [], quotas, limit: 100, nowMs: NOW, userRecentItemIds: index.recentPositives(userId), ...overrides };
}

const ctx = (): StepContext => ({ signal: new AbortController().signal, deadlineMs: Number.POSITIVE_INFINITY, debug: false, degrade: () => undefined });

const unit = (v: ArrayLike<number>): number[] => {
  const norm = Math.hypot(...Array.from(v));
  return Array.from(v, (x) => x / norm);
};
const dot = (a: readonly number[], b: readonly number[]) => a.reduce((s, x, i) => s + x * b[i], 0);

/**
 * The reference answer, computed here from the card's column names: the user row is the mean of the unit embeddings of
 * the user's recent items; a table item's vector is its table row, a newer item's the item tower's output on its unit
 * embedding and quality; hits are the servable non-seed items by cosine, best first.
 */
async function expectedHits(model: TwoTowerModel, items: readonly Item[], recent: readonly string[], exclude: ReadonlySet<string>, k: number) {
  const byId = new Map(items.map((i) => [i.id, i]));
  const history = new Array<number>(DIM).fill(0);
  for (const id of recent) unit(byId.get(id)!.embedding).forEach((x, f) => (history[f] += x / recent.length));
  const userRow = model.card.towers.user.input.columns.map((c) => history[Number(/^user_history_content_(\d+)$/.exec(c.feature)![1])]);
  const user = unit(await model.embedUsers(Float32Array.from(userRow), 1));
  const scored: { id: string; score: number }[] = [];
  for (const item of items) {
    if (item.unsafe || exclude.has(item.id)) continue;
    scored.push({ id: item.id, score: dot(user, unit(await itemVector(model, item))) });
  }
  return scored.sort((a, b) => b.score - a.score).slice(0, k);
}

/** The embedding the channel should index for `item`: its table row, or the item tower's output on its attributes. */
async function itemVector(model: TwoTowerModel, item: Item): Promise<Float32Array> {
  const row = model.items.rowOf.get(item.id);
  if (row !== undefined) return model.items.embeddings.slice(row * model.dim, (row + 1) * model.dim);
  const content = unit(item.embedding);
  const input = model.card.towers.item.input.columns.map((c) => (c.feature === 'item_quality' ? item.quality : content[Number(/^item_content_(\d+)$/.exec(c.feature)![1])]));
  return model.embedItems(Float32Array.from(input), 1);
}

describe('two-tower recall channel', () => {
  const store = new LocalModelStore(fixtureModelStoreDir());
  let model: TwoTowerModel;
  let vectors: VectorStore;
  let index: RecallIndex;
  let items: Item[];
  let twoTower: TwoTowerRecall;

  beforeAll(async () => {
    model = await loadTwoTowerModel(store, TINY_TWO_TOWER.name, TINY_TWO_TOWER.version);
    vectors = await openHnswVectorStore();
    index = new RecallIndex({ halfLifeMs: 24 * 60 * MINUTE, clock: () => NOW });
    items = catalog();
    for (const item of items) index.applyItem(item, NOW - 60 * MINUTE);
    SAVED.forEach((id, n) => index.applyEvent(save('u', id, n)));
    twoTower = new TwoTowerRecall({ store, name: TINY_TWO_TOWER.name, vectors, index, logger: quiet(), pollMs: 60_000 });
    await twoTower.start();
  });

  afterAll(async () => {
    await twoTower.close();
    await vectors.close();
    await model.release();
  });

  it('indexes every servable catalog item: table embeddings, and the item tower for items newer than the model', async () => {
    expect(twoTower.version()).toBe(TINY_TWO_TOWER.version);
    const collection = twoTowerCollectionName(TINY_TWO_TOWER.version);
    expect(await vectors.count(collection)).toBe(items.length - 1);
    const [table, fresh, unsafe] = await vectors.get(collection, [TABLE_IDS[0], 'new-1', UNSAFE]);
    expect(unsafe).toBeUndefined();
    for (const [stored, id] of [
      [table, TABLE_IDS[0]],
      [fresh, 'new-1'],
    ] as const) {
      const expected = unit(await itemVector(model, items.find((i) => i.id === id)!));
      Array.from(stored!.vector).forEach((x, d) => expect(x).toBeCloseTo(expected[d], 5));
    }
  });

  it('recalls the nearest items to the user tower’s embedding, scored by cosine, without the recent items', async () => {
    const got = await twoTowerSource({ index, twoTower }).fetch(query('u', index), ctx());
    const expected = await expectedHits(model, items, SAVED, new Set(SAVED), 10);
    expect(got.map((c) => c.id)).toEqual(expected.map((e) => e.id));
    expect(got[0].recallScore).toBeGreaterThan(got[9].recallScore);
    got.forEach((c, r) => {
      expect(c.channels.map((h) => [h.channel, h.score])).toEqual([['two-tower', c.recallScore]]);
      expect(c.recallScore).toBeCloseTo(Math.max(0, Math.min(1, expected[r].score)), 5);
    });
  });

  it('leaves the session items out too, and answers nothing for a user without history or a zero quota', async () => {
    const source = twoTowerSource({ index, twoTower });
    const first = (await source.fetch(query('u', index), ctx()))[0].id;
    const withSession = await source.fetch(query('u', index, { sessionItemIds: [first] }), ctx());
    expect(withSession.map((c) => c.id)).not.toContain(first);
    expect(withSession).toHaveLength(10);
    expect(await source.fetch(query('stranger', index), ctx())).toEqual([]);
    const off = query('u', index);
    off.quotas['two-tower'] = 0;
    expect(await source.fetch(off, ctx())).toEqual([]);
  });

  it('follows the catalog: a new item is embedded and recallable, an item flagged unsafe leaves the collection', async () => {
    const collection = twoTowerCollectionName(TINY_TWO_TOWER.version);
    const source = twoTowerSource({ index, twoTower });
    const everything = () => query('u', index, { quotas: { ...query('u', index).quotas, 'two-tower': 1000 } });
    const twin: Item = { ...items[0], id: 'new-twin', quality: 0.8 };
    index.applyItem(twin, NOW);
    await twoTower.apply([twin]);
    const [stored] = await vectors.get(collection, ['new-twin']);
    const expected = unit(await itemVector(model, twin));
    Array.from(stored!.vector).forEach((x, d) => expect(x).toBeCloseTo(expected[d], 5));
    expect((await source.fetch(everything(), ctx())).map((c) => c.id)).toContain('new-twin');

    const hidden: Item = { ...twin, unsafe: true };
    index.applyItem(hidden, NOW);
    await twoTower.apply([hidden]);
    expect(await vectors.get(collection, ['new-twin'])).toEqual([undefined]);
    expect((await source.fetch(everything(), ctx())).map((c) => c.id)).not.toContain('new-twin');
  });
});

describe('two-tower model versions', () => {
  it('is off without a model in the store, then serves a published version and swaps in newer ones', async () => {
    const dir = freeDataDir('two-tower-store');
    const store = new LocalModelStore(dir);
    const vectors = await openHnswVectorStore();
    const index = new RecallIndex({ halfLifeMs: 24 * 60 * MINUTE, clock: () => NOW });
    for (const item of catalog()) index.applyItem(item, NOW - 60 * MINUTE);
    SAVED.forEach((id, n) => index.applyEvent(save('u', id, n)));
    const twoTower = new TwoTowerRecall({ store, name: TINY_TWO_TOWER.name, vectors, index, logger: quiet(), pollMs: 20 });
    const source = twoTowerSource({ index, twoTower });
    try {
      await twoTower.start();
      expect(twoTower.version()).toBeUndefined();
      expect(await source.fetch(query('u', index), ctx())).toEqual([]);

      await publishTinyTwoTower(store, { version: 'v1-a' });
      await waitFor(() => twoTower.version() === 'v1-a', { what: 'v1-a live' });
      const before: RecallCandidate[] = await source.fetch(query('u', index), ctx());
      expect(before).toHaveLength(10);

      // A request holding v1-a keeps its collection until it ends.
      const lease = twoTower.acquire()!;
      await publishTinyTwoTower(store, { version: 'v2-b' });
      await waitFor(() => twoTower.version() === 'v2-b', { what: 'v2-b live' });
      expect(await vectors.count(twoTowerCollectionName('v1-a'))).toBe(index.stats().items - 1);
      lease.release();
      const gone = (error: unknown) => error instanceof RecsysError && error.category === 'not-found';
      await waitFor(() => vectors.count(twoTowerCollectionName('v1-a')).then(() => false, gone), { what: 'v1-a dropped' });
      expect(await vectors.count(twoTowerCollectionName('v2-b'))).toBe(index.stats().items - 1);
      // Same weights under a new version: the same answer.
      expect((await source.fetch(query('u', index), ctx())).map((c) => c.id)).toEqual(before.map((c) => c.id));
    } finally {
      await twoTower.close();
      await vectors.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
