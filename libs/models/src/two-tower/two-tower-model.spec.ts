import { rmSync } from 'node:fs';
import { LocalModelStore } from '@recsys/stores';
import { TINY_TWO_TOWER, fixtureModelStoreDir, freeDataDir, publishTinyTwoTower, tinyTwoTowerFiles, type JsonObject } from '@recsys/testing';
import { parseTwoTowerCard } from '../card/model-card';
import { loadTwoTowerModel, type TwoTowerModel } from './two-tower-model';

const fixtures = new LocalModelStore(fixtureModelStoreDir());

let dir: string;
let store: LocalModelStore;
beforeEach(() => {
  dir = freeDataDir('models-two-tower');
  store = new LocalModelStore(dir);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** The rejection message of loading `version` of the tiny two-tower model from the temporary store. */
async function loadError(version: string): Promise<string> {
  return loadTwoTowerModel(store, TINY_TWO_TOWER.name, version).then(
    async (model) => {
      await model.release();
      return 'loaded';
    },
    (error: unknown) => (error as Error).message,
  );
}

const card = (): JsonObject => JSON.parse(new TextDecoder().decode(tinyTwoTowerFiles()['card.json'])) as JsonObject;

describe('loadTwoTowerModel', () => {
  let model: TwoTowerModel;
  beforeAll(async () => {
    model = await loadTwoTowerModel(fixtures, TINY_TWO_TOWER.name, TINY_TWO_TOWER.version);
  });
  afterAll(() => model.release());

  it('loads both towers, plans their inputs from user and item features, and keeps the item table', () => {
    expect(model.dim).toBe(8);
    expect(model.userPlan.columns.every((c) => c.kind === 'user' && c.feature.startsWith('user_history_content_'))).toBe(true);
    expect(model.itemPlan.columns.map((c) => c.feature)).toContain('item_quality');
    expect(model.items.ids).toHaveLength(model.card.itemEmbeddings.rows);
    expect(model.items.rowOf.get(model.items.ids[3])).toBe(3);
    expect(model.items.embeddings).toHaveLength(model.items.ids.length * 8);
  });

  it('embeds users and items as unit vectors; the item tower reproduces the precomputed table', async () => {
    const users = await model.embedUsers(new Float32Array(2 * model.userPlan.width), 2);
    expect(users).toHaveLength(16);
    const norm = Math.hypot(...users.subarray(0, 8));
    expect(norm).toBeCloseTo(1, 5);
    // The card's item parity rows are test pairs' items: their embeddings are rows of the table too.
    const { rows, embeddings } = model.card.parity.item;
    const got = await model.embedItems(Float32Array.from(rows.flat()), rows.length);
    rows.forEach((_, r) => embeddings[r].forEach((v, d) => expect(Math.abs(got[r * 8 + d] - v)).toBeLessThanOrEqual(1e-5)));
    await expect(model.embedItems(new Float32Array(3), 1)).rejects.toThrow(`the item tower expects rows × ${model.itemPlan.width} input values, got 3 values for 1 rows`);
  });
});

describe('loadTwoTowerModel refuses a broken version', () => {
  it('whose towers do not reproduce the card’s parity embeddings', async () => {
    await publishTinyTwoTower(store, { version: 'v2', editCard: (c) => ((c.parity as { user: { outputs: { embedding: number[][] } } }).user.outputs.embedding[0][0] += 0.01) });
    expect(await loadError('v2')).toMatch(/model recall\/tiny-two-tower version v2: onnxruntime does not reproduce the card's parity embeddings within 0.00001: user tower row 0 component 0/);
  });

  it('whose item table is not rows × dim float32, or whose ids do not match it', async () => {
    await publishTinyTwoTower(store, { version: 'v3', files: { 'item_embeddings.f32': new Uint8Array(12) } });
    expect(await loadError('v3')).toContain('item_embeddings.f32: 12 bytes, expected');
    await publishTinyTwoTower(store, { version: 'v4', files: { 'item_ids.json': new TextEncoder().encode('["a","a"]') } });
    expect(await loadError('v4')).toContain('item_ids.json: expected');
  });

  it('whose towers read features the services cannot compute, or of the wrong entity', async () => {
    await publishTinyTwoTower(store, {
      version: 'v5',
      editCard: (c) => (((c.towers as JsonObject).user as { input: { columns: { feature: string }[] } }).input.columns[0].feature = 'item_quality'),
    });
    expect(await loadError('v5')).toContain('the user tower reads "item_quality", not user features');
  });

  it('whose graph is not a graph', async () => {
    await publishTinyTwoTower(store, { version: 'v6', files: { 'user_tower.onnx': new TextEncoder().encode('not onnx') } });
    expect(await loadError('v6')).toContain('user_tower.onnx is not a graph onnxruntime can load');
  });
});

describe('parseTwoTowerCard', () => {
  it('parses the fixture card', () => {
    const parsed = parseTwoTowerCard(JSON.stringify(card()));
    expect(parsed.towers.user.output.dim).toBe(8);
    expect(parsed.itemEmbeddings).toMatchObject({ file: 'item_embeddings.f32', ids: 'item_ids.json', dim: 8 });
  });

  it('lists every problem, each naming its field', () => {
    const c = card();
    c.architecture = 'mmoe';
    ((c.towers as JsonObject).item as { output: { shape: unknown[] } }).output.shape = ['batch', 4];
    (c.itemEmbeddings as JsonObject).file = '../escape';
    expect(() => parseTwoTowerCard(c)).toThrow(
      /card\.architecture: expected "two-tower", got "mmoe".*card\.towers\.item\.output\.shape: dim 4 is not the user tower's 8.*card\.itemEmbeddings\.file: expected a file name in the version/,
    );
  });
});
