// End to end: the recall service over real gRPC, its state replayed from an embedded event bus on a temp dir.
import { rmSync } from 'node:fs';
import { status as GrpcStatus } from '@grpc/grpc-js';
import * as path from 'node:path';
import { Writable } from 'node:stream';
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
import { RecsysError } from '@recsys/domain';
import { createClient, type PromiseClient } from '@recsys/grpc';
import { createLogger, type Logger } from '@recsys/logger';
import type { CandidateSource } from '@recsys/pipeline';
import { TOPICS, openFileLogEventBus, type EventBus } from '@recsys/stores';
import { freeDataDir, waitFor } from '@recsys/testing';
import { startRecallApp, type RecallApp } from '../src/app';
import { loadConfig } from '../src/config';
import type { RecallCandidate, RecallQuery } from '../src/types';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const NOW = Date.now();
const T0 = NOW - HOUR;

function item(id: string, topics: string[], createdAtMs = NOW - 30 * DAY, unsafe = false): Item {
  return { id, creatorId: `creator-${id}`, topics, aspectRatio: 1, createdAtMs, quality: 0.5, embedding: [], unsafe };
}

const ITEMS: Item[] = [
  item('food-1', ['food']),
  item('food-2', ['food', 'travel']),
  item('food-3', ['food']),
  item('food-4', ['food']),
  item('mix-1', ['travel', 'food']),
  item('travel-1', ['travel']),
  item('travel-2', ['travel']),
  item('travel-3', ['travel', 'art']),
  item('art-1', ['art']),
  item('art-2', ['art']),
  item('art-3', ['art']),
  item('art-4', ['art']),
  item('tech-1', ['tech']),
  item('tech-2', ['tech']),
  item('fresh-food', ['food'], NOW - HOUR),
  item('fresh-tech', ['tech'], NOW - 2 * DAY),
  item('stale-art', ['art'], NOW - 5 * DAY),
  item('unsafe-1', ['food'], NOW - 30 * DAY, true),
];

const USERS: User[] = [
  { id: 'u-us', ageBucket: '25-34', gender: 'female', country: 'US', signupAtMs: NOW - 100 * DAY },
  { id: 'u-us2', ageBucket: '25-34', gender: 'male', country: 'US', signupAtMs: NOW - 100 * DAY },
  { id: 'u-fr', ageBucket: '18-24', gender: 'other', country: 'FR', signupAtMs: NOW - 100 * DAY },
];

let seq = 0;
function event(userId: string, itemId: string, type: EventType, timestampMs = T0, eventId = `e${++seq}`): DomainEvent {
  return { eventId, userId, itemId, type, timestampMs, dwellMs: 0, requestId: '', position: 0, surface: 'home_feed', boardId: '' };
}

function times<T>(n: number, make: () => T): T[] {
  return Array.from({ length: n }, make);
}

/**
 * Hand-computed popularity (all events at T0, so decay cancels in ratios):
 *   global:    food-1 6 − 1 (hide) = 5, travel-1 3 + 1 = 4, art-1 2, fresh-food 1, tech-1 10 × 0.02 = 0.2,
 *              unsafe-1 15 (never served), food-3 −1 (never listed).
 *   US|25-34:  travel-1 4, art-1 2, fresh-food 1 (food-1 −1, food-3 −1: not listed).
 *   FR|18-24:  food-1 6, unsafe-1 15, tech-1 0.2.
 * Recent positives: u-us [travel-1]; u-us2 [fresh-food, art-1, travel-1]. Hidden: u-us {food-1, food-3}.
 */
const FIRST = event('u-fr', 'food-1', 'click');
const EVENTS: DomainEvent[] = [
  FIRST,
  ...times(5, () => event('u-fr', 'food-1', 'click')),
  event('u-us', 'travel-1', 'save'),
  event('u-us2', 'travel-1', 'click'),
  ...times(2, () => event('u-us2', 'art-1', 'click')),
  ...times(5, () => event('u-fr', 'unsafe-1', 'share')),
  ...times(10, () => event('u-fr', 'tech-1', 'impression')),
  event('u-us2', 'fresh-food', 'click'),
  event('u-us', 'food-1', 'hide'),
  event('u-us', 'food-3', 'hide'),
  // At-least-once delivery: the same event id again must count once.
  { ...FIRST },
];

function catalogMessage(entity: CatalogEvent['entity'], key: string) {
  return { key, value: CatalogEvent.encode({ entity, timestampMs: String(NOW - 40 * DAY) }).finish() };
}

async function publishEvents(bus: EventBus, events: DomainEvent[]): Promise<void> {
  await bus.publish(
    TOPICS.engagement,
    events.map((e) => ({ key: e.userId, value: EngagementEvent.encode(eventToWire(e)).finish() })),
  );
}

function quietLogger(): Logger {
  return createLogger({ service: 'recall', level: 'error', stream: new Writable({ write: (_chunk, _enc, done) => done() }) });
}

function request(partial: Partial<RecallRequest>): RecallRequest {
  return { userId: 'u-us', surface: Surface.SURFACE_HOME_FEED, channelQuotas: {}, limit: 0, ...partial };
}

function ids(response: RecallResponse): string[] {
  return response.candidates.map((c) => c.itemId);
}

function channelIds(response: RecallResponse, channel: string): string[] {
  return response.candidates.filter((c) => c.channels.some((h) => h.channel === channel)).map((c) => c.itemId);
}

/** Items found by `channel`, in that channel's own order (its score, descending). */
function channelRanking(response: RecallResponse, channel: string): string[] {
  return response.candidates
    .flatMap((c) => c.channels.filter((h) => h.channel === channel).map((h) => ({ id: c.itemId, score: h.score })))
    .sort((a, b) => b.score - a.score)
    .map((h) => h.id);
}

function hit(response: RecallResponse, itemId: string, channel: string): number | undefined {
  return response.candidates.find((c) => c.itemId === itemId)?.channels.find((h) => h.channel === channel)?.score;
}

describe('recall service (e2e)', () => {
  let dir: string;
  let bus: EventBus;
  let app: RecallApp;
  let client: PromiseClient<RecallServiceClient>;

  const startApp = (sources?: CandidateSource<RecallQuery, RecallCandidate>[]) =>
    startRecallApp(loadConfig({ GRPC_PORT: '0', RECSYS_DATA_DIR: dir }), quietLogger(), { extraSources: sources });
  const connect = (a: RecallApp) => createClient(RecallServiceClient, `127.0.0.1:${a.server.port}`, { timeoutMs: 5000 });

  beforeAll(async () => {
    dir = freeDataDir('recall-e2e');
    bus = await openFileLogEventBus(path.join(dir, 'bus'), { pollMs: 10 });
    await bus.publish(TOPICS.catalog, [
      ...USERS.map((u) => catalogMessage({ $case: 'user', user: userToWire(u) }, u.id)),
      ...ITEMS.map((i) => catalogMessage({ $case: 'item', item: itemToWire(i) }, i.id)),
    ]);
    await publishEvents(bus, EVENTS);
    app = await startApp();
    client = connect(app);
  });

  afterAll(async () => {
    client?.close();
    await app?.server.shutdown(1000);
    await app?.close();
    await bus?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves the replayed log at once, listing every channel that found an item', async () => {
    const response = await client.recall(request({ userId: 'u-us' }));

    // travel-1: popular 4/5, segment-popular 1, topic-affinity 1 → 1 + 0.1 × 2. food-1 is hidden by u-us.
    expect(response.candidates.find((c) => c.itemId === 'travel-1')).toEqual({
      itemId: 'travel-1',
      channels: [
        { channel: 'popular', score: expect.closeTo(0.8, 10) },
        { channel: 'segment-popular', score: 1 },
        { channel: 'topic-affinity', score: 1 },
      ],
      scores: { recall: expect.closeTo(1.2, 10), preRank: 0, rank: 0, rerank: 0, tasks: {} },
      explanation: 'recalled by popular, segment-popular, topic-affinity',
    });
    expect(hit(response, 'art-1', 'popular')).toBeCloseTo(0.4, 10);
    expect(hit(response, 'art-1', 'segment-popular')).toBeCloseTo(0.5, 10);
    expect(hit(response, 'fresh-food', 'fresh')).toBe(1);
    expect(hit(response, 'fresh-tech', 'fresh')).toBeCloseTo(0.99, 10);
    // Ordered by recall score: 1.2, 1.2 (ties keep channel order), 0.99, 0.6, 0.04.
    expect(ids(response)).toEqual(['travel-1', 'fresh-food', 'fresh-tech', 'art-1', 'tech-1']);
    expect(response.candidates.map((c) => c.scores?.recall)).toEqual([
      expect.closeTo(1.2, 10),
      expect.closeTo(1.2, 10),
      expect.closeTo(0.99, 10),
      expect.closeTo(0.6, 10),
      expect.closeTo(0.04, 10),
    ]);
    expect(response.degraded).toEqual([]);
  });

  it('answers RecallColumns with the candidates, scores and channel hits of Recall, as columns', async () => {
    const cases: Partial<RecallRequest>[] = [
      { userId: 'u-us' },
      { userId: 'u-fr' },
      { userId: 'someone-new' },
      { userId: 'u-us', limit: 2, channelQuotas: { fresh: 0 } },
      { userId: 'u-fr', surface: Surface.SURFACE_RELATED_PINS, context: ctx({ contextItemId: 'food-2' }) },
      { userId: 'nobody', channelQuotas: { popular: 0, 'segment-popular': 0, 'topic-affinity': 0, fresh: 0 } },
    ];
    for (const partial of cases) {
      const byItem = await client.recall(request(partial));
      const res = await client.recallColumns(request(partial));
      const rows = res.itemIds.length;
      expect(res.itemIds).toEqual(ids(byItem));
      // Popularity decays with the wall clock between the two calls: equal to 9 decimals.
      expect(Array.from(readFloat64Column(res.recallScores, rows, 'recall_scores'))).toEqual(byItem.candidates.map((c) => expect.closeTo(c.scores?.recall ?? NaN, 9)));
      const ends = readUint32Column(res.hitEnds, rows, 'hit_ends');
      const hits = rows === 0 ? 0 : ends[rows - 1];
      const channels = readUint8Column(res.hitChannels, hits, 'hit_channels');
      const scores = readFloat64Column(res.hitScores, hits, 'hit_scores');
      byItem.candidates.forEach((c, r) => {
        const from = r === 0 ? 0 : ends[r - 1];
        const hitsOfRow = Array.from({ length: ends[r] - from }, (_, k) => ({ channel: res.channelNames[channels[from + k]], score: scores[from + k] }));
        expect(hitsOfRow).toEqual(c.channels.map((h) => ({ channel: h.channel, score: expect.closeTo(h.score, 9) })));
      });
      expect(res.degraded).toEqual(byItem.degraded);
    }
    const empty = await client.recallColumns(request(cases[cases.length - 1]));
    expect([empty.itemIds, empty.recallScores.length, empty.hitEnds.length, empty.hitScores.length]).toEqual([[], 0, 0, 0]);
  });

  it('uses the user segment: a French user sees food-1 from both popularity channels', async () => {
    const response = await client.recall(request({ userId: 'u-fr' }));
    // u-fr's recent positives (food-1, unsafe-1) make food the affinity topic as well.
    expect(response.candidates.find((c) => c.itemId === 'food-1')?.channels).toEqual([
      { channel: 'popular', score: 1 },
      { channel: 'segment-popular', score: 1 },
      { channel: 'topic-affinity', score: 1 },
    ]);
    expect(channelRanking(response, 'segment-popular')).toEqual(['food-1', 'tech-1']);
  });

  it('never recalls unsafe items or items with net negative popularity', async () => {
    for (const userId of ['u-us', 'u-us2', 'u-fr', 'nobody']) {
      const got = ids(await client.recall(request({ userId })));
      expect(got).not.toContain('unsafe-1');
      expect(got).not.toContain('food-3');
    }
  });

  it('filters items the user hid, for that user only', async () => {
    expect(ids(await client.recall(request({ userId: 'u-us' })))).not.toContain('food-1');
    expect(ids(await client.recall(request({ userId: 'u-us2' })))).toContain('food-1');
  });

  it('honours channel quotas and the limit', async () => {
    const two = await client.recall(request({ userId: 'u-fr', channelQuotas: { popular: 2 } }));
    expect(channelRanking(two, 'popular')).toEqual(['food-1', 'travel-1']);
    const one = await client.recall(request({ userId: 'u-us', channelQuotas: { 'segment-popular': 1, fresh: 1 } }));
    expect(channelRanking(one, 'segment-popular')).toEqual(['travel-1']);
    expect(channelRanking(one, 'fresh')).toEqual(['fresh-food']);

    const limited = await client.recall(request({ userId: 'u-us', limit: 2 }));
    expect(ids(limited)).toEqual(['travel-1', 'fresh-food']);
  });

  it('disables a channel with quota 0', async () => {
    const response = await client.recall(
      request({ userId: 'u-us', channelQuotas: { popular: 0, 'segment-popular': 0, 'topic-affinity': 0 } }),
    );
    expect(response.candidates.map((c) => [c.itemId, c.channels.map((h) => h.channel)])).toEqual([
      ['fresh-food', ['fresh']],
      ['fresh-tech', ['fresh']],
    ]);
    const none = await client.recall(request({ userId: 'u-us', channelQuotas: { popular: 0, 'segment-popular': 0, 'topic-affinity': 0, fresh: 0 } }));
    expect(none.candidates).toEqual([]);
  });

  it('answers an unknown user from popularity (segment all = global) and fresh items', async () => {
    const response = await client.recall(request({ userId: 'nobody' }));
    expect(response.candidates.find((c) => c.itemId === 'food-1')?.channels).toEqual([
      { channel: 'popular', score: 1 },
      { channel: 'segment-popular', score: 1 },
    ]);
    expect(channelRanking(response, 'segment-popular')).toEqual(channelRanking(response, 'popular'));
    expect(channelIds(response, 'topic-affinity')).toEqual([]);
    expect(channelRanking(response, 'fresh')).toEqual(['fresh-food', 'fresh-tech']);
    expect(response.degraded).toEqual([]);
  });

  it('uses the session items of the request for topic affinity', async () => {
    const response = await client.recall(request({ userId: 'nobody', context: ctx({ recentItemIds: ['art-2'] }) }));
    expect(channelIds(response, 'topic-affinity')).toEqual(['art-1']);
  });

  it('recalls related pins by shared topics and popularity, and requires the context item', async () => {
    const response = await client.recall(
      request({ userId: 'u-fr', surface: Surface.SURFACE_RELATED_PINS, context: ctx({ contextItemId: 'food-2' }) }),
    );
    // (shared / 2) × popularity: food-1 2.5, travel-1 2, fresh-food 0.5; then zero-popularity items by overlap
    // (mix-1 shares both topics), newest, id. food-2 itself and unsafe-1 are excluded.
    expect(channelRanking(response, 'related')).toEqual(['food-1', 'travel-1', 'fresh-food', 'mix-1', 'food-3', 'food-4', 'travel-2', 'travel-3']);
    expect(hit(response, 'food-1', 'related')).toBe(1);
    expect(hit(response, 'travel-1', 'related')).toBeCloseTo(1 - 1 / 400, 10);

    const home = await client.recall(request({ userId: 'u-fr', context: ctx({ contextItemId: 'food-2' }) }));
    expect(channelIds(home, 'related')).toEqual([]);

    await expect(client.recall(request({ surface: Surface.SURFACE_RELATED_PINS }))).rejects.toMatchObject({
      category: 'bad-request',
      message: expect.stringContaining('context.context_item_id'),
    });
  });

  it('follows a user’s clicks: topic affinity turns to the clicked topic', async () => {
    const probe = () => client.recall(request({ userId: 'u-new', channelQuotas: { 'topic-affinity': 8 } }));
    expect(channelIds(await probe(), 'topic-affinity')).toEqual([]);

    const t1 = Date.now();
    await publishEvents(bus, [
      event('u-new', 'travel-2', 'click', t1),
      event('u-new', 'art-2', 'click', t1),
      event('u-new', 'art-3', 'save', t1),
      event('u-new', 'art-4', 'click', t1),
    ]);
    // Topic weights art 3, travel 1 → shares 6 and 2 of 8; art has 4 popular items, so its unused 2 pass to travel.
    const response = await waitFor(
      async () => {
        const r = await probe();
        return channelIds(r, 'topic-affinity').length === 6 && r;
      },
      { what: 'topic-affinity to follow the new clicks' },
    );
    const affinity = channelRanking(response, 'topic-affinity');
    // Shares: art 6 (only 4 art items have engagement), travel 2 + the 2 art left unused.
    expect(new Set(affinity)).toEqual(new Set(['art-1', 'art-2', 'art-3', 'art-4', 'travel-1', 'travel-2']));
    expect(affinity.filter((id) => id.startsWith('art-')).length).toBe(4);
    // Score: (topic weight / heaviest) × (popularity / topic best). art-3 (a save, weight 3) leads art;
    // art-1's two clicks at T0 have decayed for (t1 − T0) with a 24 h half-life.
    expect(affinity.slice(0, 2)).toEqual(['art-3', 'art-1']);
    expect(hit(response, 'art-3', 'topic-affinity')).toBe(1);
    expect(hit(response, 'art-1', 'topic-affinity')).toBeCloseTo((2 / 3) * Math.pow(2, -(t1 - T0) / DAY), 9);
    expect(hit(response, 'travel-1', 'topic-affinity')).toBeCloseTo(1 / 3, 9);
  });

  it('degrades a failing or slow channel instead of failing the call', async () => {
    const broken: CandidateSource<RecallQuery, RecallCandidate> = {
      id: 'recall/broken',
      fetch: async () => {
        throw new Error('channel exploded');
      },
    };
    const slow: CandidateSource<RecallQuery, RecallCandidate> = {
      id: 'recall/slow',
      timeoutMs: 30,
      fetch: (_query, ctx) =>
        new Promise((resolve, reject) => {
          const timer = setTimeout(() => resolve([{ id: 'art-4', channels: [{ channel: 'slow', score: 1 }], recallScore: 1 }]), 2000);
          ctx.signal.addEventListener('abort', () => {
            clearTimeout(timer);
            reject(ctx.signal.reason);
          });
        }),
    };
    const degradedApp = await startApp([broken, slow]);
    const degradedClient = connect(degradedApp);
    try {
      const response = await degradedClient.recall(request({ userId: 'u-us' }));
      const expected = [
        { stage: 'recall.broken', reason: 'channel exploded', fallback: 'other channels' },
        { stage: 'recall.slow', reason: 'timeout', fallback: 'other channels' },
      ];
      expect(response.degraded).toEqual(expected);
      // RecallColumns reports the same degradations with the same rows.
      const columns = await degradedClient.recallColumns(request({ userId: 'u-us' }));
      expect(columns.degraded).toEqual(expected);
      expect(columns.itemIds).toEqual(ids(response));
      expect(ids(response).slice(0, 2)).toEqual(['travel-1', 'fresh-food']);
      expect(response.candidates.find((c) => c.itemId === 'travel-1')?.channels.map((h) => h.channel)).toEqual([
        'popular',
        'segment-popular',
        'topic-affinity',
      ]);
    } finally {
      degradedClient.close();
      await degradedApp.server.shutdown(1000);
      await degradedApp.close();
    }
  });

  it.each<[string, Partial<RecallRequest>]>([
    ['user_id', { userId: '' }],
    ['user_id', { userId: 'u'.repeat(129) }],
    ['surface', { surface: Surface.SURFACE_UNSPECIFIED }],
    ['channel_quotas[bogus]', { channelQuotas: { bogus: 1 } }],
    ['channel_quotas[popular]', { channelQuotas: { popular: 5001 } }],
    ['limit', { limit: 5001 }],
    ['context.recent_item_ids', { context: ctx({ recentItemIds: times(201, () => 'x') }) }],
    ['context.recent_item_ids[1]', { context: ctx({ recentItemIds: ['a', ''] }) }],
    ['context.context_item_id', { surface: Surface.SURFACE_RELATED_PINS, context: ctx({ contextItemId: 'c'.repeat(129) }) }],
  ])('rejects bad input naming %s, on both RPCs', async (field, partial) => {
    for (const call of [client.recall(request(partial)), client.recallColumns(request(partial))]) {
      const error = await call.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(RecsysError);
      expect(error).toMatchObject({ category: 'bad-request', field, message: expect.stringContaining(`${field}:`) });
      expect((error as RecsysError).cause).toMatchObject({ code: GrpcStatus.INVALID_ARGUMENT });
    }
  });
});

function ctx(partial: { recentItemIds?: string[]; contextItemId?: string }) {
  return { country: '', device: '', locale: '', recentItemIds: [], contextItemId: '', ...partial };
}
