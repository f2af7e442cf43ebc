// End-to-end: the ranking service over real gRPC on 127.0.0.1 pre-ranking with the tiny two-tower fixture (and ranking
// with the tiny MMoE), checked against the user tower run bare in onnxruntime-node and the version's item table.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { PreRankRequest, RankColumnsRequest, RankingServiceClient, dictionaryToWire, float32MatrixToWire, readFloat64Column, readUint32Column } from '@recsys/contracts';
import { RecsysError } from '@recsys/domain';
import { CONTENT_FEATURE_DIM } from '@recsys/features';
import { createClient, type PromiseClient } from '@recsys/grpc';
import { createLogger } from '@recsys/logger';
import { LocalModelStore } from '@recsys/stores';
import { TINY_MMOE, TINY_TWO_TOWER, fixtureModelStoreDir, freeDataDir, publishTinyMmoe, publishTinyTwoTower, tinyTwoTowerFiles, waitFor } from '@recsys/testing';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { startRankingApp, type RankingApp } from '../src/app';
import { loadConfig } from '../src/config';

const logLines: string[] = [];
const logSink = new Writable({
  write: (chunk: Buffer, _encoding, done) => {
    logLines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    done();
  },
});

const files = tinyTwoTowerFiles();
const ITEM_IDS = JSON.parse(new TextDecoder().decode(files['item_ids.json'])) as string[];
const TABLE = new Float32Array(files['item_embeddings.f32'].slice().buffer);
const DIM = 8;
/** A user whose history vector points somewhere in particular. */
const HISTORY = Array.from({ length: CONTENT_FEATURE_DIM }, (_, i) => Math.fround(Math.sin(i + 1) / 3));
const user = { userId: 'u1', features: { values: Object.fromEntries(HISTORY.map((v, i) => [`user_history_content_${i}`, v])), defaulted: [] }, topicAffinity: {} };

/** The user tower run bare on the user's history vector. */
async function userEmbedding(history: number[]): Promise<Float32Array> {
  const session = await InferenceSession.create(join(fixtureModelStoreDir(), TINY_TWO_TOWER.name, TINY_TWO_TOWER.version, 'user_tower.onnx'));
  try {
    return (await session.run({ user: new Tensor('float32', Float32Array.from(history), [1, history.length]) })).embedding.data as Float32Array;
  } finally {
    await session.release();
  }
}

const dot = (u: Float32Array, item: string) => {
  const row = ITEM_IDS.indexOf(item);
  let s = 0;
  for (let d = 0; d < DIM; d++) s += u[d] * TABLE[row * DIM + d];
  return s;
};

const CANDIDATES = ITEM_IDS.slice(0, 40);
const perCandidate = (ids: string[]) => ids.map((itemId) => ({ candidate: { itemId }, featureValues: [], topic: 't1' }));
const columns = (ids: string[], withIds = true) => ({
  featureNames: [],
  itemFeatures: float32MatrixToWire(ids.length, 0, new Float32Array(0)),
  topics: dictionaryToWire(ids.length, () => 't1'),
  itemIds: withIds ? ids : [],
});

let dir: string;
let store: LocalModelStore;
let app: RankingApp;
let client: PromiseClient<RankingServiceClient>;

beforeAll(async () => {
  dir = freeDataDir('ranking-two-tower-e2e');
  store = new LocalModelStore(dir);
  await publishTinyTwoTower(store, { version: 'v1' });
  await publishTinyMmoe(store, { version: 'm1' });
  const config = loadConfig({ GRPC_PORT: '0', MODEL_STORE_DIR: dir, RANKING_MODEL: TINY_MMOE.name, RANKING_PRERANK_MODEL: TINY_TWO_TOWER.name, RANKING_MODEL_POLL_MS: '40' });
  app = await startRankingApp(config, createLogger({ service: 'ranking', level: 'info', stream: logSink }));
  client = createClient(RankingServiceClient, `127.0.0.1:${app.server.port}`, { timeoutMs: 5000 });
});

afterAll(async () => {
  client.close();
  await app.server.shutdown(1000);
  await app.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('ranking service pre-ranking with a two-tower model, over gRPC', () => {
  // The hot-swap test publishes v2 and v3; keep it last so the other tests see v1.

  it('keeps the candidates whose item embeddings are nearest the user tower’s embedding of the user’s features', async () => {
    const u = await userEmbedding(HISTORY);
    const want = [...CANDIDATES].sort((a, b) => dot(u, b) - dot(u, a));
    const res = await client.preRank(PreRankRequest.fromPartial({ user, candidates: perCandidate(CANDIDATES), limit: 10 }));
    expect(res.modelVersion).toBe('v1');
    expect(res.candidates.map((c) => c.itemId)).toEqual(want.slice(0, 10));
    res.candidates.forEach((c) => expect(Math.abs((c.scores?.preRank ?? 0) - dot(u, c.itemId))).toBeLessThan(1e-5));
  });

  it('feeds a user without history features the features’ defaults (a cold user gets one embedding too)', async () => {
    const u = await userEmbedding(HISTORY.map(() => 0));
    const res = await client.preRank(PreRankRequest.fromPartial({ user: { userId: 'cold' }, candidates: perCandidate(CANDIDATES), limit: 3 }));
    expect(res.candidates.map((c) => c.itemId)).toEqual([...CANDIDATES].sort((a, b) => dot(u, b) - dot(u, a)).slice(0, 3));
  });

  it('passes an item newer than the model version through the cut with the best score of the call', async () => {
    const res = await client.preRank(PreRankRequest.fromPartial({ user, candidates: perCandidate(['pin-new', ...CANDIDATES]), limit: 2 }));
    expect(res.candidates.map((c) => c.itemId)).toContain('pin-new');
    expect(res.candidates[0].scores?.preRank).toBe(res.candidates[1].scores?.preRank);
  });

  it('pre-ranks RankColumns’ cascade by item id, and refuses to pre-rank rows without ids', async () => {
    const u = await userEmbedding(HISTORY);
    const res = await client.rankColumns(RankColumnsRequest.fromPartial({ user, candidates: columns(CANDIDATES), preRankLimit: 5 }));
    const preRank = readFloat64Column(res.preRankScores, CANDIDATES.length, 'pre_rank_scores');
    CANDIDATES.forEach((id, r) => expect(Math.abs(preRank[r] - dot(u, id))).toBeLessThan(1e-5));
    const ranked = Array.from(readUint32Column(res.rows, 5, 'rows'), (r) => CANDIDATES[r]);
    expect(ranked.sort()).toEqual([...CANDIDATES].sort((a, b) => dot(u, b) - dot(u, a)).slice(0, 5).sort());
    // A two-tower pre-rank reads no item column: the caller is asked only for the ranking model's.
    expect(res.modelFeatureNames.some((n) => n.startsWith('item_content_'))).toBe(false);
    const error = await client.rankColumns(RankColumnsRequest.fromPartial({ user, candidates: columns(CANDIDATES, false), preRankLimit: 5 })).then(
      () => undefined,
      (e: unknown) => e as RecsysError,
    );
    expect(error?.category).toBe('bad-request');
    expect(error?.message).toContain('candidates.item_ids');
    const noCut = await client.rankColumns(RankColumnsRequest.fromPartial({ user, candidates: columns(CANDIDATES, false) }));
    expect(noCut.rows.byteLength).toBe(4 * CANDIDATES.length);
  });

  it('swaps in a newer version without restarting and refuses a broken one, which it logs', async () => {
    const ask = () => client.preRank(PreRankRequest.fromPartial({ user, candidates: perCandidate(CANDIDATES), limit: 3 }));
    await publishTinyTwoTower(store, { version: 'v2', files: { 'item_embeddings.f32': new Uint8Array(8) } });
    await waitFor(() => logLines.some((line) => line.includes('pre-rank model not reloaded') && line.includes('"v2"') && line.includes('item_embeddings.f32')), {
      timeoutMs: 5000,
      what: 'v2 to be refused',
    });
    expect((await ask()).modelVersion).toBe('v1');
    await publishTinyTwoTower(store, { version: 'v3' });
    await waitFor(async () => (await ask()).modelVersion === 'v3', { timeoutMs: 5000, what: 'v3 to be served' });
  });
});
