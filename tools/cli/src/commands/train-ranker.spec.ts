import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseMultitaskModel, predictTasks, prerankScore } from '@recsys/algorithms';
import { RANKING_FEATURE_NAMES } from '@recsys/features';
import { LocalModelStore } from '@recsys/stores';
import { freeDataDir } from '@recsys/testing';
import { DEFAULT_FUSION, PRERANK_FEATURES, rankerVersion, trainRanker } from './train-ranker';

const small = { seed: 3, pins: 600, users: 200, events: 15_000 };
// Each test trains once or twice (a few seconds on an idle machine); the bound is a guard, not a speed check.
jest.setTimeout(60_000);

describe('trainRanker', () => {
  let out: string;
  beforeEach(() => {
    out = freeDataDir('train-ranker');
  });
  afterEach(() => rmSync(out, { recursive: true, force: true }));

  it('publishes a valid multi-task model under the deterministic version with held-out AUCs', async () => {
    const progress: number[] = [];
    const result = await trainRanker({ ...small, out, onProgress: (done) => progress.push(done) });
    expect(result.version).toBe('v1-seed3-p600-u200-e15000');
    expect(result.version).toBe(rankerVersion(small));
    expect(result.published).toBe(true);
    expect(progress[progress.length - 1]).toBe(15_000);

    const store = new LocalModelStore(out);
    expect((await store.latest('ranking/multitask-logistic'))?.version).toBe(result.version);
    const model = parseMultitaskModel(await store.read('ranking/multitask-logistic', result.version, 'model.json'));
    expect(model.version).toBe(result.version);
    expect(model.features).toEqual([...RANKING_FEATURE_NAMES]);
    expect(Object.keys(model.tasks)).toEqual(['click', 'save', 'hide']);
    expect(model.prerank.features).toEqual([...PRERANK_FEATURES]);
    expect(model.fusion).toEqual(DEFAULT_FUSION);
    expect(model.trainedOn).toMatchObject({ seed: 3, pins: 600, users: 200, events: 15_000 });

    // The simulated world has learnable signal: every head ranks the held-out last 20% better than chance.
    const { auc } = result.metrics;
    expect(auc.click).toBeGreaterThan(0.6);
    expect(auc.save).toBeGreaterThan(0.6);
    expect(auc.prerank).toBeGreaterThan(0.6);
    expect(model.tasks.click.auc).toBe(auc.click);
    expect(result.metrics.trainExamples + result.metrics.testExamples).toBeLessThanOrEqual(result.metrics.impressions);
    expect(result.metrics.trainExamples).toBeGreaterThan(result.metrics.testExamples);

    // The learned heads move the way the features mean: a well-liked, on-topic, high-quality pin beats a poor one.
    const good = { bias: 1, item_ctr_smoothed: 0.2, item_save_rate_smoothed: 0.1, user_topic_affinity: 0.6, creator_ctr_smoothed: 0.2, item_quality: 0.9 };
    const poor = { bias: 1, item_ctr_smoothed: 0.01, item_save_rate_smoothed: 0.005, user_topic_affinity: 0, creator_ctr_smoothed: 0.01, item_quality: 0.1 };
    expect(predictTasks(model, good).click).toBeGreaterThan(predictTasks(model, poor).click);
    expect(prerankScore(model, good)).toBeGreaterThan(prerankScore(model, poor));
  });

  it('is deterministic: the same options again leave the published model untouched', async () => {
    const first = await trainRanker({ ...small, out });
    const file = join(out, 'ranking', 'multitask-logistic', first.version, 'model.json');
    const bytes = readFileSync(file);
    const again = await trainRanker({ ...small, out });
    expect(again).toMatchObject({ version: first.version, published: false });
    expect(again.metrics.auc).toEqual(first.metrics.auc);
    expect(readFileSync(file).equals(bytes)).toBe(true);
  });

  it('refuses to train on too few events to have positives in both splits', async () => {
    await expect(trainRanker({ ...small, events: 60, out })).rejects.toThrow(/raise --events/);
  });
});
