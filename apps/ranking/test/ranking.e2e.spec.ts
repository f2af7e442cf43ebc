// End-to-end: the ranking service over real gRPC on 127.0.0.1 with a hand-made model in a temporary model store.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { credentials, status, type ServiceError } from '@grpc/grpc-js';
import type { MultitaskLogisticModel } from '@recsys/algorithms';
import {
  FusionKind,
  PreRankRequest,
  RankColumnsRequest,
  RankRequest,
  RankingServiceClient,
  columnBytes,
  dictionaryToWire,
  float32MatrixToWire,
  readFloat32Matrix,
  readFloat64Column,
  readUint32Column,
  type ScoringCandidate,
  type ScoringColumns,
} from '@recsys/contracts';
import { RecsysError } from '@recsys/domain';
import { createClient, type PromiseClient } from '@recsys/grpc';
import { createLogger } from '@recsys/logger';
import { LocalModelStore } from '@recsys/stores';
import { freeDataDir, waitFor } from '@recsys/testing';
import { startRankingApp, type RankingApp } from '../src/app';
import { DEFAULT_RANKING_MODEL, LOGISTIC_RANKING_MODEL, loadConfig } from '../src/config';

/** The logistic model these tests serve, as the ranking model and the pre-rank model. */
const LOGISTIC = LOGISTIC_RANKING_MODEL;
import { LOGISTIC_MODEL_FILE } from '../src/model-holder';

const σ = (z: number) => 1 / (1 + Math.exp(-z));

/** Log lines of the service, to see reload failures. */
const logLines: string[] = [];
const logSink = new Writable({
  write: (chunk: Buffer, _encoding, done) => {
    logLines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    done();
  },
});

/**
 * The hand-made model. With x = (item_quality q, user_topic_affinity a, item_ctr_smoothed c):
 * click = σ(2q + a − 1), save = σ(2a − 2), hide = σ(−3q); pre-rank = σ(10c + q); fusion click 1, save 1, hide −1.
 */
function handMadeModel(version: string, clickBias = -1): MultitaskLogisticModel {
  return {
    format: 'recsys.multitask-logistic/v1',
    version,
    features: ['item_quality', 'user_topic_affinity', 'item_ctr_smoothed'],
    tasks: {
      click: { weights: [2, 1, 0], bias: clickBias },
      save: { weights: [0, 2, 0], bias: -2 },
      hide: { weights: [-3, 0, 0], bias: 0 },
    },
    prerank: { features: ['item_ctr_smoothed', 'item_quality'], weights: [10, 1], bias: 0 },
    fusion: { click: 1, save: 1, hide: -1 },
    trainedOn: { by: 'hand' },
  };
}

function publish(store: LocalModelStore, model: MultitaskLogisticModel) {
  return store.publish(LOGISTIC, model.version, { [LOGISTIC_MODEL_FILE]: new TextEncoder().encode(JSON.stringify(model)) });
}

/** The item feature names of the requests: every candidate's `featureValues` are in this order. */
const NAMES = ['item_quality', 'item_ctr_smoothed'];

/** A candidate with item quality q, smoothed CTR c (as values in {@link NAMES} order) and primary topic. */
function cand(id: string, q: number, topic: string, c = 0.05): ScoringCandidate {
  return {
    candidate: { itemId: id, channels: [{ channel: 'recall/item-cf', score: 0.3 }], explanation: `why ${id}`, scores: { recall: 0.3, preRank: 0, rank: 0, rerank: 0, tasks: {} } },
    featureValues: [q, c],
    topic,
  };
}

const user = { userId: 'u1', features: { values: { user_impressions: 10 }, defaulted: [] }, topicAffinity: { t1: 0.5, t2: 0 } };

/** Expected task probabilities and fused score of a candidate (q, affinity a) under the hand-made model. */
function expected(q: number, a: number, fusion = { click: 1, save: 1, hide: -1 }, clickBias = -1) {
  const click = σ(2 * q + a + clickBias);
  const save = σ(2 * a - 2);
  const hide = σ(-3 * q);
  return { tasks: { click, save, hide }, rank: fusion.click * click + fusion.save * save + fusion.hide * hide };
}

let dir: string;
let store: LocalModelStore;
let app: RankingApp;
let client: PromiseClient<RankingServiceClient>;
let address: string;

beforeAll(async () => {
  dir = freeDataDir('ranking-e2e');
  store = new LocalModelStore(dir);
  await publish(store, handMadeModel('v1'));
  const config = loadConfig({ GRPC_PORT: '0', MODEL_STORE_DIR: dir, RANKING_MODEL: LOGISTIC, RANKING_PRERANK_MODEL: LOGISTIC, RANKING_MODEL_POLL_MS: '40', RANKING_PRERANK_LIMIT: '3' });
  app = await startRankingApp(config, createLogger({ service: 'ranking', level: 'info', stream: logSink }));
  address = `127.0.0.1:${app.server.port}`;
  client = createClient(RankingServiceClient, address, { timeoutMs: 5000 });
});

afterAll(async () => {
  client.close();
  await app.server.shutdown(1000);
  await app.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('ranking service over gRPC', () => {
  // The reload test publishes v2 and v3; keep it last so the other tests see v1.

  it('returns the known task probabilities and fused score for a known feature vector', async () => {
    const res = await client.rank(RankRequest.fromPartial({ featureNames: NAMES, user, candidates: [cand('a', 0.5, 't1', 0.1)] }));
    expect(res.modelVersion).toBe('v1');
    const [a] = res.candidates;
    // click σ(1 + 0.5 − 1) = σ(0.5), save σ(−1), hide σ(−1.5).
    expect(a.scores?.tasks.click).toBeCloseTo(0.6224593312018546, 12);
    expect(a.scores?.tasks.save).toBeCloseTo(0.2689414213699951, 12);
    expect(a.scores?.tasks.hide).toBeCloseTo(0.18242552380635635, 12);
    expect(a.scores?.rank).toBeCloseTo(0.6224593312018546 + 0.2689414213699951 - 0.18242552380635635, 12);
    // What the caller sent passes through.
    expect(a.channels).toEqual([{ channel: 'recall/item-cf', score: 0.3 }]);
    expect(a.explanation).toBe('why a');
    expect(a.scores?.recall).toBeCloseTo(0.3, 12);
  });

  it('reads item features by name, in any column order, and takes declared defaults for names not sent', async () => {
    const reordered = { ...cand('a', 0, 't1'), featureValues: [0.1, 7, 0.5] };
    const res = await client.rank(RankRequest.fromPartial({ user, featureNames: ['item_ctr_smoothed', 'not_a_ranking_input', 'item_quality'], candidates: [reordered] }));
    expect(res.candidates[0].scores?.rank).toBeCloseTo(expected(0.5, 0.5).rank, 12);
    // No feature names: item_quality takes its declared default 0.5, so the scores are those of q = 0.5.
    const bare = { ...cand('b', 0, 't1'), featureValues: [] };
    const defaults = await client.rank(RankRequest.fromPartial({ user, featureNames: [], candidates: [bare] }));
    expect(defaults.candidates[0].scores?.tasks.click).toBeCloseTo(expected(0.5, 0.5).tasks.click, 12);
    expect(defaults.candidates[0].scores?.rank).toBeCloseTo(expected(0.5, 0.5).rank, 12);
  });

  it('orders candidates by fused score, best first', async () => {
    const candidates = [cand('low', 0.1, 't2'), cand('mid', 0.5, 't1'), cand('high', 0.9, 't1')];
    const res = await client.rank(RankRequest.fromPartial({ featureNames: NAMES, user, candidates }));
    expect(res.candidates.map((c) => c.itemId)).toEqual(['high', 'mid', 'low']);
    const want = [expected(0.9, 0.5), expected(0.5, 0.5), expected(0.1, 0)];
    res.candidates.forEach((c, i) => {
      expect(c.scores?.rank).toBeCloseTo(want[i].rank, 12);
      expect(c.scores?.tasks.hide).toBeCloseTo(want[i].tasks.hide, 12);
    });
  });

  it('lets the request override fusion weights, which changes the order', async () => {
    const candidates = [cand('low', 0.1, 't2'), cand('mid', 0.5, 't1'), cand('high', 0.9, 't1')];
    // Only hide counts (positively): the item most likely to be hidden comes first.
    const fusionWeights = { click: 0, save: 0, hide: 1 };
    const res = await client.rank(RankRequest.fromPartial({ featureNames: NAMES, user, candidates, fusionWeights }));
    expect(res.candidates.map((c) => c.itemId)).toEqual(['low', 'mid', 'high']);
    expect(res.candidates[0].scores?.rank).toBeCloseTo(expected(0.1, 0, fusionWeights).rank, 12);
    // A partial override keeps the model's other weights: save ×20 lifts the t1 items (affinity 0.5) further.
    const partial = await client.rank(RankRequest.fromPartial({ featureNames: NAMES, user, candidates: [cand('low', 0.1, 't2')], fusionWeights: { save: 20 } }));
    expect(partial.candidates[0].scores?.rank).toBeCloseTo(expected(0.1, 0, { click: 1, save: 20, hide: -1 }).rank, 12);
  });

  it('pre-ranks with the linear head and keeps the best `limit`', async () => {
    const candidates = [cand('c1', 0.2, 't1', 0.01), cand('c2', 0.2, 't1', 0.2), cand('c3', 0.9, 't1', 0.05), cand('c4', 0.1, 't1', 0.15), cand('c5', 0, 't1', 0)];
    // Scores σ(10c + q): c1 σ(0.3), c2 σ(2.2), c3 σ(1.4), c4 σ(1.6), c5 σ(0).
    const res = await client.preRank(PreRankRequest.fromPartial({ featureNames: NAMES, user, candidates, limit: 2 }));
    expect(res.modelVersion).toBe('v1');
    expect(res.candidates.map((c) => c.itemId)).toEqual(['c2', 'c4']);
    expect(res.candidates[0].scores?.preRank).toBeCloseTo(σ(2.2), 12);
    expect(res.candidates[1].scores?.preRank).toBeCloseTo(σ(1.6), 12);
    expect(res.candidates[0].scores?.recall).toBeCloseTo(0.3, 12);
    // limit 0: the configured default (3 here).
    const byDefault = await client.preRank(PreRankRequest.fromPartial({ featureNames: NAMES, user, candidates }));
    expect(byDefault.candidates.map((c) => c.itemId)).toEqual(['c2', 'c4', 'c3']);
  });

  it('answers an empty candidate list with an empty answer and the model version', async () => {
    expect(await client.rank(RankRequest.fromPartial({ featureNames: NAMES, user, candidates: [] }))).toEqual({ candidates: [], modelVersion: 'v1' });
    expect(await client.preRank(PreRankRequest.fromPartial({ featureNames: NAMES, candidates: [] }))).toEqual({ candidates: [], modelVersion: 'v1' });
  });

  it('scores a request without a user context with zero topic affinity', async () => {
    const res = await client.rank(RankRequest.fromPartial({ featureNames: NAMES, candidates: [cand('a', 0.5, 't1')] }));
    expect(res.candidates[0].scores?.tasks.click).toBeCloseTo(σ(0), 12);
  });

  /** The candidates of a per-candidate request as the columns of a columnar one (values as float32). */
  const columnsOf = (candidates: ScoringCandidate[], names = NAMES): ScoringColumns => ({
    featureNames: names,
    itemFeatures: float32MatrixToWire(candidates.length, names.length, Float32Array.from(candidates.flatMap((c) => c.featureValues))),
    topics: dictionaryToWire(candidates.length, (r) => candidates[r].topic),
    itemIds: candidates.map((c) => c.candidate?.itemId ?? ''),
  });
  // Values exactly representable in float32, so both forms see the same inputs.
  const five = [cand('c1', 0.25, 't1', 0.0078125), cand('c2', 0.25, 't2', 0.1875), cand('c3', 0.875, 't1', 0.0625), cand('c4', 0.125, 't1', 0.125), cand('c5', 0, 't2', 0)];

  it('RankColumns ranks every row like Rank, best first, with task probabilities and the inputs it reads', async () => {
    const fusionWeights = { save: 3 };
    const res = await client.rankColumns(RankColumnsRequest.fromPartial({ user, candidates: columnsOf(five), fusionWeights }));
    const byRow = await client.rank(RankRequest.fromPartial({ featureNames: NAMES, user, candidates: five, fusionWeights }));
    expect(res.modelVersion).toBe('v1');
    expect(res.taskNames).toEqual(['click', 'save', 'hide']);
    const rows = Array.from(readUint32Column(res.rows, 5, 'rows'));
    expect(rows.map((r) => five[r].candidate?.itemId)).toEqual(byRow.candidates.map((c) => c.itemId));
    const scores = readFloat64Column(res.scores, 5, 'scores');
    const tasks = readFloat32Matrix(res.taskProbabilities, 5, 3, 'task_probabilities').values;
    byRow.candidates.forEach((c, i) => {
      expect(scores[i]).toBeCloseTo(c.scores?.rank ?? NaN, 12);
      expect(tasks[i * 3 + 2]).toBeCloseTo(c.scores?.tasks.hide ?? NaN, 6);
    });
    expect(res.preRankScores).toHaveLength(0);
    expect(res.modelFeatureNames).toEqual(['item_ctr_smoothed', 'item_save_rate_smoothed', 'item_impressions', 'creator_ctr_smoothed', 'item_age_hours', 'item_quality']);
    // NAMES carries only quality and CTR: the other inputs took their declared defaults.
    expect(res.missingFeatures).toEqual(['item_save_rate_smoothed', 'item_impressions', 'creator_ctr_smoothed', 'item_age_hours']);
  });

  it("fuses with the request's rule: a weighted product with hide as (1 − p)^w, fusion_weights overriding its weights", async () => {
    const candidates = [cand('low', 0.1, 't2'), cand('mid', 0.5, 't1'), cand('high', 0.9, 't1')];
    const fusionRule = { kind: FusionKind.FUSION_KIND_PRODUCT, weights: { click: 1, hide: 4 } };
    // ln(click · (1 − hide)^4) with the hand-made model's probabilities.
    const product = (q: number, a: number, hide = 4) => {
      const { tasks } = expected(q, a);
      return Math.log(tasks.click) + hide * Math.log(1 - tasks.hide);
    };
    const res = await client.rank(RankRequest.fromPartial({ featureNames: NAMES, user, candidates, fusionRule }));
    expect(res.candidates.map((c) => c.itemId)).toEqual(['high', 'mid', 'low']);
    expect(res.candidates.map((c) => c.scores?.rank)).toEqual([product(0.9, 0.5), product(0.5, 0.5), product(0.1, 0)].map((v) => expect.closeTo(v, 12)));
    // The rule's weights replace the model's (save weighs nothing here); fusion_weights override the rule's.
    const overridden = await client.rank(RankRequest.fromPartial({ featureNames: NAMES, user, candidates: [cand('low', 0.1, 't2')], fusionRule, fusionWeights: { hide: 0 } }));
    expect(overridden.candidates[0].scores?.rank).toBeCloseTo(product(0.1, 0, 0), 12);
    // RankColumns fuses by the same rule.
    const columns = await client.rankColumns(RankColumnsRequest.fromPartial({ user, candidates: columnsOf(five), fusionRule }));
    const byRow = await client.rank(RankRequest.fromPartial({ featureNames: NAMES, user, candidates: five, fusionRule }));
    expect(Array.from(readFloat64Column(columns.scores, 5, 'scores'))).toEqual(byRow.candidates.map((c) => expect.closeTo(c.scores?.rank ?? NaN, 12)));
    // A weighted-sum rule with the model's own weights answers what no rule does.
    const sum = await client.rank(RankRequest.fromPartial({ featureNames: NAMES, user, candidates, fusionRule: { kind: FusionKind.FUSION_KIND_SUM, weights: { click: 1, save: 1, hide: -1 } } }));
    expect(sum.candidates.map((c) => c.scores?.rank)).toEqual([expected(0.9, 0.5), expected(0.5, 0.5), expected(0.1, 0)].map((e) => expect.closeTo(e.rank, 12)));
  });

  it('RankColumns with pre_rank_limit pre-ranks every row, then ranks the best: PreRank then Rank in one call', async () => {
    const res = await client.rankColumns(RankColumnsRequest.fromPartial({ user, candidates: columnsOf(five), preRankLimit: 2 }));
    const pre = await client.preRank(PreRankRequest.fromPartial({ featureNames: NAMES, user, candidates: five, limit: 5 }));
    const kept = pre.candidates.slice(0, 2).map((c) => c.itemId);
    const ranked = await client.rank(RankRequest.fromPartial({ featureNames: NAMES, user, candidates: five.filter((c) => kept.includes(c.candidate?.itemId ?? '')) }));
    const rows = Array.from(readUint32Column(res.rows, 2, 'rows'));
    expect(rows.map((r) => five[r].candidate?.itemId)).toEqual(ranked.candidates.map((c) => c.itemId));
    expect(Array.from(readFloat64Column(res.scores, 2, 'scores'))).toEqual(ranked.candidates.map((c) => expect.closeTo(c.scores?.rank ?? NaN, 12)));
    // Every row's pre-rank score, in request order.
    const preRank = readFloat64Column(res.preRankScores, 5, 'pre_rank_scores');
    five.forEach((c, r) => expect(preRank[r]).toBeCloseTo(pre.candidates.find((x) => x.itemId === c.candidate?.itemId)?.scores?.preRank ?? NaN, 12));
    // An empty batch answers nothing.
    const none = await client.rankColumns(RankColumnsRequest.fromPartial({ user, candidates: columnsOf([]), preRankLimit: 2 }));
    expect(none.rows).toHaveLength(0);
    await expect(client.rankColumns(RankColumnsRequest.fromPartial({ user, candidates: columnsOf(five), preRankLimit: 2001 }))).rejects.toMatchObject({
      category: 'bad-request',
      field: 'pre_rank_limit',
    });
  });

  it.each([
    ['candidates.item_features.columns', 'a matrix narrower than the names', (c: ScoringColumns) => ({ ...c, itemFeatures: { ...c.itemFeatures!, columns: 1 } })],
    ['candidates.item_features.values', 'values that do not fill the matrix', (c: ScoringColumns) => ({ ...c, itemFeatures: { ...c.itemFeatures!, values: c.itemFeatures!.values.subarray(4) } })],
    ['candidates.item_features', 'a NaN value', (c: ScoringColumns) => ({ ...c, itemFeatures: float32MatrixToWire(1, 2, Float32Array.from([0.5, Number.NaN])), topics: dictionaryToWire(1, () => 't') })],
    ['candidates.topics.indexes', 'fewer topics than rows', (c: ScoringColumns) => ({ ...c, topics: dictionaryToWire(1, () => 't') })],
    ['candidates.topics.indexes', 'a topic index past the dictionary', (c: ScoringColumns) => ({ ...c, topics: { values: ['t'], indexes: columnBytes(new Uint32Array(5).fill(1)) } })],
    ['feature_names[1]', 'a repeated feature name', (c: ScoringColumns) => ({ ...c, featureNames: ['item_quality', 'item_quality'] })],
    ['candidates', 'more rows than Rank takes without a pre-rank budget', () => columnsOf(Array.from({ length: 2001 }, (_, i) => cand(`x${i}`, 0.5, 't1')))],
  ] as [string, string, (c: ScoringColumns) => ScoringColumns][])('RankColumns rejects %s (%s) with INVALID_ARGUMENT naming the field', async (field, _what, spoil) => {
    const error = await client.rankColumns(RankColumnsRequest.fromPartial({ user, candidates: spoil(columnsOf(five)) })).then(
      () => undefined,
      (e: unknown) => e as RecsysError,
    );
    expect(error?.category).toBe('bad-request');
    expect(error?.message).toContain(`${field}:`);
  });

  it.each([
    ['rank', 'candidates', 'more than 2000 candidates', { candidates: Array.from({ length: 2001 }, (_, i) => cand(`x${i}`, 0.5, 't1')) }],
    ['rank', 'candidates[1].candidate.item_id', 'an empty item id', { candidates: [cand('a', 0.5, 't1'), cand('', 0.5, 't1')] }],
    ['rank', 'candidates[0].candidate.item_id', 'a missing candidate', { candidates: [{ ...cand('a', 0.5, 't1'), candidate: undefined }] }],
    ['rank', 'candidates[0].candidate.item_id', 'a 129-character item id', { candidates: [cand('x'.repeat(129), 0.5, 't1')] }],
    ['rank', 'candidates[1].candidate.item_id', 'a duplicate item id', { candidates: [cand('a', 0.5, 't1'), cand('a', 0.5, 't1')] }],
    ['rank', 'fusion_weights.share', 'a fusion weight for an unknown task', { candidates: [cand('a', 0.5, 't1')], fusionWeights: { share: 1 } }],
    ['rank', 'fusion_weights.hide', 'a non-finite fusion weight', { candidates: [cand('a', 0.5, 't1')], fusionWeights: { hide: Number.NaN } }],
    ['rank', 'fusion_rule.kind', 'a fusion rule without a kind', { candidates: [cand('a', 0.5, 't1')], fusionRule: { kind: FusionKind.FUSION_KIND_UNSPECIFIED, weights: { click: 1 }, negative: [] } }],
    ['rank', 'fusion_rule.weights.share', 'a rule weight for an unknown task', { candidates: [cand('a', 0.5, 't1')], fusionRule: { kind: FusionKind.FUSION_KIND_SUM, weights: { share: 1 }, negative: [] } }],
    ['rank', 'fusion_rule.weights.hide', 'a negative exponent of a product rule', { candidates: [cand('a', 0.5, 't1')], fusionRule: { kind: FusionKind.FUSION_KIND_PRODUCT, weights: { hide: -10 }, negative: [] } }],
    ['rank', 'fusion_weights.hide', 'an override making an exponent negative', { candidates: [cand('a', 0.5, 't1')], fusionRule: { kind: FusionKind.FUSION_KIND_PRODUCT, weights: { hide: 1 }, negative: [] }, fusionWeights: { hide: -1 } }],
    ['rank', 'fusion_rule.negative[1]', 'an unknown undesirable task', { candidates: [cand('a', 0.5, 't1')], fusionRule: { kind: FusionKind.FUSION_KIND_PRODUCT, weights: {}, negative: ['hide', 'share'] } }],
    ['rank', 'candidates[0].feature_values[0]', 'a non-finite item feature', { candidates: [cand('a', Number.POSITIVE_INFINITY, 't1')] }],
    ['rank', 'candidates[1].feature_values[1]', 'a NaN item feature', { candidates: [cand('a', 0.5, 't1'), cand('b', 0.5, 't1', Number.NaN)] }],
    ['rank', 'candidates[1].feature_values', 'fewer values than feature names', { candidates: [cand('a', 0.5, 't1'), { ...cand('b', 0.5, 't1'), featureValues: [0.5] }] }],
    ['rank', 'candidates[0].feature_values', 'values without feature names', { featureNames: [], candidates: [cand('a', 0.5, 't1')] }],
    ['rank', 'feature_names[1]', 'an empty feature name', { featureNames: ['item_quality', ''], candidates: [cand('a', 0.5, 't1')] }],
    ['rank', 'feature_names[1]', 'a repeated feature name', { featureNames: ['item_quality', 'item_quality'], candidates: [cand('a', 0.5, 't1')] }],
    ['rank', 'user.topic_affinity.t1', 'a non-finite affinity', { user: { ...user, topicAffinity: { t1: Number.NaN } }, candidates: [cand('a', 0.5, 't1')] }],
    ['preRank', 'candidates', 'more than 5000 candidates', { candidates: Array.from({ length: 5001 }, (_, i) => cand(`x${i}`, 0.5, 't1')) }],
    ['preRank', 'candidates[0].candidate.item_id', 'an empty item id', { candidates: [cand('', 0.5, 't1')] }],
    ['preRank', 'candidates[0].feature_values', 'more values than feature names', { candidates: [{ ...cand('a', 0.5, 't1'), featureValues: [0.5, 0.1, 3] }] }],
    ['preRank', 'feature_names[2]', 'a repeated feature name', { featureNames: ['item_quality', 'item_ctr_smoothed', 'item_quality'], candidates: [] }],
  ] as ['rank' | 'preRank', string, string, Partial<RankRequest>][])('%s rejects %s (%s) with INVALID_ARGUMENT naming the field', async (method, field, _what, over) => {
    const call = method === 'rank' ? client.rank(RankRequest.fromPartial({ featureNames: NAMES, user, ...over })) : client.preRank(PreRankRequest.fromPartial({ featureNames: NAMES, user, ...over }));
    const error = await call.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(RecsysError);
    expect((error as RecsysError).category).toBe('bad-request');
    expect((error as RecsysError).message).toContain(`${field}:`);
  });

  it('accepts 2000 Rank candidates and 5000 PreRank candidates', async () => {
    const rank = await client.rank(RankRequest.fromPartial({ featureNames: NAMES, user, candidates: Array.from({ length: 2000 }, (_, i) => cand(`r${i}`, (i % 100) / 100, 't1')) }));
    expect(rank.candidates).toHaveLength(2000);
    const pre = await client.preRank(PreRankRequest.fromPartial({ featureNames: NAMES, user, candidates: Array.from({ length: 5000 }, (_, i) => cand(`p${i}`, 0, 't1', i / 5000)), limit: 500 }));
    expect(pre.candidates).toHaveLength(500);
    expect(pre.candidates[0].itemId).toBe('p4999');
  });

  it('reports bad input with the gRPC status INVALID_ARGUMENT on the wire', async () => {
    const raw = new RankingServiceClient(address, credentials.createInsecure());
    try {
      const error = await new Promise<ServiceError | null>((resolve) => {
        raw.rank(RankRequest.fromPartial({ featureNames: NAMES, candidates: [cand('a', 0.5, 't1')], fusionWeights: { dwell: 1 } }), (err) => resolve(err));
      });
      expect(error?.code).toBe(status.INVALID_ARGUMENT);
      expect(error?.details).toContain('fusion_weights.dwell');
    } finally {
      raw.close();
    }
  });

  it('picks up a newly published version without restarting, and keeps it when a later one is invalid', async () => {
    await publish(store, handMadeModel('v2', 0));
    const res = await waitFor(
      async () => {
        const r = await client.rank(RankRequest.fromPartial({ featureNames: NAMES, user, candidates: [cand('a', 0.5, 't1')] }));
        return r.modelVersion === 'v2' ? r : undefined;
      },
      { timeoutMs: 5000, what: 'model v2 to be served' },
    );
    // click bias 0 now: σ(1 + 0.5) = σ(1.5).
    expect(res.candidates[0].scores?.tasks.click).toBeCloseTo(σ(1.5), 12);

    await store.publish(LOGISTIC, 'v3', { [LOGISTIC_MODEL_FILE]: new TextEncoder().encode('{"format":"something-else"}') });
    await waitFor(() => logLines.some((line) => line.includes('ranking model not reloaded') && line.includes('v3')), {
      timeoutMs: 5000,
      what: 'the invalid v3 to be rejected',
    });
    const after = await client.rank(RankRequest.fromPartial({ featureNames: NAMES, user, candidates: [cand('a', 0.5, 't1')] }));
    expect(after.modelVersion).toBe('v2');
  });
});

describe('ranking service start-up', () => {
  it('serves the committed demo model from models/', async () => {
    const committed = join(__dirname, '..', '..', '..', 'models');
    const latest = await new LocalModelStore(committed).latest(DEFAULT_RANKING_MODEL);
    expect(latest).toBeDefined();
    const config = loadConfig({ GRPC_PORT: '0', MODEL_STORE_DIR: committed });
    const demo = await startRankingApp(config, createLogger({ service: 'ranking', level: 'error', stream: logSink }));
    const demoClient = createClient(RankingServiceClient, `127.0.0.1:${demo.server.port}`, { timeoutMs: 5000 });
    try {
      const res = await demoClient.rank(RankRequest.fromPartial({ featureNames: NAMES, user, candidates: [cand('a', 0.9, 't1', 0.2), cand('b', 0.1, 't2', 0.01)] }));
      expect(res.modelVersion).toBe(latest?.version);
      expect(res.candidates.map((c) => c.itemId)).toEqual(['a', 'b']);
      for (const c of res.candidates) {
        for (const task of ['click', 'save', 'hide']) expect(c.scores?.tasks[task]).toBeGreaterThan(0);
      }
    } finally {
      demoClient.close();
      await demo.server.shutdown(1000);
      await demo.close();
    }
  });

  it('fails with a clear message when the model store has no ranking model', async () => {
    const empty = freeDataDir('ranking-e2e-empty');
    try {
      const config = loadConfig({ GRPC_PORT: '0', MODEL_STORE_DIR: empty, RANKING_MODEL: LOGISTIC, RANKING_PRERANK_MODEL: LOGISTIC });
      await expect(startRankingApp(config, createLogger({ service: 'ranking', level: 'error', stream: logSink }))).rejects.toThrow(
        `no ranking/multitask-logistic model in the model store at ${empty}`,
      );
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it('fails with the validation problems when the latest model is invalid', async () => {
    const bad = freeDataDir('ranking-e2e-bad');
    try {
      const badStore = new LocalModelStore(bad);
      await publish(badStore, { ...handMadeModel('v1'), fusion: { dwell: 1 } });
      const config = loadConfig({ GRPC_PORT: '0', MODEL_STORE_DIR: bad, RANKING_MODEL: LOGISTIC, RANKING_PRERANK_MODEL: LOGISTIC });
      await expect(startRankingApp(config, createLogger({ service: 'ranking', level: 'error', stream: logSink }))).rejects.toThrow(
        'model.fusion.dwell: not a task of the model',
      );
    } finally {
      rmSync(bad, { recursive: true, force: true });
    }
  });
});
