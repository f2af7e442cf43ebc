/**
 * The orchestrator over real gRPC against downstream servers on 127.0.0.1:0 whose behaviour each test controls
 * (healthy, slow past the deadline, failing), to pin down the degradation contract of every stage. The real
 * downstream services are exercised together in tools/cli/test/system.e2e.spec.ts.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  EngagementEvent,
  EngagementType,
  FeatureServiceService,
  FusionKind,
  OrchestratorServiceClient,
  RankingServiceService,
  RecallServiceService,
  RerankingServiceService,
  ServedEvent,
  Surface,
  columnBytes,
  dictionaryToWire,
  float32MatrixToWire,
  hasBit,
  readFloat32Matrix,
  readUint8Column,
  setBit,
  newBitset,
  type GetFeatureColumnsRequest,
  type RankColumnsRequest,
  type RecallColumnsRequest,
  type RecommendRequest,
  type RerankColumnsRequest,
} from '@recsys/contracts';
import { RecsysError } from '@recsys/domain';
import { createClient, startGrpcServer, type GrpcServer, type PromiseClient } from '@recsys/grpc';
import { createLogger } from '@recsys/logger';
import { TOPICS, openFileLogEventBus, type DeliveredMessage } from '@recsys/stores';
import { freeDataDir, waitFor } from '@recsys/testing';
import { startOrchestratorApp, type OrchestratorApp } from '../src/app';
import { loadConfig } from '../src/config';

/** 'misaligned' (feature service only): answers one row fewer than asked, breaking the batch contract. */
type Mode = 'ok' | 'slow' | 'fail' | 'misaligned';
const modes: Record<'recall' | 'feature' | 'ranking' | 'reranking', Mode> = { recall: 'ok', feature: 'ok', ranking: 'ok', reranking: 'ok' };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function behave(name: keyof typeof modes): Promise<void> {
  if (modes[name] === 'slow') await sleep(1_200);
  if (modes[name] === 'fail') throw new RecsysError('unavailable', `${name} is down (test)`);
}

// A catalog of 60 pins: pin_i has topic t(i % 4), creator c(i % 6), recall score falling with i; pin_3 is unsafe.
const PINS = Array.from({ length: 60 }, (_, i) => `pin_${i}`);
const numberOf = (id: string) => Number(id.slice(4));
const topicOf = (id: string) => `t${numberOf(id) % 4}`;
const recallScore = (id: string) => 1 - numberOf(id) / 100;
/** The item features the fake feature service knows: pin_i has item_ctr i / 1000; item_quality is always a declared default. */
const FEATURES = ['item_ctr', 'item_quality'];

/** What the ranking service was sent: the request's feature names, each row's values and the pre-rank budget. */
interface ScoringSeen {
  featureNames: string[];
  featureValues: number[][];
  preRankLimit: number;
}

/** The rows of a scoring request as values per row, and each row's pin number (from item_ctr, else the row). */
function rowsOf(req: RankColumnsRequest): { values: number[][]; pins: number[] } {
  const names = req.candidates?.featureNames ?? [];
  const rows = req.candidates?.itemFeatures?.rows ?? 0;
  const flat = Array.from(readFloat32Matrix(req.candidates?.itemFeatures, rows, names.length, 'm').values);
  const values = Array.from({ length: rows }, (_, r) => flat.slice(r * names.length, (r + 1) * names.length));
  const ctr = names.indexOf('item_ctr');
  return { values, pins: values.map((v, r) => (ctr >= 0 ? Math.round(v[ctr] * 1000) : r)) };
}

describe('orchestrator (real gRPC, controlled downstreams)', () => {
  const logger = createLogger({ service: 'orchestrator-test', level: 'error' });
  const dataDir = freeDataDir('recsys-orch-');
  const servers: GrpcServer[] = [];
  let app: OrchestratorApp;
  let client: PromiseClient<OrchestratorServiceClient>;
  const scoringSeen: ScoringSeen[] = [];
  const featureRequests: string[][] = [];
  /** What recall was asked for (`limit`) and ranking was sent as fusion weights, per call. */
  const recallLimits: number[] = [];
  const fusionSent: Record<string, number>[] = [];
  /** The fusion rule ranking was sent, per call (undefined: none, the model's weighted sum). */
  const rulesSent: (RankColumnsRequest['fusionRule'] | undefined)[] = [];
  /** The rule of the related-pins surface (FUSION_RULES), and that of the `product` arm, which replaces it. */
  const relatedRule = { kind: 'product', weights: { click: 1, save: 1, hide: 10 } };
  const armRule = { kind: 'product', weights: { click: 1, dwell: 0.5 }, negative: ['hide', 'share'] };
  /** The experiment configuration the orchestrator watches. */
  const experimentsDir = mkdtempSync(join(tmpdir(), 'recsys-orch-exp-'));
  const experimentsFile = join(experimentsDir, 'experiments.json');
  const fusionLayer = {
    name: 'fusion',
    buckets: 100,
    arms: [
      { name: 'control', from: 0, to: 50 },
      { name: 'save-heavy', from: 50, to: 90, params: { fusionWeights: { click: 1, save: 4, hide: -4 } } },
      { name: 'product', from: 90, to: 100, params: { fusion: armRule, fusionWeights: { save: 2 } } },
    ],
  };
  writeFileSync(experimentsFile, JSON.stringify({ layers: [fusionLayer] }));
  /** The item features the fake ranking models read. */
  let modelFeatures = ['item_ctr', 'item_quality'];
  const see = (req: RankColumnsRequest) =>
    scoringSeen.push({ featureNames: req.candidates?.featureNames ?? [], featureValues: rowsOf(req).values, preRankLimit: req.preRankLimit });
  const modelInputs = (req: RankColumnsRequest) => ({
    modelVersion: 'test',
    modelFeatureNames: modelFeatures,
    missingFeatures: modelFeatures.filter((f) => !(req.candidates?.featureNames ?? []).includes(f)),
  });

  beforeAll(async () => {
    const start = (definition: Parameters<typeof startGrpcServer>[0]['services'][0]) =>
      startGrpcServer({ name: 'downstream', host: '127.0.0.1', port: 0, services: [definition], logger }).then((s) => {
        servers.push(s);
        return s.address;
      });
    const recall = await start({
      definition: RecallServiceService,
      handlers: {
        recallColumns: async (req: RecallColumnsRequest) => {
          recallLimits.push(req.limit);
          await behave('recall');
          return {
            itemIds: PINS,
            recallScores: columnBytes(Float64Array.from(PINS, recallScore)),
            channelNames: ['popular'],
            hitEnds: columnBytes(Uint32Array.from(PINS, (_, i) => i + 1)),
            hitChannels: Buffer.alloc(PINS.length),
            hitScores: columnBytes(Float64Array.from(PINS, recallScore)),
            degraded: [{ stage: 'recall.fresh', reason: 'timeout', fallback: 'other channels' }],
          };
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
        getFeatureColumns: async (req: GetFeatureColumnsRequest) => {
          featureRequests.push(req.itemFeatureNames);
          await behave('feature');
          const ids = modes.feature === 'misaligned' ? req.itemIds.slice(1) : req.itemIds;
          const names = req.itemFeatureNames.length > 0 ? req.itemFeatureNames.filter((n) => FEATURES.includes(n)) : FEATURES;
          const values = Float32Array.from(ids.flatMap((id) => names.map((n) => (n === 'item_ctr' ? numberOf(id) / 1000 : 0.5))));
          const defaulted = newBitset(ids.length * names.length);
          ids.forEach((_, r) => names.forEach((n, c) => n === 'item_quality' && setBit(defaulted, r * names.length + c)));
          return {
            featureNames: names,
            values: float32MatrixToWire(ids.length, names.length, values),
            defaulted: columnBytes(defaulted),
            known: Buffer.alloc(ids.length, 1),
            creatorIds: dictionaryToWire(ids.length, (r) => `c${numberOf(ids[r]) % 6}`),
            topics: dictionaryToWire(ids.length, (r) => topicOf(ids[r])),
            aspectRatios: columnBytes(new Float32Array(ids.length).fill(0.75)),
            unsafe: Buffer.from(ids.map((id) => (id === 'pin_3' ? 1 : 0))),
            user: { userId: req.userId, known: true, features: { values: { user_clicks: 4 }, defaulted: [] }, recentItemIds: ['pin_1'], topicAffinity: { t0: 1 } },
          };
        },
      },
    });
    const ranking = await start({
      definition: RankingServiceService,
      handlers: {
        // Pre-rank prefers even pins; rank prefers higher numbers: both orders differ from recall's.
        rankColumns: async (req: RankColumnsRequest) => {
          see(req);
          fusionSent.push({ ...req.fusionWeights });
          rulesSent.push(req.fusionRule);
          await behave('ranking');
          const { pins } = rowsOf(req);
          const preRank = pins.map((n) => (n % 2 === 0 ? 1 : 0.5));
          const kept = pins.map((_, r) => r).sort((a, b) => preRank[b] - preRank[a] || a - b).slice(0, req.preRankLimit);
          const ranked = kept.sort((a, b) => pins[b] - pins[a]);
          return {
            rows: columnBytes(Uint32Array.from(ranked)),
            scores: columnBytes(Float64Array.from(ranked, (r) => pins[r] / 100)),
            taskNames: ['click'],
            taskProbabilities: float32MatrixToWire(ranked.length, 1, new Float32Array(ranked.length).fill(0.25)),
            preRankScores: columnBytes(Float64Array.from(preRank)),
            ...modelInputs(req),
          };
        },
      },
    });
    const reranking = await start({
      definition: RerankingServiceService,
      handlers: {
        rerankColumns: async (req: RerankColumnsRequest) => {
          await behave('reranking');
          const seen = new Set(req.seenItemIds);
          const unsafe = readUint8Column(req.unsafe, req.itemIds.length, 'unsafe');
          const kept = req.itemIds.map((id, r) => ({ id, r })).filter(({ id, r }) => !unsafe[r] && !seen.has(id)).slice(0, req.pageSize);
          return {
            rows: columnBytes(Uint32Array.from(kept, (k) => k.r)),
            columns: columnBytes(Uint32Array.from(kept, (_, i) => i % 2)),
            scores: columnBytes(Float64Array.from(kept, (_, i) => 1 - i / kept.length)),
            removedRows: Buffer.alloc(0),
            removedBy: { values: [], indexes: Buffer.alloc(0) },
          };
        },
      },
    });
    const config = loadConfig({
      GRPC_PORT: '0',
      RECALL_ADDR: recall,
      FEATURE_ADDR: feature,
      RANKING_ADDR: ranking,
      RERANKING_ADDR: reranking,
      RECALL_TIMEOUT_MS: '400',
      FEATURE_TIMEOUT_MS: '400',
      RANKING_TIMEOUT_MS: '400',
      RERANKING_TIMEOUT_MS: '400',
      RECOMMEND_TIMEOUT_MS: '4000',
      PRERANK_LIMIT: '40',
      RECSYS_DATA_DIR: dataDir,
      LOG_LEVEL: 'error',
      EXPERIMENTS_FILE: experimentsFile,
      FUSION_RULES: JSON.stringify({ related_pins: relatedRule }),
    });
    app = await startOrchestratorApp(config, logger);
    client = createClient(OrchestratorServiceClient, `127.0.0.1:${app.server.port}`, { timeoutMs: 8000 });
    // One call opens the orchestrator's channels to the four downstreams, so no test runs on a cold connection (on a
    // loaded machine the first connect alone can outlast a stage timeout). The tests start from a clean record.
    await client.recommend({
      userId: 'warm-up',
      surface: Surface.SURFACE_HOME_FEED,
      context: { country: '', device: 'test', locale: '', recentItemIds: [], contextItemId: '' },
      pageSize: 10,
      experimentOverrides: {},
      debug: false,
    });
    scoringSeen.length = 0;
    featureRequests.length = 0;
  });

  afterAll(async () => {
    client?.close();
    await app?.server.shutdown(1000);
    rmSync(experimentsDir, { recursive: true, force: true });
    await app?.close();
    await Promise.all(servers.map((s) => s.shutdown(1000)));
  });

  afterEach(() => {
    modes.recall = modes.feature = modes.ranking = modes.reranking = 'ok';
    scoringSeen.length = 0;
    featureRequests.length = 0;
    modelFeatures = ['item_ctr', 'item_quality'];
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
    expect(res.items[0].scores).toMatchObject({ recall: recallScore('pin_56'), preRank: 1, rank: 0.56, tasks: { click: 0.25 } });
    expect(res.items[0]).toMatchObject({ creatorId: 'c2', topic: 't0', aspectRatio: 0.75, channels: [{ channel: 'popular', score: recallScore('pin_56') }] });
    expect(res.items.map((i) => i.column)).toEqual([0, 1, 0, 1, 0, 1, 0, 1, 0, 1]);
    expect(res.items[0].explanation).toContain('Popular right now');
    expect(res.experimentArms.fusion).toMatch(/^(control|save-heavy|product)$/);
  });

  it('sends the ranking service every candidate once: the feature names once, each row its values, the pre-rank budget', async () => {
    await client.recommend(request());
    expect(scoringSeen.map((s) => [s.featureValues.length, s.preRankLimit])).toEqual([[60, 40]]);
    const [seen] = scoringSeen;
    expect(seen.featureNames).toEqual(['item_ctr', 'item_quality']);
    // pin_i has item_ctr i / 1000: the values travel with their own candidate.
    for (const values of seen.featureValues) expect(values).toHaveLength(2);
    expect(seen.featureValues[0]).toEqual([0, 0.5]);
    expect(seen.featureValues[59]).toEqual([Math.fround(0.059), 0.5]);
  });

  it('keeps pre-rank scores of every candidate and ranks only those the budget kept', async () => {
    const res = await client.recommend(request({ debug: true }));
    const traced = new Map(res.trace.map((t) => [t.itemId, t]));
    // pin_21 (odd, past the 10 odd ones the budget keeps) was pre-ranked but not ranked.
    expect(traced.get('pin_21')).toMatchObject({ outcome: 'selectors/candidate-budget', scores: { preRank: 0.5, rank: 0 } });
    expect(traced.get('pin_19')?.scores).toMatchObject({ preRank: 0.5, rank: 0.19 });
  });

  it('asks the feature service for the item features the ranking models read, and reports features a new model lacked', async () => {
    await client.recommend(request());
    await client.recommend(request());
    // Every feature until both models have answered once, then what they read.
    expect(featureRequests.slice(-1)).toEqual([['item_ctr', 'item_quality']]);
    modelFeatures = ['item_ctr', 'item_quality', 'item_new'];
    const first = await client.recommend(request());
    expect(first.degraded).toContainEqual({
      stage: 'ranking',
      reason: 'model test reads item features the request did not carry: item_new',
      fallback: 'declared defaults for those features',
    });
    await client.recommend(request());
    expect(featureRequests.slice(-1)).toEqual([['item_ctr', 'item_quality', 'item_new']]);
  });

  it('drops every item feature, marked degraded, when the feature service answers a batch out of line', async () => {
    modes.feature = 'misaligned';
    const res = await client.recommend(request());
    expect(res.items).toHaveLength(10);
    expect(res.degraded).toContainEqual(expect.objectContaining({ stage: 'feature', fallback: 'default user and item features' }));
    expect(scoringSeen[0]).toEqual({ featureNames: [], featureValues: Array.from({ length: 60 }, () => []), preRankLimit: 40 });
    // Without item features every item is unknown to re-ranking: creator and topic empty, aspect ratio 1.
    expect(res.items[0]).toMatchObject({ creatorId: '', topic: '', aspectRatio: 1 });
  });

  it('falls back to the recall score when ranking runs out of time', async () => {
    modes.ranking = 'slow';
    const res = await client.recommend(request());
    expect(res.items).toHaveLength(10);
    expect(res.degraded.map((d) => d.stage)).toEqual(['recall.fresh', 'ranking']);
    expect(res.degraded[1]).toMatchObject({ fallback: 'recall score' });
    // Without ranking the budget keeps the best 40 by recall score: pin_0..pin_39, seen pin_58 is outside.
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
    expect(res.degraded.filter((d) => d.stage === 'feature')).toEqual([expect.objectContaining({ fallback: 'default user and item features' })]);
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
    expect(byId.get('pin_21')).toBe('selectors/candidate-budget');
    expect(byId.get('pin_1')).toBe('selectors/reranking');
    expect(byId.get('pin_3')).toBe('selectors/reranking');
  });

  it("applies an arm's parameters, and a changed experiment file without a restart", async () => {
    const res = await client.recommend(request({ experimentOverrides: { fusion: 'save-heavy' } }));
    expect(res.experimentArms).toEqual({ fusion: 'save-heavy' });
    expect(fusionSent.at(-1)).toEqual({ click: 1, save: 4, hide: -4 });
    expect(recallLimits.at(-1)).toBe(1500);

    // A second layer puts everyone in an arm with smaller candidate budgets; the running orchestrator picks it up.
    const budget = { name: 'budget', buckets: 1, arms: [{ name: 'small', from: 0, to: 1, params: { recallLimit: 77, preRankLimit: 30 } }] };
    writeFileSync(experimentsFile, JSON.stringify({ layers: [fusionLayer, budget] }));
    const armsNow = async () => (await client.recommend(request())).experimentArms;
    try {
      await waitFor(async () => (await armsNow()).budget === 'small', { timeoutMs: 15_000, what: 'the reloaded experiment layer' });
      expect(recallLimits.at(-1)).toBe(77);
      expect(scoringSeen.at(-1)?.preRankLimit).toBe(30);
    } finally {
      writeFileSync(experimentsFile, JSON.stringify({ layers: [fusionLayer] }));
      await waitFor(async () => (await armsNow()).budget === undefined, { timeoutMs: 15_000, what: 'the original experiment layers' });
      scoringSeen.length = 0;
    }
    expect(recallLimits.at(-1)).toBe(1500);
  });

  it("sends the surface's fusion rule, or the arm's in its place, with the arm's weight overrides", async () => {
    const related = (arm: string) =>
      request({ surface: Surface.SURFACE_RELATED_PINS, context: { country: 'US', device: 'test', locale: '', recentItemIds: ['pin_58'], contextItemId: 'pin_7' }, experimentOverrides: { fusion: arm } });
    // Home feed has no rule: the ranking model's weighted sum, as before rules existed.
    await client.recommend(request({ experimentOverrides: { fusion: 'control' } }));
    expect(rulesSent.at(-1)).toBeUndefined();
    await client.recommend(related('control'));
    expect(rulesSent.at(-1)).toEqual({ kind: FusionKind.FUSION_KIND_PRODUCT, weights: relatedRule.weights, negative: [] });
    expect(fusionSent.at(-1)).toEqual({});
    await client.recommend(related('save-heavy'));
    expect(rulesSent.at(-1)?.kind).toBe(FusionKind.FUSION_KIND_PRODUCT);
    expect(fusionSent.at(-1)).toEqual({ click: 1, save: 4, hide: -4 });
    await client.recommend(related('product'));
    expect(rulesSent.at(-1)).toEqual({ kind: FusionKind.FUSION_KIND_PRODUCT, weights: armRule.weights, negative: armRule.negative });
    expect(fusionSent.at(-1)).toEqual({ save: 2 });
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
    expect(first.features).toEqual({ values: { item_ctr: Math.fround(numberOf(first.itemId) / 1000), item_quality: 0.5 }, defaulted: ['item_quality'] });
    // With each pin's primary topic and the user's topic affinity: what its user_topic_affinity input was computed from.
    expect(log.items.map((i) => i.topic)).toEqual(page.items.map((i) => topicOf(i.itemId)));
    expect(log.userTopicAffinity).toEqual({ values: { t0: 1 } });
    // And every ranked candidate (the page and the 30 re-ranking left out) as columns, with the values ranking got.
    expect(log.itemFeatureNames).toEqual(FEATURES);
    expect(log.rankedItemIds).toHaveLength(40);
    expect(log.rankedItemIds.slice(0, page.items.length)).toEqual(page.items.map((i) => i.itemId));
    const values = readFloat32Matrix(log.rankedValues, 40, 2, 'ranked_values').values;
    log.rankedItemIds.forEach((id, r) => {
      expect(values[r * 2]).toBe(Math.fround(numberOf(id) / 1000));
      expect([hasBit(log.rankedDefaulted, r * 2), hasBit(log.rankedDefaulted, r * 2 + 1)]).toEqual([false, true]);
    });
    expect(log.degraded).toEqual([{ stage: 'recall.fresh', reason: 'timeout', fallback: 'other channels' }]);
    await Promise.all(subs.map((s) => s.stop()));
    await bus.close();
  });
});
