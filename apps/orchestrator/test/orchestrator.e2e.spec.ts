/**
 * The orchestrator over real gRPC against downstream servers on 127.0.0.1:0 whose behaviour each test controls
 * (healthy, slow past the deadline, failing), to pin down the degradation contract of every stage. The real
 * downstream services are exercised together in tools/cli/test/system.e2e.spec.ts.
 */
import { join } from 'node:path';
import {
  EngagementEvent,
  EngagementType,
  FeatureServiceService,
  OrchestratorServiceClient,
  RankingServiceService,
  RecallServiceService,
  RerankingServiceService,
  ServedEvent,
  Surface,
  type Candidate,
  type RecommendRequest,
} from '@recsys/contracts';
import { RecsysError } from '@recsys/domain';
import { createClient, startGrpcServer, type GrpcServer, type PromiseClient } from '@recsys/grpc';
import { createLogger } from '@recsys/logger';
import { TOPICS, openFileLogEventBus, type DeliveredMessage } from '@recsys/stores';
import { freeDataDir, waitFor } from '@recsys/testing';
import { startOrchestratorApp, type OrchestratorApp } from '../src/app';
import { loadConfig } from '../src/config';

/** 'misaligned' (feature service only): answers one item fewer than asked, breaking the batch contract. */
type Mode = 'ok' | 'slow' | 'fail' | 'misaligned';
const modes: Record<'recall' | 'feature' | 'ranking' | 'reranking', Mode> = { recall: 'ok', feature: 'ok', ranking: 'ok', reranking: 'ok' };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function behave(name: keyof typeof modes): Promise<void> {
  if (modes[name] === 'slow') await sleep(400);
  if (modes[name] === 'fail') throw new RecsysError('unavailable', `${name} is down (test)`);
}

// A catalog of 60 pins: pin_i has topic t(i % 4), creator c(i % 6), recall score falling with i; pin_3 is unsafe.
const PINS = Array.from({ length: 60 }, (_, i) => `pin_${i}`);
const topicOf = (id: string) => `t${Number(id.slice(4)) % 4}`;
const candidate = (id: string, scores: Partial<NonNullable<Candidate['scores']>> = {}): Candidate => ({
  itemId: id,
  channels: [{ channel: 'popular', score: 1 - Number(id.slice(4)) / 100 }],
  scores: { recall: 1 - Number(id.slice(4)) / 100, preRank: 0, rank: 0, rerank: 0, tasks: {}, ...scores },
  explanation: '',
});

/** What the ranking service was sent: the request's feature names and each candidate's values. */
interface ScoringSeen {
  rpc: 'preRank' | 'rank';
  featureNames: string[];
  featureValues: number[][];
}
type ScoringRequest = { candidates: { candidate: Candidate; featureValues: number[] }[]; featureNames: string[] };

describe('orchestrator (real gRPC, controlled downstreams)', () => {
  const logger = createLogger({ service: 'orchestrator-test', level: 'error' });
  const dataDir = freeDataDir('recsys-orch-');
  const servers: GrpcServer[] = [];
  let app: OrchestratorApp;
  let client: PromiseClient<OrchestratorServiceClient>;
  const scoringSeen: ScoringSeen[] = [];
  const see = (rpc: ScoringSeen['rpc'], req: ScoringRequest) =>
    scoringSeen.push({ rpc, featureNames: req.featureNames, featureValues: req.candidates.map((c) => c.featureValues) });

  beforeAll(async () => {
    const start = (definition: Parameters<typeof startGrpcServer>[0]['services'][0]) =>
      startGrpcServer({ name: 'downstream', host: '127.0.0.1', port: 0, services: [definition], logger }).then((s) => {
        servers.push(s);
        return s.address;
      });
    const recall = await start({
      definition: RecallServiceService,
      handlers: {
        recall: async () => {
          await behave('recall');
          return { candidates: PINS.map((id) => candidate(id)), degraded: [{ stage: 'recall.fresh', reason: 'timeout', fallback: 'other channels' }] };
        },
      },
    });
    const feature = await start({
      definition: FeatureServiceService,
      handlers: {
        getUserFeatures: async (req: { userId: string }) => {
          await behave('feature');
          return { userId: req.userId, known: true, features: { values: {}, defaulted: [] }, recentItemIds: ['pin_1'], topicAffinity: { t0: 1 } };
        },
        getItemFeatures: async (req: { itemIds: string[] }) => {
          await behave('feature');
          const ids = modes.feature === 'misaligned' ? req.itemIds.slice(1) : req.itemIds;
          return {
            // Columns: item_quality is a declared default (index 1) for every pin.
            featureNames: ['item_ctr', 'item_quality'],
            items: ids.map((id) => ({
              itemId: id,
              known: true,
              attributes: { itemId: id, creatorId: `c${Number(id.slice(4)) % 6}`, topics: [topicOf(id)], aspectRatio: 0.75, createdAtMs: '0', quality: 0.5, embedding: [], unsafe: id === 'pin_3' },
              values: [Number(id.slice(4)) / 1000, 0.5],
              defaulted: [1],
            })),
          };
        },
      },
    });
    const ranking = await start({
      definition: RankingServiceService,
      handlers: {
        // Pre-rank prefers even pins; rank prefers higher numbers: both orders differ from recall's.
        preRank: async (req: ScoringRequest & { limit: number }) => {
          see('preRank', req);
          await behave('ranking');
          const scored = req.candidates.map(({ candidate: c }) => ({ ...c, scores: { ...c.scores!, preRank: Number(c.itemId.slice(4)) % 2 === 0 ? 1 : 0.5 } }));
          return { candidates: scored.sort((a, b) => b.scores.preRank - a.scores.preRank).slice(0, req.limit), modelVersion: 'test' };
        },
        rank: async (req: ScoringRequest) => {
          see('rank', req);
          await behave('ranking');
          const scored = req.candidates.map(({ candidate: c }) => ({ ...c, scores: { ...c.scores!, rank: Number(c.itemId.slice(4)) / 100, tasks: { click: 0.2 } } }));
          return { candidates: scored.sort((a, b) => b.scores.rank - a.scores.rank), modelVersion: 'test' };
        },
      },
    });
    const reranking = await start({
      definition: RerankingServiceService,
      handlers: {
        rerank: async (req: { candidates: { candidate: Candidate; unsafe: boolean }[]; pageSize: number; seenItemIds: string[] }) => {
          await behave('reranking');
          const seen = new Set(req.seenItemIds);
          const kept = req.candidates.filter((c) => !c.unsafe && !seen.has(c.candidate.itemId)).slice(0, req.pageSize);
          return { items: kept.map((c, i) => ({ candidate: c.candidate, column: i % 2 })), removed: [] };
        },
      },
    });
    const config = loadConfig({
      GRPC_PORT: '0',
      RECALL_ADDR: recall,
      FEATURE_ADDR: feature,
      RANKING_ADDR: ranking,
      RERANKING_ADDR: reranking,
      RECALL_TIMEOUT_MS: '150',
      FEATURE_TIMEOUT_MS: '150',
      RANKING_TIMEOUT_MS: '150',
      RERANKING_TIMEOUT_MS: '150',
      RECOMMEND_TIMEOUT_MS: '2000',
      PRERANK_LIMIT: '40',
      RECSYS_DATA_DIR: dataDir,
      LOG_LEVEL: 'error',
    });
    app = await startOrchestratorApp(config, logger);
    client = createClient(OrchestratorServiceClient, `127.0.0.1:${app.server.port}`, { timeoutMs: 5000 });
  });

  afterAll(async () => {
    client?.close();
    await app?.server.shutdown(1000);
    await app?.close();
    await Promise.all(servers.map((s) => s.shutdown(1000)));
  });

  afterEach(() => {
    modes.recall = modes.feature = modes.ranking = modes.reranking = 'ok';
    scoringSeen.length = 0;
  });

  const request = (over: Partial<RecommendRequest> = {}): RecommendRequest => ({
    userId: 'user_1',
    surface: Surface.SURFACE_HOME_FEED,
    context: { country: 'US', device: 'test', locale: '', recentItemIds: ['pin_58'], contextItemId: '' },
    pageSize: 10,
    experimentOverrides: {},
    debug: false,
    ...over,
  });

  it('runs every stage: ranked by the rank score, re-ranked, recall degradations passed on', async () => {
    const res = await client.recommend(request());
    // Pre-rank keeps the 30 even pins and pin_1..pin_19; rank orders by number; re-rank drops seen pin_58.
    expect(res.items.map((i) => i.itemId)).toEqual(['pin_56', 'pin_54', 'pin_52', 'pin_50', 'pin_48', 'pin_46', 'pin_44', 'pin_42', 'pin_40', 'pin_38']);
    expect(res.degraded).toEqual([{ stage: 'recall.fresh', reason: 'timeout', fallback: 'other channels' }]);
    expect(res.items[0].scores).toMatchObject({ recall: expect.any(Number), preRank: 1, rank: 0.56, tasks: { click: 0.2 } });
    expect(res.items.map((i) => i.column)).toEqual([0, 1, 0, 1, 0, 1, 0, 1, 0, 1]);
    expect(res.items[0].explanation).toContain('Popular right now');
    expect(res.experimentArms.fusion).toMatch(/^(control|save-heavy)$/);
  });

  it('sends the ranking service the feature names once and each candidate its values in that order', async () => {
    await client.recommend(request());
    expect(scoringSeen.map((s) => [s.rpc, s.featureValues.length])).toEqual([
      ['preRank', 60],
      ['rank', 40],
    ]);
    for (const seen of scoringSeen) {
      expect(seen.featureNames).toEqual(['item_ctr', 'item_quality']);
      // pin_i has item_ctr i / 1000: the values travel with their own candidate.
      for (const values of seen.featureValues) expect(values).toHaveLength(2);
    }
    const [pre] = scoringSeen;
    expect(pre.featureValues[0]).toEqual([0, 0.5]);
    expect(pre.featureValues[59]).toEqual([0.059, 0.5]);
  });

  it('drops every item feature, marked degraded, when the feature service answers a batch out of line', async () => {
    modes.feature = 'misaligned';
    const res = await client.recommend(request());
    expect(res.items).toHaveLength(10);
    expect(res.degraded).toContainEqual(expect.objectContaining({ stage: 'feature', fallback: 'default item features' }));
    expect(scoringSeen[0]).toEqual({ rpc: 'preRank', featureNames: [], featureValues: Array.from({ length: 60 }, () => []) });
  });

  it('falls back to the pre-rank score when ranking runs out of time', async () => {
    modes.ranking = 'slow';
    const res = await client.recommend(request());
    expect(res.items).toHaveLength(10);
    expect(res.degraded.map((d) => d.stage)).toEqual(['recall.fresh', 'ranking', 'ranking']);
    expect(res.degraded[1]).toMatchObject({ fallback: 'recall score' });
    // Without pre-rank scores the budget keeps the best 40 by recall score: pin_0..pin_39, seen pin_58 is outside.
    expect(res.items[0].itemId).toBe('pin_0');
  });

  it('applies seen and unsafe rules itself when re-ranking fails', async () => {
    modes.reranking = 'fail';
    const res = await client.recommend(request({ context: { country: '', device: '', locale: '', recentItemIds: ['pin_56'], contextItemId: '' } }));
    const ids = res.items.map((i) => i.itemId);
    expect(res.degraded.map((d) => d.stage)).toContain('reranking');
    expect(ids).toHaveLength(10);
    expect(ids).not.toContain('pin_56'); // seen in this session
    expect(ids).not.toContain('pin_1'); // the user's recent interaction
    expect(ids).not.toContain('pin_3'); // unsafe
    expect(ids[0]).toBe('pin_58');
  });

  it('uses default features when the feature service fails', async () => {
    modes.feature = 'fail';
    const res = await client.recommend(request());
    expect(res.items).toHaveLength(10);
    expect(res.degraded.filter((d) => d.stage === 'feature')).toHaveLength(2);
  });

  it('answers with an empty page, marked degraded, when recall is down', async () => {
    modes.recall = 'fail';
    const res = await client.recommend(request());
    expect(res.items).toEqual([]);
    expect(res.degraded.map((d) => d.stage)).toContain('recall');
  });

  it('records every candidate path in debug mode', async () => {
    const res = await client.recommend(request({ debug: true }));
    const byId = new Map(res.trace.map((t) => [t.itemId, t.outcome]));
    expect(res.trace).toHaveLength(60);
    expect(byId.get(res.items[0].itemId)).toBe('selected');
    expect(byId.get('pin_21')).toBe('phase:pre-rank/selectors/ranking/pre-rank');
    expect(byId.get('pin_1')).toBe('selectors/reranking');
    expect(byId.get('pin_3')).toBe('selectors/reranking');
  });

  it('rejects a bad experiment override naming the field', async () => {
    await expect(client.recommend(request({ experimentOverrides: { fusion: 'nope' } }))).rejects.toMatchObject({
      category: 'bad-request',
      message: expect.stringContaining('experiment_overrides[fusion]'),
    });
  });

  it('appends logged events to the bus and the served page to the served log', async () => {
    const bus = await openFileLogEventBus(join(dataDir, 'bus'));
    const engagement: DeliveredMessage[] = [];
    const served: DeliveredMessage[] = [];
    const subs = await Promise.all([
      bus.subscribe({ topic: TOPICS.engagement, groupId: 'test-e', from: 'earliest', ephemeral: true, handler: async (b) => void engagement.push(...b) }),
      bus.subscribe({ topic: TOPICS.served, groupId: 'test-s', from: 'earliest', ephemeral: true, handler: async (b) => void served.push(...b) }),
    ]);
    const event = {
      eventId: 'ev-1', userId: 'user_9', itemId: 'pin_4', type: EngagementType.ENGAGEMENT_TYPE_SAVE, timestampMs: String(Date.now()),
      dwellMs: 0, requestId: '', position: 2, surface: 'home_feed', boardId: 'b1',
    };
    await expect(client.logEvents({ events: [event] })).resolves.toEqual({ accepted: 1 });
    const page = await client.recommend(request({ userId: 'user_9' }));
    await waitFor(() => engagement.length >= 1 && served.some((m) => ServedEvent.decode(m.value).requestId === page.requestId), { what: 'bus messages' });
    expect(engagement[0].key).toBe('user_9');
    expect(EngagementEvent.decode(engagement[0].value)).toEqual(event);
    const log = served.map((m) => ServedEvent.decode(m.value)).find((e) => e.requestId === page.requestId)!;
    expect(log.items.map((i) => i.itemId)).toEqual(page.items.map((i) => i.itemId));
    // The served log keys the features of each served pin by name again, defaults named.
    const first = log.items[0];
    expect(first.features).toEqual({ values: { item_ctr: Number(first.itemId.slice(4)) / 1000, item_quality: 0.5 }, defaulted: ['item_quality'] });
    await Promise.all(subs.map((s) => s.stop()));
    await bus.close();
  });
});
