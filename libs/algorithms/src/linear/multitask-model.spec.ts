import {
  MULTITASK_LOGISTIC_FORMAT,
  parseMultitaskModel,
  predictTaskMatrix,
  predictTasks,
  prerankScore,
  prerankScoreMatrix,
  taskNames,
  type MultitaskLogisticModel,
} from './multitask-model';

/** A small model whose outputs are computed by hand below. */
function model(): MultitaskLogisticModel {
  return {
    format: MULTITASK_LOGISTIC_FORMAT,
    version: 'v1-test',
    features: ['a', 'b'],
    tasks: {
      click: { weights: [1, -2], bias: 0.5, auc: 0.7 },
      save: { weights: [0, 0], bias: 0 },
      hide: { weights: [-1, 0], bias: -1 },
    },
    prerank: { features: ['b', 'c'], weights: [4, 1], bias: -1 },
    fusion: { click: 1, save: 2, hide: -4 },
    trainedOn: { seed: 7 },
  };
}

describe('predictTasks', () => {
  it('computes σ(w·x + b) per task in feature order', () => {
    // click: 1·1 − 2·0.25 + 0.5 = 1 → σ(1); save: σ(0) = 0.5; hide: −1 − 1 = −2 → σ(−2).
    const p = predictTasks(model(), { a: 1, b: 0.25, ignored: 100 });
    expect(p.click).toBeCloseTo(0.7310585786300049, 12);
    expect(p.save).toBe(0.5);
    expect(p.hide).toBeCloseTo(0.11920292202211755, 12);
    expect(Object.keys(p).sort()).toEqual(['click', 'hide', 'save']);
  });

  it('treats missing and non-finite features as 0', () => {
    // click: 0 + 0 + 0.5 → σ(0.5); hide: σ(−1).
    const p = predictTasks(model(), { b: Number.NaN });
    expect(p.click).toBeCloseTo(0.6224593312018546, 12);
    expect(p.hide).toBeCloseTo(0.2689414213699951, 12);
  });
});

describe('prerankScore', () => {
  it('uses the pre-rank head over its own feature list', () => {
    // 4·0.25 + 1·2 − 1 = 2 → σ(2); without c: 4·0.25 − 1 = 0 → 0.5.
    expect(prerankScore(model(), { a: 1, b: 0.25, c: 2 })).toBeCloseTo(0.8807970779778823, 12);
    expect(prerankScore(model(), { a: 1, b: 0.25 })).toBe(0.5);
  });
});

describe('batch scoring (FeatureMatrix)', () => {
  // Columns in another order than the model's features, with an extra one and without `c` (pre-rank reads it).
  const names = ['b', 'x', 'a'];
  const rows = [
    [0.25, 9, 1],
    [-1, 9, 3],
    [Number.NaN, 9, 0.5],
  ];
  const matrix = { names, rows: rows.length, values: Float64Array.from(rows.flat()) };
  const record = (r: number) => Object.fromEntries(names.map((name, j) => [name, rows[r][j]]));

  it('gives every row the task probabilities of the record version, in taskNames order', () => {
    const p = predictTaskMatrix(model(), matrix);
    expect(taskNames(model())).toEqual(['click', 'save', 'hide']);
    rows.forEach((_, r) => expect(Array.from(p.subarray(r * 3, r * 3 + 3))).toEqual(Object.values(predictTasks(model(), record(r)))));
    expect(p[0]).toBeCloseTo(1 / (1 + Math.exp(-1)), 15);
  });

  it('gives every row the pre-rank score of the record version (absent column counts as 0)', () => {
    const scores = prerankScoreMatrix(model(), matrix);
    rows.forEach((_, r) => expect(scores[r]).toBe(prerankScore(model(), record(r))));
    expect(scores[0]).toBeCloseTo(1 / (1 + Math.exp(-(4 * 0.25 - 1))), 15);
  });
});

describe('parseMultitaskModel', () => {
  it('accepts a valid model as an object, JSON text or bytes and returns a copy', () => {
    const m = model();
    const text = JSON.stringify(m);
    expect(parseMultitaskModel(m)).toEqual(m);
    expect(parseMultitaskModel(text)).toEqual(m);
    expect(parseMultitaskModel(new TextEncoder().encode(text))).toEqual(m);
    const parsed = parseMultitaskModel(m);
    parsed.tasks.click.weights[0] = 99;
    expect(m.tasks.click.weights[0]).toBe(1);
  });

  it('defaults a missing trainedOn to an empty object and drops unknown fields', () => {
    const raw: Record<string, unknown> = { ...model(), extra: 1 };
    delete raw.trainedOn;
    const parsed = parseMultitaskModel(raw);
    expect(parsed.trainedOn).toEqual({});
    expect('extra' in parsed).toBe(false);
  });

  it('rejects text that is not JSON', () => {
    expect(() => parseMultitaskModel('{nope')).toThrow(/model: not valid JSON/);
    expect(() => parseMultitaskModel('[1]')).toThrow('model: expected a JSON object');
  });

  it('lists every problem with its path', () => {
    const bad = {
      ...model(),
      format: 'other/v9',
      version: '',
      tasks: { click: { weights: [1], bias: 0 }, save: { weights: [1, Number.POSITIVE_INFINITY], bias: 'x' }, hide: { weights: [0, 0], bias: 0, auc: 2 } },
      prerank: { features: ['b', 'b'], weights: [1, 2, 3], bias: 0 },
      fusion: { click: 1, share: 1, hide: Number.NaN },
    };
    let message = '';
    try {
      parseMultitaskModel(bad);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('model.format: expected "recsys.multitask-logistic/v1", got "other/v9"');
    expect(message).toContain('model.version: expected a non-empty string');
    expect(message).toContain('model.tasks.click.weights: expected 2 weights (one per feature), got 1');
    expect(message).toContain('model.tasks.save.weights[1]: expected a finite number');
    expect(message).toContain('model.tasks.save.bias: expected a finite number');
    expect(message).toContain('model.tasks.hide.auc: expected a number in [0, 1] when present');
    expect(message).toContain('model.prerank.features[1]: duplicate feature name "b"');
    expect(message).toContain('model.prerank.weights: expected 2 weights (one per feature), got 3');
    expect(message).toContain('model.fusion.share: not a task of the model (tasks: click, save, hide)');
    expect(message).toContain('model.fusion.hide: expected a finite number');
  });

  it('requires at least one feature and one task', () => {
    expect(() => parseMultitaskModel({ ...model(), features: [], tasks: {}, fusion: {} })).toThrow(
      /model\.features: expected at least one feature; model\.tasks: expected at least one task/,
    );
  });
});
