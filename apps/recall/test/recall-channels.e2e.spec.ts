// End to end: the model-based and live channels (itemcf, usercf, graph, als, content, realtime, two-tower) over real
// gRPC, with artifacts built by the real build functions into a temp model store, the tiny two-tower fixture and the
// embedded HNSW vector store.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Writable } from 'node:stream';
import {
  InteractionMatrixBuilder,
  RECALL_MODELS,
  RECALL_MODEL_KINDS,
  buildRecallArtifacts,
  encodeRecallArtifact,
  recalculateUser,
  type AlsArtifact,
  type RecallArtifacts,
} from '@recsys/algorithms';
import {
  CatalogEvent,
  EngagementEvent,
  RecallServiceClient,
  Surface,
  eventToWire,
  itemToWire,
  readFloat64Column,
  readUint32Column,
  readUint8Column,
  userToWire,
  type RecallRequest,
  type RecallResponse,
} from '@recsys/contracts';
import type { EngagementEvent as DomainEvent, EventType, Item, User } from '@recsys/domain';
import { createClient, type PromiseClient } from '@recsys/grpc';
import { createLogger } from '@recsys/logger';
import { LocalModelStore, TOPICS, openFileLogEventBus, type EventBus } from '@recsys/stores';
import { TINY_TWO_TOWER, fixtureModelStoreDir, freeDataDir, waitFor } from '@recsys/testing';
import { startRecallApp, type RecallApp } from '../src/app';
import { loadConfig } from '../src/config';

const MINUTE = 60_000;
const NOW = Date.now();
const T0 = NOW - 120 * MINUTE;

function item(id: string, topics: string[], embedding: number[], unsafe = false): Item {
  return { id, creatorId: `creator-${id[0]}`, topics, aspectRatio: 1, createdAtMs: NOW - 40 * 24 * 60 * MINUTE, quality: 0.5, embedding, unsafe };
}

const ITEMS: Item[] = [
  item('a1', ['art'], [1, 0, 0, 0]),
  item('a2', ['art'], [0.9, 0.2, 0, 0]),
  item('a3', ['art'], [0.7, 0.5, 0, 0]),
  item('a4', ['art'], [0.5, 0.8, 0.1, 0]),
  item('b1', ['food'], [0, 1, 0, 0]),
  item('b2', ['food'], [0.1, 0.9, 0.2, 0]),
  item('b3', ['food'], [0, 0.8, 0.5, 0]),
  item('c1', ['tech'], [0, 0, 1, 0]),
  item('c2', ['tech'], [0, 0, 0.9, 0.3]),
  item('c3', ['tech'], [0, 0.1, 0.6, 0.7]),
  item('unsafe-a', ['art'], [0.99, 0.05, 0, 0], true),
];

const USERS: User[] = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'gina', 'hank'].map((id) => ({
  id,
  ageBucket: '25-34',
  gender: 'female',
  country: 'US',
  signupAtMs: NOW - 100 * 24 * 60 * MINUTE,
}));

let seq = 0;
function event(userId: string, itemId: string, type: EventType, timestampMs: number, boardId = ''): DomainEvent {
  return { eventId: `e${++seq}`, userId, itemId, type, timestampMs, dwellMs: 0, requestId: '', position: 0, surface: 'home_feed', boardId };
}

/** The saves the models are trained on (also on the bus, so the index's recent positives agree). */
const TRAINING: [string, string[]][] = [
  ['alice', ['a1', 'a2']],
  ['bob', ['a1', 'a2', 'a3']],
  ['carol', ['b1', 'b2']],
  ['dave', ['b1', 'b2', 'b3']],
  ['erin', ['a3', 'a4']],
];

const EVENTS: DomainEvent[] = [
  ...TRAINING.flatMap(([user, items]) => items.map((i) => event(user, i, 'save', T0))),
  // Not in any model: frank saved a1 a minute ago; gina saved c1 two hours ago.
  event('frank', 'a1', 'save', NOW - MINUTE),
  event('gina', 'c1', 'save', T0),
];

function matrixOf(rows: [string, string[]][]) {
  const b = new InteractionMatrixBuilder('sum');
  for (const [user, items] of rows) for (const i of items) b.add(user, i, 3, T0);
  return b.build();
}

const BUILD = { itemK: 10, userK: 10, factors: 4, iterations: 10 };

async function publish(dir: string, version: string, rows: [string, string[]][]): Promise<RecallArtifacts> {
  const artifacts = buildRecallArtifacts(matrixOf(rows), { version, createdAtMs: NOW, dataset: 'e2e' }, BUILD);
  const store = new LocalModelStore(dir);
  for (const kind of RECALL_MODEL_KINDS) await store.publish(RECALL_MODELS[kind], version, encodeRecallArtifact(artifacts[kind]));
  return artifacts;
}

async function seedBus(dataDir: string): Promise<EventBus> {
  const bus = await openFileLogEventBus(path.join(dataDir, 'bus'), { pollMs: 10 });
  const at = String(NOW - 50 * 24 * 60 * MINUTE);
  await bus.publish(TOPICS.catalog, [
    ...USERS.map((u) => ({ key: u.id, value: CatalogEvent.encode({ entity: { $case: 'user', user: userToWire(u) }, timestampMs: at }).finish() })),
    ...ITEMS.map((i) => ({ key: i.id, value: CatalogEvent.encode({ entity: { $case: 'item', item: itemToWire(i) }, timestampMs: at }).finish() })),
  ]);
  await publishEvents(bus, EVENTS);
  return bus;
}

async function publishEvents(bus: EventBus, events: DomainEvent[]): Promise<void> {
  await bus.publish(
    TOPICS.engagement,
    events.map((e) => ({ key: e.userId, value: EngagementEvent.encode(eventToWire(e)).finish() })),
  );
}

const quiet = () => createLogger({ service: 'recall', level: 'error', stream: new Writable({ write: (_c, _e, done) => done() }) });

function request(userId: string, partial: Partial<RecallRequest> = {}): RecallRequest {
  return { userId, surface: Surface.SURFACE_HOME_FEED, channelQuotas: {}, limit: 0, ...partial };
}

/** Items found by `channel` with that channel's score, best first. */
function channel(response: RecallResponse, name: string): { id: string; score: number }[] {
  return response.candidates
    .flatMap((c) => c.channels.filter((h) => h.channel === name).map((h) => ({ id: c.itemId, score: h.score })))
    .sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1));
}

const ids = (hits: { id: string }[]) => hits.map((h) => h.id);

/** The exact answer of the als channel for a user vector: positive dot products, seeds excluded, scaled to the best. */
function expectedAls(als: AlsArtifact, user: Float32Array, exclude: string[]): { id: string; score: number }[] {
  const k = als.model.factors;
  const dots = als.itemIds
    .map((id, j) => {
      let s = 0;
      for (let f = 0; f < k; f++) s += user[f] * als.model.itemFactors[j * k + f];
      return { id, score: s };
    })
    .filter((h) => !exclude.includes(h.id) && h.score > 0)
    .sort((a, b) => b.score - a.score);
  return dots.map((h) => ({ id: h.id, score: h.score / dots[0].score }));
}

function cosine(a: number[], b: number[]): number {
  const dot = a.reduce((s, v, i) => s + v * b[i], 0);
  return dot / Math.sqrt(a.reduce((s, v) => s + v * v, 0) * b.reduce((s, v) => s + v * v, 0));
}

describe('recall model and live channels (e2e)', () => {
  let dir: string;
  let modelDir: string;
  let bus: EventBus;
  let app: RecallApp;
  let client: PromiseClient<RecallServiceClient>;
  let v1: RecallArtifacts;

  const start = (dataDir: string, models: string) =>
    startRecallApp(
      loadConfig({
        GRPC_PORT: '0',
        RECSYS_DATA_DIR: dataDir,
        RECALL_MODEL_DIR: models,
        RECALL_MODEL_POLL_MS: '50',
        RECALL_CHANNEL_TIMEOUT_MS: '2000',
        MODEL_STORE_DIR: fixtureModelStoreDir(),
        RECALL_TWO_TOWER_MODEL: TINY_TWO_TOWER.name,
      }),
      quiet(),
    );

  beforeAll(async () => {
    dir = freeDataDir('recall-channels-e2e');
    modelDir = mkdtempSync(path.join(tmpdir(), 'recall-models-'));
    v1 = await publish(modelDir, 'v20260101000000-0000', TRAINING);
    bus = await seedBus(dir);
    app = await start(dir, modelDir);
    client = createClient(RecallServiceClient, `127.0.0.1:${app.server.port}`, { timeoutMs: 5000 });
  });

  afterAll(async () => {
    client?.close();
    await app?.server.shutdown(1000);
    await app?.close();
    await bus?.close();
    rmSync(dir, { recursive: true, force: true });
    rmSync(modelDir, { recursive: true, force: true });
  });

  it('loads every artifact at start', () => {
    expect(app.models.versions()).toEqual({ itemcf: 'v20260101000000-0000', usercf: 'v20260101000000-0000', als: 'v20260101000000-0000' });
  });

  it('itemcf: recalls the items co-saved with the user’s recent item', async () => {
    // a1 is saved by alice and bob; a2 by both (cosine 1), a3 by bob and erin (cosine 1/2); a4 shares no saver.
    const response = await client.recall(request('frank'));
    expect(channel(response, 'itemcf')).toEqual([
      { id: 'a2', score: 1 },
      { id: 'a3', score: 0.5 },
    ]);
    expect(response.degraded).toEqual([]);
    // Session items seed it too, for anyone: b1 was co-saved with b2 (cosine 1) and b3 (1/√2).
    const session = await client.recall(request('nobody', { context: ctx(['b1']) }));
    expect(ids(channel(session, 'itemcf'))).toEqual(['b2', 'b3']);
    expect(channel(session, 'itemcf')[1].score).toBeCloseTo(Math.SQRT1_2, 6);
  });

  it('realtime: only the last 30 minutes count', async () => {
    // frank's save of a1 is a minute old; alice's saves are two hours old.
    expect(channel(await client.recall(request('frank')), 'realtime')).toEqual([
      { id: 'a2', score: 1 },
      { id: 'a3', score: 0.5 },
    ]);
    expect(channel(await client.recall(request('alice')), 'realtime')).toEqual([]);
  });

  it('usercf: recalls what the nearest users have and the user has not; nothing for users outside the model', async () => {
    // alice's only neighbour is bob (cosine 2/√6); bob's a1, a2 are alice's own, a3 is left.
    expect(channel(await client.recall(request('alice')), 'usercf')).toEqual([{ id: 'a3', score: 1 }]);
    expect(channel(await client.recall(request('frank')), 'usercf')).toEqual([]);
  });

  it('als: nearest item factors through the embedded HNSW store, for known users and folded-in new ones', async () => {
    const als = v1.als;
    const k = als.model.factors;
    const row = als.userIds.indexOf('alice');
    const alice = expectedAls(als, als.model.userFactors.subarray(row * k, row * k + k), ['a1', 'a2']);
    const got = channel(await client.recall(request('alice')), 'als').filter((h) => h.score > 0);
    expect(alice.length).toBeGreaterThan(1);
    expect(ids(got)).toEqual(ids(alice));
    got.forEach((h, i) => expect(h.score).toBeCloseTo(alice[i].score, 5));

    // frank is not in the model: fold-in from his history (a1).
    const folded = recalculateUser(als.model, [als.itemIds.indexOf('a1')]);
    const frank = expectedAls(als, folded, ['a1']);
    const gotFrank = channel(await client.recall(request('frank')), 'als').filter((h) => h.score > 0);
    expect(frank.length).toBeGreaterThan(1);
    expect(ids(gotFrank)).toEqual(ids(frank));
    gotFrank.forEach((h, i) => expect(h.score).toBeCloseTo(frank[i].score, 4));

    // No model row and no history: nothing.
    expect(channel(await client.recall(request('nobody')), 'als')).toEqual([]);
  });

  it('content: items nearest to the mean embedding of the recent items, without them and without unsafe items', async () => {
    const response = await client.recall(request('frank'));
    const got = channel(response, 'content');
    const a1 = ITEMS[0].embedding;
    const expected = ITEMS.filter((i) => i.id !== 'a1' && !i.unsafe)
      .map((i) => ({ id: i.id, score: Math.max(0, cosine(a1, i.embedding)) }))
      .sort((x, y) => y.score - x.score);
    expect(ids(got.slice(0, 4))).toEqual(['a2', 'a3', 'a4', 'b2']);
    expect(ids(got.slice(0, 4))).toEqual(ids(expected.slice(0, 4)));
    got.slice(0, 4).forEach((h, i) => expect(h.score).toBeCloseTo(expected[i].score, 5));
    expect(ids(got)).not.toContain('unsafe-a');
    expect(ids(got)).not.toContain('a1');
    expect(response.candidates.map((c) => c.itemId)).not.toContain('unsafe-a');
  });

  it('two-tower: the catalog items nearest the user tower’s embedding, without the recent and unsafe items', async () => {
    expect(app.twoTower.version()).toBe(TINY_TWO_TOWER.version);
    // None of the catalog's items is in the fixture's table: the item tower embedded each from its attributes.
    const response = await client.recall(request('bob'));
    const got = channel(response, 'two-tower');
    expect(ids(got).sort()).toEqual(['a4', 'b1', 'b2', 'b3', 'c1', 'c2', 'c3']);
    for (const h of got) expect(h.score >= 0 && h.score <= 1).toBe(true);
    expect(response.degraded).toEqual([]);
    const limited = await client.recall(request('bob', { channelQuotas: { 'two-tower': 2 } }));
    expect(ids(channel(limited, 'two-tower'))).toEqual(ids(got.slice(0, 2)));
    // No recent item, no history vector: nothing.
    expect(channel(await client.recall(request('nobody')), 'two-tower')).toEqual([]);
  });

  it('graph: walks the save graph, and follows saves published after start', async () => {
    // From a1: a2 shares two boards with it (alice's, bob's), a3 one (bob's).
    expect(ids(channel(await client.recall(request('frank')), 'graph')).slice(0, 2)).toEqual(['a2', 'a3']);

    // gina alone saved c1: the walk from c1 finds nothing else.
    expect(channel(await client.recall(request('gina')), 'graph')).toEqual([]);
    await publishEvents(bus, [event('hank', 'c1', 'save', Date.now(), 'tech-board'), event('hank', 'c2', 'save', Date.now(), 'tech-board')]);
    const hits = await waitFor(
      async () => {
        const found = channel(await client.recall(request('gina')), 'graph');
        return found.length > 0 && found;
      },
      { what: 'the graph channel to see the new saves' },
    );
    expect(hits).toEqual([{ id: 'c2', score: 1 }]);
  });

  it('answers RecallColumns with the rows and channel hits of Recall, model channels included', async () => {
    for (const userId of ['frank', 'alice', 'nobody']) {
      const byItem = await client.recall(request(userId));
      const res = await client.recallColumns(request(userId));
      expect(res.itemIds).toEqual(byItem.candidates.map((c) => c.itemId));
      const rows = res.itemIds.length;
      const ends = readUint32Column(res.hitEnds, rows, 'hit_ends');
      const hits = rows === 0 ? 0 : ends[rows - 1];
      const channels = readUint8Column(res.hitChannels, hits, 'hit_channels');
      const scores = readFloat64Column(res.hitScores, hits, 'hit_scores');
      byItem.candidates.forEach((c, r) => {
        const from = r === 0 ? 0 : ends[r - 1];
        const got = Array.from({ length: ends[r] - from }, (_, k) => ({ channel: res.channelNames[channels[from + k]], score: scores[from + k] }));
        expect(got).toEqual(c.channels.map((h) => ({ channel: h.channel, score: expect.closeTo(h.score, 9) })));
      });
      expect(res.degraded).toEqual([]);
    }
  });

  it('honours the new channels’ quotas', async () => {
    const response = await client.recall(request('frank', { channelQuotas: { itemcf: 1, content: 2, als: 0, graph: 0 } }));
    expect(ids(channel(response, 'itemcf'))).toEqual(['a2']);
    expect(ids(channel(response, 'content'))).toEqual(['a2', 'a3']);
    expect(channel(response, 'als')).toEqual([]);
    expect(channel(response, 'graph')).toEqual([]);
  });

  it('picks up a newer artifact version without a restart', async () => {
    // Version 2: a1 is now co-saved with a4 only.
    const rows: [string, string[]][] = [
      ['alice', ['a1', 'a4']],
      ['bob', ['a1', 'a4']],
      ['carol', ['b1', 'b2']],
    ];
    const v2 = await publish(modelDir, 'v20260101000000-0001', rows);
    await waitFor(async () => Object.values(app.models.versions()).every((v) => v === 'v20260101000000-0001') || undefined, {
      what: 'every artifact to reload',
    });
    const response = await client.recall(request('frank'));
    expect(channel(response, 'itemcf')).toEqual([{ id: 'a4', score: 1 }]);
    // The als channel now answers from version 2's factors (and collection).
    const folded = recalculateUser(v2.als.model, [v2.als.itemIds.indexOf('a1')]);
    const expected = expectedAls(v2.als, folded, ['a1']);
    expect(expected.length).toBeGreaterThan(0);
    expect(ids(channel(response, 'als').filter((h) => h.score > 0))).toEqual(ids(expected));
    expect(response.degraded).toEqual([]);
  });

  it('answers the same after a restart over the persisted vector store', async () => {
    const before = await client.recall(request('frank'));
    client.close();
    await app.server.shutdown(1000);
    await app.close();
    app = await start(dir, modelDir);
    client = createClient(RecallServiceClient, `127.0.0.1:${app.server.port}`, { timeoutMs: 5000 });
    const after = await client.recall(request('frank'));
    for (const name of ['content', 'als', 'itemcf', 'graph', 'two-tower']) expect(channel(after, name)).toEqual(channel(before, name));
    expect(channel(after, 'two-tower').length).toBeGreaterThan(0);
    expect(channel(after, 'content').length).toBeGreaterThan(0);
  });
});

describe('recall without model artifacts (e2e)', () => {
  it('skips the model channels without reporting them degraded; the live channels still answer', async () => {
    const dir = freeDataDir('recall-no-models-e2e');
    const empty = mkdtempSync(path.join(tmpdir(), 'recall-no-models-'));
    const bus = await seedBus(dir);
    const app = await startRecallApp(
      loadConfig({ GRPC_PORT: '0', RECSYS_DATA_DIR: dir, RECALL_MODEL_DIR: empty, MODEL_STORE_DIR: empty, RECALL_CHANNEL_TIMEOUT_MS: '2000' }),
      quiet(),
    );
    const client = createClient(RecallServiceClient, `127.0.0.1:${app.server.port}`, { timeoutMs: 5000 });
    try {
      expect(app.models.versions()).toEqual({});
      expect(app.twoTower.version()).toBeUndefined();
      const response = await client.recall(request('frank'));
      expect(response.degraded).toEqual([]);
      for (const name of ['itemcf', 'usercf', 'als', 'realtime', 'two-tower']) expect(channel(response, name)).toEqual([]);
      expect(ids(channel(response, 'graph')).slice(0, 2)).toEqual(['a2', 'a3']);
      expect(ids(channel(response, 'content')).slice(0, 3)).toEqual(['a2', 'a3', 'a4']);
      expect(channel(response, 'popular').length).toBeGreaterThan(0);
    } finally {
      client.close();
      await app.server.shutdown(1000);
      await app.close();
      await bus.close();
      rmSync(dir, { recursive: true, force: true });
      rmSync(empty, { recursive: true, force: true });
    }
  });
});

function ctx(recentItemIds: string[]) {
  return { country: '', device: '', locale: '', recentItemIds, contextItemId: '' };
}
