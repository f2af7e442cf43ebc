import type { MultitaskLogisticModel } from '@recsys/algorithms';
import { RANKING_ITEM_INPUTS } from '@recsys/features';
import { loadOnnxModel, planInputs } from '@recsys/models';
import { executePipeline } from '@recsys/pipeline';
import { LocalModelStore } from '@recsys/stores';
import { TINY_MMOE, fixtureModelStoreDir } from '@recsys/testing';
import { rankPipelines } from './pipeline';
import type { LoadedLogisticModel, LoadedOnnxModel, RankingQuery } from './types';

const logisticModel: MultitaskLogisticModel = {
  format: 'recsys.multitask-logistic/v1',
  version: 'l1',
  features: ['item_quality'],
  tasks: { click: { weights: [2], bias: -1 } },
  prerank: { features: ['item_quality'], weights: [1], bias: 0 },
  fusion: { click: 1 },
  trainedOn: {},
};
const logistic: LoadedLogisticModel = {
  kind: 'logistic',
  name: 'ranking/multitask-logistic',
  version: 'l1',
  model: logisticModel,
  tasks: ['click'],
  fusion: { click: 1 },
  itemFeatures: RANKING_ITEM_INPUTS,
};

let onnx: LoadedOnnxModel;
beforeAll(async () => {
  const model = await loadOnnxModel(new LocalModelStore(fixtureModelStoreDir()), TINY_MMOE.name, TINY_MMOE.version);
  const plan = planInputs(model.card);
  onnx = { kind: 'onnx', name: TINY_MMOE.name, version: TINY_MMOE.version, model, plan, tasks: ['click', 'save', 'dwell'], fusion: { click: 1 }, itemFeatures: plan.itemFeatures };
});
afterAll(() => onnx.model.release());

const query = (model: RankingQuery['model']): RankingQuery => ({
  user: { userId: 'u', features: {}, topicAffinity: {} },
  batch: { names: ['item_quality'], rows: 2, values: [0.25, 0.75], topics: ['t'], topicIndexes: [0, 0] },
  model,
  preRank: logistic,
  limit: 2,
  // The weighted sum of the model's default weights (click only: every other prediction weighs 0).
  fusion: { rule: { kind: 'sum', weights: model.fusion }, tasks: model.tasks.map((name) => ({ name, scale: name === 'dwell' ? 'value' : 'probability' })) },
});

describe('rankPipelines', () => {
  it('ranks with the scorer of the model’s kind', async () => {
    const byOnnx = await executePipeline(rankPipelines.onnx.logistic, query(onnx), { deadlineMs: Infinity, debug: true });
    expect(byOnnx.candidates.map((c) => c.tasks?.length)).toEqual([3, 3]);
    expect(Object.keys(byOnnx.traces?.[0].scores ?? {})).toContain('scorer/multitask-onnx');
    const byLogistic = await executePipeline(rankPipelines.logistic.logistic, query(logistic), { deadlineMs: Infinity });
    // click = σ(2q − 1): the q = 0.75 row first.
    expect(byLogistic.candidates.map((c) => c.row)).toEqual([1, 0]);
    expect(byLogistic.candidates[0].rank).toBeCloseTo(1 / (1 + Math.exp(-0.5)), 12);
  });

  it('fails, never skips, when a pipeline is given a model of the other kind', async () => {
    await expect(executePipeline(rankPipelines.logistic.logistic, query(onnx), { deadlineMs: Infinity })).rejects.toThrow(
      `scorer/multitask-logistic cannot score with onnx model ${TINY_MMOE.version}`,
    );
    await expect(executePipeline(rankPipelines.onnx.logistic, query(logistic), { deadlineMs: Infinity })).rejects.toThrow('scorer/multitask-onnx cannot score with logistic model l1');
  });
});
