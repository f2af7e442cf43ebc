import { rmSync } from 'node:fs';
import { LocalModelStore } from '@recsys/stores';
import { TINY_MMOE, fixtureModelStoreDir, freeDataDir, publishTinyMmoe, type JsonObject } from '@recsys/testing';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { loadOnnxModel, type OnnxModel } from './onnx-model';
import { checkParity } from './parity';

const fixtures = new LocalModelStore(fixtureModelStoreDir());

let dir: string;
let store: LocalModelStore;
beforeEach(() => {
  dir = freeDataDir('models-onnx');
  store = new LocalModelStore(dir);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** The rejection message of loading `version` of the tiny MMoE from the temporary store. */
async function loadError(version: string): Promise<string> {
  return loadOnnxModel(store, TINY_MMOE.name, version).then(
    async (model) => {
      await model.release();
      return 'loaded';
    },
    (error: unknown) => (error as Error).message,
  );
}

describe('loadOnnxModel', () => {
  let model: OnnxModel;
  beforeAll(async () => {
    model = await loadOnnxModel(fixtures, TINY_MMOE.name, TINY_MMOE.version);
  });
  afterAll(() => model.release());

  it('loads the fixture with its card and agrees with the card’s parity rows within 1e-5', async () => {
    expect(model.card.version).toBe(TINY_MMOE.version);
    expect(model.width).toBe(6);
    const report = await checkParity(model);
    expect(report).toMatchObject({ ok: true, rows: 5, compared: 15, failures: 0 });
    expect(report.worst?.difference).toBeLessThan(1e-5);
  });

  it('scores a batch in one run exactly as onnxruntime does bare, and as row by row', async () => {
    const rows = 37;
    const input = Float32Array.from({ length: rows * 6 }, (_, i) => ((i * 7919) % 101) / 50 - 0.5 + (i % 6 === 5 ? 300 : 0));
    const batched = await model.run(input, rows);
    const session = await InferenceSession.create(`${fixtureModelStoreDir()}/${TINY_MMOE.name}/${TINY_MMOE.version}/model.onnx`);
    try {
      const bare = await session.run({ features: new Tensor('float32', input, [rows, 6]) });
      for (const name of ['click', 'save', 'dwell']) expect(Array.from(batched[name])).toEqual(Array.from(bare[name].data as Float32Array));
    } finally {
      await session.release();
    }
    for (const r of [0, 18, 36]) {
      const one = await model.run(input.slice(r * 6, r * 6 + 6), 1);
      for (const name of ['click', 'save', 'dwell']) expect(one[name][0]).toBeCloseTo(batched[name][r], 6);
    }
  });

  it('answers no rows with empty outputs and rejects an input of the wrong length', async () => {
    expect(await model.run(new Float32Array(0), 0)).toEqual({ click: new Float32Array(0), save: new Float32Array(0), dwell: new Float32Array(0) });
    await expect(model.run(new Float32Array(11), 2)).rejects.toThrow('run expects rows × 6 input values, got 11 values for 2 rows');
  });
});

describe('loadOnnxModel refuses', () => {
  it('a run after release', async () => {
    await publishTinyMmoe(store, { version: 'v1' });
    const model = await loadOnnxModel(store, TINY_MMOE.name, 'v1');
    await model.release();
    await model.release();
    await expect(model.run(new Float32Array(6), 1)).rejects.toThrow(`model ${TINY_MMOE.name} version v1: run after release`);
  });

  it('a graph onnxruntime cannot load', async () => {
    await publishTinyMmoe(store, { version: 'v1', onnx: new TextEncoder().encode('not a graph') });
    expect(await loadError('v1')).toMatch(/^model ranking\/tiny-mmoe version v1: model.onnx is not a graph onnxruntime can load: /);
  });

  it('a card whose outputs are not the graph’s', async () => {
    await publishTinyMmoe(store, {
      version: 'v1',
      editCard: (card) => {
        (card.outputs as JsonObject[])[2].name = 'dwell_seconds';
        const parity = (card.parity as { outputs: Record<string, number[]> }).outputs;
        parity.dwell_seconds = parity.dwell;
        delete parity.dwell;
      },
    });
    expect(await loadError('v1')).toBe(
      "model ranking/tiny-mmoe version v1: the graph does not match its card: the graph's outputs [click, save, dwell] are not card.outputs [click, save, dwell_seconds]",
    );
  });

  it('a card whose input name or width is not the graph’s', async () => {
    await publishTinyMmoe(store, { version: 'v1', editCard: (card) => ((card.inputs as JsonObject[])[0].name = 'x') });
    expect(await loadError('v1')).toContain("the graph's inputs [features] are not card.inputs [x]");
    await publishTinyMmoe(store, {
      version: 'v2',
      editCard: (card) => {
        const input = (card.inputs as JsonObject[])[0];
        (input.columns as unknown[]).pop();
        input.shape = ['batch', 5];
        for (const row of (card.parity as { rows: number[][] }).rows) row.pop();
      },
    });
    expect(await loadError('v2')).toContain('graph input features has shape [batch, 6], card.inputs says [batch (dynamic), 5]');
  });

  it('a card that names another model or version, or is invalid, or has two inputs', async () => {
    await publishTinyMmoe(store, { version: 'v1', editCard: (card) => (card.version = 'v0') });
    expect(await loadError('v1')).toBe('model ranking/tiny-mmoe version v1: card.version is "v0"');
    await publishTinyMmoe(store, { version: 'v2', editCard: (card) => (card.name = 'ranking/other') });
    expect(await loadError('v2')).toBe('model ranking/tiny-mmoe version v2: card.name is "ranking/other"');
    await publishTinyMmoe(store, { version: 'v3', editCard: (card) => ((card.onnx as JsonObject).opset = 18) });
    expect(await loadError('v3')).toContain('model ranking/tiny-mmoe version v3: invalid model card: card.onnx.opset: expected 17');
    await publishTinyMmoe(store, {
      version: 'v4',
      editCard: (card) => {
        const inputs = card.inputs as JsonObject[];
        inputs.push({ name: 'more', type: 'float32', shape: ['batch', 1], columns: [{ feature: 'item_impressions', mean: 0, std: 1 }] });
        for (const row of (card.parity as { rows: number[][] }).rows) row.push(0);
      },
    });
    expect(await loadError('v4')).toBe('model ranking/tiny-mmoe version v4: serving feeds one input, card.inputs has 2');
  });
});
