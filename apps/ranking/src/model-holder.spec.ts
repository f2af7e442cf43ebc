import { rmSync } from 'node:fs';
import { Writable } from 'node:stream';
import type { MultitaskLogisticModel } from '@recsys/algorithms';
import { RecsysError } from '@recsys/domain';
import { createLogger } from '@recsys/logger';
import { LocalModelStore } from '@recsys/stores';
import { TINY_MMOE, freeDataDir, publishTinyMmoe, tinyMmoeFiles, waitFor, type JsonObject } from '@recsys/testing';
import { disposeRankModel, loadPreRankModel, loadRankModel, openModelHolder, type ModelHolder } from './model-holder';
import type { LoadedModel } from './types';

const NAME = TINY_MMOE.name;
const FUSION = { click: 1, save: 2, hide: -10 };
const ROW = Float32Array.from([0.05, 4, 0.1, 0.5, 1, 200]);

let dir: string;
let store: LocalModelStore;
let lines: string[];
let holder: ModelHolder<LoadedModel> | undefined;

const logger = () =>
  createLogger({
    service: 'ranking',
    level: 'info',
    stream: new Writable({
      write: (chunk: Buffer, _encoding, done) => {
        lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
        done();
      },
    }),
  });

function open(name: string = NAME): Promise<ModelHolder<LoadedModel>> {
  return openModelHolder<LoadedModel>({
    store,
    name,
    role: 'ranking model',
    logger: logger(),
    pollMs: 10,
    whenMissing: 'at the test store',
    load: (version) => loadRankModel(store, version, FUSION),
    dispose: disposeRankModel,
  });
}

/** The ONNX model of a loaded version (fails the test for another kind). */
function onnxOf(model: LoadedModel) {
  if (model.kind !== 'onnx') throw new Error(`expected an ONNX model, got ${model.kind}`);
  return model.model;
}

/** A hand-made logistic model (one task over item_quality). */
function logistic(version: string): MultitaskLogisticModel {
  return {
    format: 'recsys.multitask-logistic/v1',
    version,
    features: ['item_quality'],
    tasks: { click: { weights: [2], bias: -1 } },
    prerank: { features: ['item_quality'], weights: [1], bias: 0 },
    fusion: { click: 1 },
    trainedOn: {},
  };
}

const publishLogistic = (name: string, version: string) =>
  store.publish(name, version, { 'model.json': new TextEncoder().encode(JSON.stringify(logistic(version))) });

beforeEach(() => {
  dir = freeDataDir('ranking-holder');
  store = new LocalModelStore(dir);
  lines = [];
  holder = undefined;
});
afterEach(async () => {
  await holder?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('openModelHolder with ONNX versions', () => {
  it('loads the newest version with its input plan, tasks and the configured fusion weights of its tasks', async () => {
    await publishTinyMmoe(store, { version: 'v1' });
    holder = await open();
    const model = holder.current();
    expect(model).toMatchObject({ kind: 'onnx', name: NAME, version: 'v1', tasks: ['click', 'save', 'dwell'], fusion: { click: 1, save: 2 } });
    expect(model.itemFeatures).toContain('item_aspect_ratio');
    expect(lines.some((line) => line.includes('"ranking model loaded"') && line.includes('"v1"'))).toBe(true);
  });

  it('swaps in a newer version; a call holding the old one keeps running on it, which is released after its lease', async () => {
    await publishTinyMmoe(store, { version: 'v1' });
    holder = await open();
    const inFlight = holder.acquire();
    const old = onnxOf(inFlight.model);
    const before = await old.run(ROW, 1);

    await publishTinyMmoe(store, { version: 'v2' });
    await waitFor(() => holder?.current().version === 'v2', { timeoutMs: 5000, what: 'v2 to be swapped in' });
    const next = holder.acquire();
    expect(next.model.version).toBe('v2');
    // The swapped-out session still serves the call that holds it, with the same answers.
    expect(await old.run(ROW, 1)).toEqual(before);
    inFlight.release();
    inFlight.release(); // idempotent: the count does not go below zero
    await expect(old.run(ROW, 1)).rejects.toThrow('run after release');
    // The new version is untouched by the old lease's release.
    expect((await onnxOf(next.model).run(ROW, 1)).click).toEqual(before.click);
    next.release();
  });

  it('releases a swapped-out version at once when no call holds it', async () => {
    await publishTinyMmoe(store, { version: 'v1' });
    holder = await open();
    const v1 = onnxOf(holder.current());
    await publishTinyMmoe(store, { version: 'v2' });
    await waitFor(() => holder?.current().version === 'v2', { timeoutMs: 5000, what: 'v2 to be swapped in' });
    await expect(v1.run(ROW, 1)).rejects.toThrow('run after release');
  });

  it.each([
    ['a corrupt graph', { onnx: new TextEncoder().encode('corrupt') }, 'model.onnx is not a graph onnxruntime can load'],
    [
      'a card that does not match the graph',
      { editCard: (card: JsonObject) => ((card.inputs as JsonObject[])[0].name = 'inputs') },
      "the graph's inputs [features] are not card.inputs [inputs]",
    ],
    [
      'an unknown feature',
      { editCard: (card: JsonObject) => (((card.inputs as JsonObject[])[0].columns as JsonObject[])[4].feature = 'item_colour') },
      'reads features the ranking service cannot compute: "item_colour" (input column 4)',
    ],
    [
      'parity rows the graph does not reproduce',
      { editCard: (card: JsonObject) => ((card.parity as { outputs: Record<string, number[]> }).outputs.dwell[1] += 0.01) },
      "its graph does not reproduce the card's parity rows: 1 of 15 parity values outside",
    ],
  ] as [string, Parameters<typeof publishTinyMmoe>[1], string][])(
    'refuses a newer version with %s, logs why and keeps serving the current one',
    async (_what, broken, reason) => {
      await publishTinyMmoe(store, { version: 'v1' });
      holder = await open();
      await publishTinyMmoe(store, { ...broken, version: 'v2' });
      await waitFor(() => lines.some((line) => line.includes('ranking model not reloaded, keeping the current one') && line.includes('"v2"')), {
        timeoutMs: 5000,
        what: 'v2 to be refused',
      });
      const refusal = JSON.parse(lines.find((line) => line.includes('not reloaded')) ?? '{}') as Record<string, string>;
      expect(refusal).toMatchObject({ level: 'error', model: NAME, version: 'v2', current: 'v1' });
      expect(refusal.error).toContain(reason);
      expect(holder.current().version).toBe('v1');
      expect((await onnxOf(holder.current()).run(ROW, 1)).click).toHaveLength(1);
      // A later good version is taken.
      await publishTinyMmoe(store, { version: 'v3' });
      await waitFor(() => holder?.current().version === 'v3', { timeoutMs: 5000, what: 'v3 to be swapped in' });
    },
  );

  it('refuses to start when the newest version is broken, naming the version and the problem', async () => {
    await publishTinyMmoe(store, { version: 'v1', editCard: (card) => (((card.inputs as JsonObject[])[0].columns as JsonObject[])[5].feature = 'user_shoe_size') });
    await expect(open()).rejects.toThrow(`model ${NAME} version v1 reads features the ranking service cannot compute: "user_shoe_size" (input column 5)`);
    await expect(open('ranking/none')).rejects.toThrow('no ranking/none model in the model store at the test store');
  });

  it('refuses calls after close and releases the current model', async () => {
    await publishTinyMmoe(store, { version: 'v1' });
    holder = await open();
    const model = onnxOf(holder.current());
    await holder.close();
    expect(() => holder?.acquire()).toThrow(RecsysError);
    await waitFor(() => model.run(ROW, 1).then(() => false, () => true), { timeoutMs: 5000, what: 'the session to be released' });
  });
});

describe('loadRankModel and loadPreRankModel', () => {
  it('tell the two kinds apart by their files, and swap from one kind to the other', async () => {
    await publishLogistic(NAME, 'v1');
    holder = await open();
    expect(holder.current()).toMatchObject({ kind: 'logistic', version: 'v1', tasks: ['click'], fusion: { click: 1 } });
    const { card, onnx } = tinyMmoeFiles();
    await store.publish(NAME, 'v2', { 'card.json': new TextEncoder().encode(JSON.stringify({ ...card, version: 'v2' })), 'model.onnx': onnx });
    await waitFor(() => holder?.current().kind === 'onnx', { timeoutMs: 5000, what: 'the ONNX version to be swapped in' });
    expect(holder.current().version).toBe('v2');
  });

  it('refuse a version holding neither kind, and a pre-rank model that is not logistic', async () => {
    await store.publish(NAME, 'v1', { 'weights.bin': new Uint8Array(4) });
    await expect(loadRankModel(store, { name: NAME, version: 'v1', files: ['weights.bin'] }, FUSION)).rejects.toThrow(
      `${NAME} version v1 holds neither card.json (an ONNX multi-task model) nor model.json (a multi-task logistic model); its files: weights.bin`,
    );
    await publishTinyMmoe(store, { version: 'v2' });
    await expect(loadPreRankModel(store, { name: NAME, version: 'v2', files: ['card.json', 'model.onnx'] })).rejects.toThrow(
      `${NAME} version v2 is no pre-rank model`,
    );
    await publishLogistic(NAME, 'v3');
    expect(await loadPreRankModel(store, { name: NAME, version: 'v3', files: ['model.json'] })).toMatchObject({ kind: 'logistic', version: 'v3' });
  });
});
