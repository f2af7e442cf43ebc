// End-to-end: the ranking service over real gRPC on 127.0.0.1 serving the tiny ONNX multi-task fixture, checked against
// the same graph run bare in onnxruntime-node on the raw features the test assembles itself.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { MultitaskLogisticModel } from '@recsys/algorithms';
import {
  FusionKind,
  PreRankRequest,
  RankColumnsRequest,
  RankRequest,
  RankingServiceClient,
  dictionaryToWire,
  float32MatrixToWire,
  readFloat32Matrix,
  readFloat64Column,
  readUint32Column,
  type RankColumnsResponse,
  type ScoringCandidate,
} from '@recsys/contracts';
import { RecsysError } from '@recsys/domain';
import { ITEM_FEATURES, RANKING_ITEM_INPUTS, USER_FEATURES } from '@recsys/features';
import { createClient, type PromiseClient } from '@recsys/grpc';
import { createLogger } from '@recsys/logger';
import { LocalModelStore } from '@recsys/stores';
import { TINY_MMOE, fixtureModelStoreDir, freeDataDir, publishTinyMmoe, waitFor, type JsonObject } from '@recsys/testing';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { startRankingApp, type RankingApp } from '../src/app';
import { LOGISTIC_RANKING_MODEL, loadConfig } from '../src/config';

const logLines: string[] = [];
const logSink = new Writable({
  write: (chunk: Buffer, _encoding, done) => {
    logLines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    done();
  },
});

/** The pre-rank model: σ(4 · item_quality) (its task head is unused: the ONNX model ranks). */
const preRankModel: MultitaskLogisticModel = {
  format: 'recsys.multitask-logistic/v1',
  version: 'p1',
  features: ['item_quality'],
  tasks: { click: { weights: [1], bias: 0 } },
  prerank: { features: ['item_quality'], weights: [4], bias: 0 },
  fusion: { click: 1 },
  trainedOn: { by: 'hand' },
};

/** A candidate's item columns (values exactly representable in float32) and primary topic. */
interface Item {
  ctr: number;
  impressions: number;
  quality: number;
  aspect: number;
  topic: string;
}
const ITEMS: Item[] = [
  { ctr: 0.0625, impressions: 40, quality: 0.5, aspect: 1, topic: 't1' },
  { ctr: 0.25, impressions: 3000, quality: 0.875, aspect: 0.75, topic: 't2' },
  { ctr: 0.0078125, impressions: 0, quality: 0.125, aspect: 1.5, topic: 't1' },
  { ctr: 0.125, impressions: 7, quality: 0.25, aspect: 2, topic: 't3' },
  { ctr: 0.5, impressions: 100000, quality: 1, aspect: 0.5, topic: 't2' },
  { ctr: 0.03125, impressions: 12, quality: 0.625, aspect: 1.25, topic: 't1' },
];
const COLUMNS = ['item_ctr_smoothed', 'item_impressions', 'item_quality', 'item_aspect_ratio'];
const user = { userId: 'u1', features: { values: { user_account_age_days: 37.5, user_clicks: 4 }, defaulted: [] }, topicAffinity: { t1: 0.625, t2: 0.125 } };

/** The model's raw input row for an item, assembled by hand in the card's column order. */
function rawRow(item: Item, opts: { aspect?: boolean; age?: number } = {}): number[] {
  return [
    item.ctr,
    Math.log1p(item.impressions),
    user.topicAffinity[item.topic as 't1' | 't2'] ?? 0,
    item.quality,
    opts.aspect === false ? ITEM_FEATURES.item_aspect_ratio : item.aspect,
    opts.age ?? user.features.values.user_account_age_days,
  ];
}

/** The graph run bare (default session options) on raw rows: click, save, dwell per row. */
async function bare(rows: number[][]): Promise<{ click: Float32Array; save: Float32Array; dwell: Float32Array }> {
  const session = await InferenceSession.create(join(fixtureModelStoreDir(), TINY_MMOE.name, TINY_MMOE.version, 'model.onnx'));
  try {
    const out = await session.run({ features: new Tensor('float32', Float32Array.from(rows.flat()), [rows.length, 6]) });
    return { click: out.click.data as Float32Array, save: out.save.data as Float32Array, dwell: out.dwell.data as Float32Array };
  } finally {
    await session.release();
  }
}

const close = (actual: number, expected: number) => Math.abs(actual - expected) <= 1e-6 * Math.max(1, Math.abs(expected));

const columns = (items: Item[], names = COLUMNS) => ({
  featureNames: names,
  itemFeatures: float32MatrixToWire(
    items.length,
    names.length,
    Float32Array.from(items.flatMap((it) => names.map((n) => ({ item_ctr_smoothed: it.ctr, item_impressions: it.impressions, item_quality: it.quality, item_aspect_ratio: it.aspect })[n] ?? 0))),
  ),
  topics: dictionaryToWire(items.length, (r) => items[r].topic),
});

/** The answer's rows, fused scores and per-task predictions. */
function read(res: RankColumnsResponse, n: number) {
  return {
    rows: Array.from(readUint32Column(res.rows, n, 'rows')),
    scores: Array.from(readFloat64Column(res.scores, n, 'scores')),
    tasks: readFloat32Matrix(res.taskProbabilities, n, res.taskNames.length, 'task_probabilities').values,
  };
}

let dir: string;
let store: LocalModelStore;
let app: RankingApp;
let client: PromiseClient<RankingServiceClient>;

beforeAll(async () => {
  dir = freeDataDir('ranking-onnx-e2e');
  store = new LocalModelStore(dir);
  await store.publish(LOGISTIC_RANKING_MODEL, preRankModel.version, { 'model.json': new TextEncoder().encode(JSON.stringify(preRankModel)) });
  await publishTinyMmoe(store, { version: 'v1' });
  const config = loadConfig({ GRPC_PORT: '0', MODEL_STORE_DIR: dir, RANKING_MODEL: TINY_MMOE.name, RANKING_PRERANK_MODEL: LOGISTIC_RANKING_MODEL, RANKING_MODEL_POLL_MS: '40' });
  app = await startRankingApp(config, createLogger({ service: 'ranking', level: 'info', stream: logSink }));
  client = createClient(RankingServiceClient, `127.0.0.1:${app.server.port}`, { timeoutMs: 5000 });
});

afterAll(async () => {
  client.close();
  await app.server.shutdown(1000);
  await app.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('ranking service with an ONNX multi-task model, over gRPC', () => {
  // The hot-swap test publishes v2 and v3; keep it last so the other tests see v1.

  it('answers per-task predictions and the fused order of the graph run bare on the same raw features', async () => {
    const res = await client.rankColumns(RankColumnsRequest.fromPartial({ user, candidates: columns(ITEMS) }));
    expect(res.modelVersion).toBe('v1');
    expect(res.taskNames).toEqual(['click', 'save', 'dwell']);
    const want = await bare(ITEMS.map((item) => rawRow(item)));
    // Default fusion of an ONNX model (RANKING_FUSION_WEIGHTS): click 1, save 2; dwell and absent hide weigh 0.
    const fused = ITEMS.map((_, r) => want.click[r] + 2 * want.save[r]);
    const order = ITEMS.map((_, r) => r).sort((a, b) => fused[b] - fused[a]);
    const got = read(res, ITEMS.length);
    expect(got.rows).toEqual(order);
    got.rows.forEach((row, i) => {
      expect(close(got.scores[i], fused[row])).toBe(true);
      expect([got.tasks[i * 3], got.tasks[i * 3 + 1], got.tasks[i * 3 + 2]]).toEqual([want.click[row], want.save[row], want.dwell[row]]);
    });
    // It reads the ranking item inputs and its own item column; the request carried only some of them.
    expect(res.modelFeatureNames).toEqual([...RANKING_ITEM_INPUTS, 'item_aspect_ratio']);
    expect(res.missingFeatures).toEqual(['item_save_rate_smoothed', 'creator_ctr_smoothed', 'item_age_hours']);
  });

  it('feeds declared defaults for an item column the request lacks and a user feature the user record lacks', async () => {
    const noAspect = COLUMNS.filter((c) => c !== 'item_aspect_ratio');
    const res = await client.rankColumns(
      RankColumnsRequest.fromPartial({ user: { ...user, features: { values: {}, defaulted: [] } }, candidates: columns(ITEMS, noAspect) }),
    );
    const want = await bare(ITEMS.map((item) => rawRow(item, { aspect: false, age: USER_FEATURES.user_account_age_days })));
    const got = read(res, ITEMS.length);
    got.rows.forEach((row, i) => expect(got.tasks[i * 3 + 2]).toBe(want.dwell[row]));
    expect(res.missingFeatures).toContain('item_aspect_ratio');
  });

  it('fuses a regression task by its predicted value when the request weighs it, and refuses a task the model lacks', async () => {
    const res = await client.rankColumns(RankColumnsRequest.fromPartial({ user, candidates: columns(ITEMS), fusionWeights: { click: 0, save: 0, dwell: 0.5 } }));
    const want = await bare(ITEMS.map((item) => rawRow(item)));
    const got = read(res, ITEMS.length);
    expect(got.rows).toEqual(ITEMS.map((_, r) => r).sort((a, b) => want.dwell[b] - want.dwell[a]));
    got.rows.forEach((row, i) => expect(close(got.scores[i], 0.5 * want.dwell[row])).toBe(true));
    const error = await client.rankColumns(RankColumnsRequest.fromPartial({ user, candidates: columns(ITEMS), fusionWeights: { hide: -10 } })).then(
      () => undefined,
      (e: unknown) => e as RecsysError,
    );
    expect(error).toBeInstanceOf(RecsysError);
    expect(error?.category).toBe('bad-request');
    expect(error?.message).toContain('fusion_weights.hide: not a task of model v1 (tasks: click, save, dwell)');
  });

  it('fuses by a product rule with the dwell as (1 + seconds)^w, and refuses a regression task as an undesirable one', async () => {
    // The fixture's dwell is a regression in seconds (its card's unit): it enters as a value.
    const fusionRule = { kind: FusionKind.FUSION_KIND_PRODUCT, weights: { click: 1, dwell: 0.5 } };
    const res = await client.rankColumns(RankColumnsRequest.fromPartial({ user, candidates: columns(ITEMS), fusionRule }));
    const want = await bare(ITEMS.map((item) => rawRow(item)));
    const product = ITEMS.map((_, r) => Math.log(want.click[r]) + 0.5 * Math.log1p(Math.max(0, want.dwell[r])));
    const got = read(res, ITEMS.length);
    expect(got.rows).toEqual(ITEMS.map((_, r) => r).sort((a, b) => product[b] - product[a]));
    got.rows.forEach((row, i) => expect(close(got.scores[i], product[row])).toBe(true));
    const error = await client
      .rankColumns(RankColumnsRequest.fromPartial({ user, candidates: columns(ITEMS), fusionRule: { ...fusionRule, negative: ['dwell'] } }))
      .then(
        () => undefined,
        (e: unknown) => e as RecsysError,
      );
    expect(error?.category).toBe('bad-request');
    expect(error?.message).toContain('fusion_rule.negative[0]: dwell is a regression task');
  });

  it('answers Rank per candidate with the same predictions as RankColumns', async () => {
    const candidates: ScoringCandidate[] = ITEMS.map((item, r) => ({
      candidate: { itemId: `i${r}`, channels: [], explanation: '', scores: { recall: 0, preRank: 0, rank: 0, rerank: 0, tasks: {} } },
      featureValues: [item.ctr, item.impressions, item.quality, item.aspect],
      topic: item.topic,
    }));
    const res = await client.rank(RankRequest.fromPartial({ user, featureNames: COLUMNS, candidates }));
    const want = await bare(ITEMS.map((item) => rawRow(item)));
    expect(res.modelVersion).toBe('v1');
    for (const c of res.candidates) {
      const row = Number(c.itemId.slice(1));
      expect(c.scores?.tasks).toEqual({ click: want.click[row], save: want.save[row], dwell: want.dwell[row] });
    }
  });

  it('pre-ranks with the pre-rank model and ranks only the budget with the ONNX model', async () => {
    const res = await client.rankColumns(RankColumnsRequest.fromPartial({ user, candidates: columns(ITEMS), preRankLimit: 3 }));
    // Pre-rank σ(4q): the three best qualities are rows 4 (1), 1 (0.875) and 5 (0.625).
    const got = read(res, 3);
    expect([...got.rows].sort()).toEqual([1, 4, 5]);
    const preRank = readFloat64Column(res.preRankScores, ITEMS.length, 'pre_rank_scores');
    ITEMS.forEach((item, r) => expect(preRank[r]).toBeCloseTo(1 / (1 + Math.exp(-4 * item.quality)), 12));
    const pre = await client.preRank(PreRankRequest.fromPartial({ user, featureNames: ['item_quality'], candidates: [{ candidate: { itemId: 'a' }, featureValues: [0.5], topic: 't1' }] }));
    expect(pre.modelVersion).toBe('p1');
  });

  it('swaps in a newer version without restarting and refuses a broken one, which it logs', async () => {
    const ask = () => client.rankColumns(RankColumnsRequest.fromPartial({ user, candidates: columns(ITEMS) }));
    await publishTinyMmoe(store, { version: 'v2', editCard: (card) => (((card.inputs as JsonObject[])[0].columns as JsonObject[])[5].feature = 'user_shoe_size') });
    await waitFor(() => logLines.some((line) => line.includes('ranking model not reloaded') && line.includes('"v2"') && line.includes('user_shoe_size')), {
      timeoutMs: 5000,
      what: 'v2 to be refused',
    });
    expect((await ask()).modelVersion).toBe('v1');
    await publishTinyMmoe(store, { version: 'v3' });
    const res = await waitFor(async () => ((await ask()).modelVersion === 'v3' ? ask() : undefined), { timeoutMs: 5000, what: 'v3 to be served' });
    expect(read(res, ITEMS.length).rows).toHaveLength(ITEMS.length);
  });
});

describe('ranking service start-up with an ONNX model', () => {
  it('fails with a clear message when the pre-rank model is missing or the ranking model reads an unknown feature', async () => {
    const bad = freeDataDir('ranking-onnx-e2e-bad');
    const logger = createLogger({ service: 'ranking', level: 'error', stream: logSink });
    try {
      const badStore = new LocalModelStore(bad);
      await publishTinyMmoe(badStore, { version: 'v1' });
      const config = loadConfig({ GRPC_PORT: '0', MODEL_STORE_DIR: bad, RANKING_MODEL: TINY_MMOE.name, RANKING_PRERANK_MODEL: LOGISTIC_RANKING_MODEL });
      await expect(startRankingApp(config, logger)).rejects.toThrow(`no ${LOGISTIC_RANKING_MODEL} model in the model store at ${bad}`);
      await badStore.publish(LOGISTIC_RANKING_MODEL, 'p1', { 'model.json': new TextEncoder().encode(JSON.stringify(preRankModel)) });
      await publishTinyMmoe(badStore, { version: 'v2', editCard: (card) => (((card.inputs as JsonObject[])[0].columns as JsonObject[])[0].feature = 'item_colour') });
      await expect(startRankingApp(config, logger)).rejects.toThrow(`model ${TINY_MMOE.name} version v2 reads features the ranking service cannot compute: "item_colour"`);
    } finally {
      rmSync(bad, { recursive: true, force: true });
    }
  });
});
