/**
 * @jest-environment <rootDir>/../../libs/testing/jest/onnxruntime-environment.js
 */
// onnxruntime-node's output arrays come from the process' realm (see the environment file).
import { cpSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { paretoFront, type FusionTask } from '@recsys/algorithms';
import { readExperimentConfig } from '@recsys/experiments';
import { freeDataDir } from '@recsys/testing';
import { DEMO_MODEL_INPUTS, exportTrainingSet } from './export-training-set';
import {
  chosenSetting,
  defaultGrid,
  formatFusionSearch,
  fusionSearch,
  parseFusionSearchArgs,
  parseGrid,
  ruleLabel,
  writeArm,
  type FusionSearchReport,
  type TruthMetrics,
} from './fusion';

/** The committed model store: its ranking/mmoe reads 13 of the training set's inputs. */
const MODELS = join(__dirname, '..', '..', '..', '..', 'models');
const small = { seed: 3, pins: 600, users: 200, events: 15_000, progress: false };
// Each export replays a small world (a few seconds); the bound is a guard, not a speed check.
jest.setTimeout(120_000);

const TASKS: FusionTask[] = ['click', 'save', 'share', 'hide'].map((name) => ({ name, scale: 'probability' as const }));
const search = (data: string, over: Partial<Parameters<typeof fusionSearch>[0]> = {}) =>
  fusionSearch({ data, store: MODELS, model: 'ranking/mmoe', grid: [], k: 5, topShare: 0.1, progress: false, ...over });

describe('fusion search', () => {
  const dir = freeDataDir('fusion-search');
  const set = join(dir, 'set');
  let report: FusionSearchReport;
  beforeAll(async () => {
    exportTrainingSet({ ...small, out: set });
    report = await search(set, {
      // #1 weighs nothing (the logged order stays); #2 and #4 order by click alike; #3 and #5 add a hide penalty.
      grid: ['sum:click=0', 'sum:click=1;hide=0,-50', 'product:click=1;hide=0,200'],
      out: join(dir, 'report.json'),
    });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('judges every setting on the held-out rows and the logged pages, and writes the report', () => {
    const meta = JSON.parse(readFileSync(join(set, 'meta.json'), 'utf8'));
    expect(report.heldOutRows).toBe(meta.split.test);
    expect(report.pages).toBeGreaterThan(0);
    expect(report.pages).toBeLessThan(report.heldOutRows);
    expect(report.settings.map((s) => `${s.setting} ${ruleLabel(s.rule)}`)).toEqual([
      '1 sum click=0',
      '2 sum click=1 hide=0',
      '3 sum click=1 hide=-50',
      '4 product click=1 hide=0',
      '5 product click=1 hide=200',
    ]);
    expect(Object.keys(report.settings[0].log)).toEqual(['click', 'save', 'share', 'hide', 'dwell']);
    expect(report.settings[0].log.dwell.auc).toBeNull();
    expect(JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'))).toEqual(report);
  });

  it('a rule that weighs nothing keeps the logged order; a sum and a product of click alone order alike', () => {
    const [none, sum, , product] = report.settings;
    expect(none.truth).toEqual(report.logged);
    expect(none.log.click.auc).toBe(0.5);
    expect(product.truth).toEqual(sum.truth);
    for (const task of ['click', 'save', 'share', 'hide']) expect(product.log[task].auc).toBeCloseTo(sum.log[task].auc ?? NaN, 12);
    // Reordering by the predicted click picks pages with more true clicks than the logged order did.
    expect(sum.truth.clicks).toBeGreaterThan(report.logged.clicks);
  });

  it('a hide penalty ranks the logged hides lower and shows fewer true hides, in either kind', () => {
    const [, sum, sumHide, product, productHide] = report.settings;
    expect(sumHide.log.hide.auc).toBeLessThan(sum.log.hide.auc ?? NaN);
    expect(productHide.log.hide.auc).toBeLessThan(product.log.hide.auc ?? NaN);
    expect(sumHide.truth.hides).toBeLessThan(sum.truth.hides);
    expect(productHide.truth.hides).toBeLessThan(product.truth.hides);
  });

  it('marks the settings no other beats on clicks, saves, dwell (up) and hides (down) together', () => {
    const point = (t: TruthMetrics) => [t.clicks, t.saves, t.dwellSeconds, t.hides];
    const front = paretoFront(report.settings.map((s) => point(s.truth)), ['max', 'max', 'max', 'min']).map((i) => i + 1);
    expect(report.pareto).toEqual(front);
    expect(report.settings.filter((s) => s.pareto).map((s) => s.setting)).toEqual(front);
    expect(report.pareto).not.toContain(1); // the logged order is beaten
    const text = formatFusionSearch(report);
    expect(text).toContain(`Pareto-optimal (clicks, saves, dwell higher; hides lower): ${front.length} of 5`);
    for (const s of front) expect(text).toContain(`#${s}  ${ruleLabel(report.settings[s - 1].rule)}`);
  });

  it('chooses the setting to write: --setting N, else the Pareto set when it has one', () => {
    expect(chosenSetting(report, 3).rule).toEqual({ kind: 'sum', weights: { click: 1, hide: -50 } });
    expect(() => chosenSetting(report, 6)).toThrow('--setting: must be a setting\'s number, 1 to 5 (got 6)');
    const one = { ...report, pareto: [2] };
    expect(chosenSetting(one, undefined).setting).toBe(2);
    expect(() => chosenSetting({ ...report, pareto: [2, 5] }, undefined)).toThrow('--setting: is required with --write-arm: the Pareto set has 2 settings (#2, #5)');
  });

  it('selects the model inputs by name, and says which the training set lacks', async () => {
    const lacking = join(dir, 'lacking');
    exportTrainingSet({ ...small, out: lacking, inputs: DEMO_MODEL_INPUTS.filter((name) => name !== 'user_account_age_days') });
    await expect(search(lacking, { grid: ['sum:click=1'] })).rejects.toThrow(/reads user_account_age_days, which the training set does not have/);
  });

  it('fails clearly on a set without keys, an unknown model and a grid the model cannot use', async () => {
    const old = join(dir, 'old');
    cpSync(set, old, { recursive: true });
    rmSync(join(old, 'keys.u32'));
    await expect(search(old)).rejects.toThrow(/keys\.u32 is missing \(the set predates it: export it again/);
    await expect(search(set, { model: 'ranking/none' })).rejects.toThrow(/no ranking\/none model in the model store/);
    await expect(search(set, { grid: ['product:hide=-1'] })).rejects.toThrow('--grid: "product:hide=-1": weights.hide: must be ≥ 0');
  });
});

describe('parseGrid and defaultGrid', () => {
  it('expands every combination of the listed weights, the last task fastest', () => {
    expect(parseGrid(['sum:click=1;hide=0,-10', 'product:save=0.5,1'], TASKS, 'm').map(ruleLabel)).toEqual([
      'sum click=1 hide=0',
      'sum click=1 hide=-10',
      'product save=0.5',
      'product save=1',
    ]);
  });

  it.each([
    ['max:click=1', 'expected KIND:task=w1,w2;... with KIND sum or product'],
    ['sum:click', 'expected task=w1,w2,... (got "click")'],
    ['sum:click=1,x', 'click: "x" is not a finite number'],
    ['sum:click=1;click=2', 'task click is listed twice'],
    ['sum:', 'no task weights'],
    ['sum:dwell=1', 'weights.dwell: not a task of m (tasks: click, save, share, hide)'],
  ])('refuses %s naming what is wrong', (spec, message) => {
    expect(() => parseGrid([spec], TASKS, 'm')).toThrow(`--grid: "${spec}": ${message}`);
  });

  it('is click 1 and save, hide and dwell weights of both kinds, leaving out tasks the model lacks', () => {
    const grid = defaultGrid(TASKS);
    expect(grid).toHaveLength(4 * 4 + 4 * 4);
    expect(grid.every((rule) => rule.weights.click === 1 && !('dwell' in rule.weights))).toBe(true);
    expect(defaultGrid([...TASKS, { name: 'dwell', scale: 'log1p' }])).toHaveLength(4 * 4 * 3 * 2);
  });
});

describe('writeArm', () => {
  const dir = freeDataDir('fusion-arm');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const rule = { kind: 'product' as const, weights: { click: 1, hide: 200 } };
  const file = (name: string, config?: unknown) => {
    const path = join(dir, name);
    if (config !== undefined) writeFileSync(path, JSON.stringify(config));
    return path;
  };
  const full = {
    layers: [
      {
        name: 'fusion',
        buckets: 100,
        arms: [
          { name: 'control', from: 0, to: 50 },
          { name: 'save-heavy', from: 50, to: 100, params: { fusionWeights: { save: 4 }, preRankLimit: 300 } },
        ],
      },
    ],
  };

  it('refuses a new arm in a layer without free buckets, and leaves the file as it was', () => {
    const path = file('full.json', full);
    const before = readFileSync(path, 'utf8');
    expect(() => writeArm({ experiments: path, layer: 'fusion', arm: 'product' }, rule, true)).toThrow(/has no free buckets/);
    expect(() => writeArm({ experiments: path, layer: 'fusion', arm: 'product' }, rule)).toThrow(
      /--write-arm: layer "fusion" of .* has no free buckets \(control \[0, 50\), save-heavy \[50, 100\)\)/,
    );
    expect(() => writeArm({ experiments: path, layer: 'fusion', arm: 'product', from: 40, to: 60 }, rule)).toThrow(/overlap arm/);
    expect(readFileSync(path, 'utf8')).toBe(before);
  });

  it("replaces an arm's rule, dropping its weight overrides and keeping its buckets and other parameters", () => {
    const path = file('replace.json', full);
    expect(writeArm({ experiments: path, layer: 'fusion', arm: 'save-heavy' }, rule)).toEqual({
      action: 'replaced',
      layer: 'fusion',
      arm: 'save-heavy',
      from: 50,
      to: 100,
      droppedFusionWeights: true,
    });
    const arm = readExperimentConfig(path).config.layers[0].arms[1];
    expect(arm).toEqual({ name: 'save-heavy', from: 50, to: 100, params: { preRankLimit: 300, fusion: rule } });
  });

  it('writes nothing on a dry run', () => {
    const path = file('dry.json', full);
    const before = readFileSync(path, 'utf8');
    expect(writeArm({ experiments: path, layer: 'fusion', arm: 'save-heavy' }, rule, true)).toMatchObject({ action: 'replaced' });
    expect(readFileSync(path, 'utf8')).toBe(before);
    expect(existsSync(file('dry-fresh.json'))).toBe(false);
    writeArm({ experiments: file('dry-fresh.json'), layer: 'fusion', arm: 'p' }, rule, true);
    expect(existsSync(file('dry-fresh.json'))).toBe(false);
  });

  it('adds an arm on the largest free range, or creates the file and the layer', () => {
    const path = file('free.json', { layers: [{ name: 'fusion', buckets: 100, arms: [{ name: 'a', from: 10, to: 30 }, { name: 'b', from: 40, to: 60 }] }] });
    expect(writeArm({ experiments: path, layer: 'fusion', arm: 'product' }, rule)).toMatchObject({ action: 'added', from: 60, to: 100 });
    expect(readExperimentConfig(path).config.layers[0].arms[2]).toEqual({ name: 'product', from: 60, to: 100, params: { fusion: rule } });
    const fresh = file('fresh.json');
    expect(existsSync(fresh)).toBe(false);
    expect(writeArm({ experiments: fresh, layer: 'ranking-fusion', arm: 'product' }, rule)).toMatchObject({ action: 'added', from: 0, to: 100 });
    expect(readExperimentConfig(fresh).config.layers).toEqual([{ name: 'ranking-fusion', buckets: 100, arms: [{ name: 'product', from: 0, to: 100, params: { fusion: rule } }] }]);
  });

  it('refuses a result the orchestrator would not read: the fusion parameters owned by another layer', () => {
    const path = file('owned.json', { layers: [{ name: 'other', buckets: 1, arms: [{ name: 'a', from: 0, to: 1, params: { fusionWeights: { save: 2 } } }] }] });
    expect(() => writeArm({ experiments: path, layer: 'fusion', arm: 'product' }, rule)).toThrow(/params\.fusion: is set by layer "other" already/);
  });
});

describe('parseFusionSearchArgs', () => {
  it('reads the options with their defaults', () => {
    expect(parseFusionSearchArgs(['--data', 'd'])).toEqual({ data: 'd', store: 'models', model: 'ranking/mmoe', grid: [], k: 5, topShare: 0.1, out: undefined, writeArm: undefined });
    expect(parseFusionSearchArgs(['--data', 'd', '--write-arm', 'p', '--experiments', 'e.json', '--setting', '3', '--from', '0', '--to', '10']).writeArm).toEqual({
      arm: 'p',
      experiments: 'e.json',
      layer: 'fusion',
      setting: 3,
      from: 0,
      to: 10,
    });
  });

  it.each([
    [[], '--data: is required'],
    [['--data', 'd', '--setting', '2'], '--setting: goes with --write-arm NAME'],
    [['--data', 'd', '--write-arm', 'p'], '--experiments: is required with --write-arm'],
    [['--data', 'd', '--write-arm', 'p', '--experiments', 'e', '--from', '3'], '--to: give both --from and --to, or neither'],
    [['--data', 'd', '--top-share', '0'], '--top-share: must be a number in (0, 1]'],
    [['--data', 'd', '--k', '0'], '--k must be an integer in [1, 1000]'],
  ])('refuses %j', (args, message) => {
    expect(() => parseFusionSearchArgs(args)).toThrow(message);
  });
});
