import {
  DEFAULT_NEGATIVE_TASKS,
  FUSION_PROBABILITY_CLAMP,
  fuseMatrix,
  fusionRuleField,
  fusionRuleProblems,
  parseFusionRule,
  predictionScale,
  withFusionWeights,
  type FusionRule,
  type FusionTask,
} from './fusion';

/** The committed MMoE's tasks: four probabilities and the dwell as ln(1 + seconds). */
const TASKS: FusionTask[] = [
  { name: 'click', scale: 'probability' },
  { name: 'save', scale: 'probability' },
  { name: 'share', scale: 'probability' },
  { name: 'hide', scale: 'probability' },
  { name: 'dwell', scale: 'log1p' },
];
/** Two rows: click, save, share, hide, dwell = ln(1 + seconds) (9 s and 0 s). */
const ROWS = [0.5, 0.2, 0.05, 0.1, Math.log(10), 0.25, 0.01, 0.0, 0.3, 0];

describe('fuseMatrix', () => {
  it('sum: Σ w·v with hide through its negative weight and the dwell in seconds', () => {
    const rule: FusionRule = { kind: 'sum', weights: { click: 1, save: 2, hide: -10, dwell: 0.1 } };
    const fused = fuseMatrix(rule, TASKS, ROWS, 2);
    // Row 0: 0.5 + 2·0.2 − 10·0.1 + 0.1·9 = 0.8; row 1: 0.25 + 0.02 − 3 + 0 = −2.73.
    expect(fused[0]).toBeCloseTo(0.8, 12);
    expect(fused[1]).toBeCloseTo(-2.73, 12);
  });

  it('product: ln Π f^w with hide as (1 − p)^w and the dwell as (1 + seconds)^w', () => {
    const rule: FusionRule = { kind: 'product', weights: { click: 1, save: 0.5, hide: 10, dwell: 0.5 } };
    const fused = fuseMatrix(rule, TASKS, ROWS, 2);
    expect(fused[0]).toBeCloseTo(Math.log(0.5) + 0.5 * Math.log(0.2) + 10 * Math.log(0.9) + 0.5 * Math.log(10), 12);
    expect(fused[1]).toBeCloseTo(Math.log(0.25) + 0.5 * Math.log(0.01) + 10 * Math.log(0.7) + 0, 12);
    // The score is the logarithm of the product itself.
    expect(Math.exp(fused[0])).toBeCloseTo(0.5 * Math.sqrt(0.2) * 0.9 ** 10 * Math.sqrt(10), 12);
  });

  it('product: clamps probabilities of 0 and 1 so the score stays finite', () => {
    const rows = [0, 1, 0, 1, 0];
    const fused = fuseMatrix({ kind: 'product', weights: { click: 1, hide: 2 } }, TASKS, rows, 1);
    expect(fused[0]).toBeCloseTo(3 * Math.log(FUSION_PROBABILITY_CLAMP), 9);
  });

  it('the rule names the undesirable tasks: hide by default, any probability task when it says so', () => {
    expect(DEFAULT_NEGATIVE_TASKS).toEqual(['hide']);
    const asNegative = fuseMatrix({ kind: 'product', weights: { click: 2 }, negative: ['click'] }, TASKS, ROWS, 2);
    expect(asNegative[0]).toBeCloseTo(2 * Math.log(0.5), 12);
    expect(asNegative[1]).toBeCloseTo(2 * Math.log(0.75), 12);
    // Naming other negatives drops the default: hide then enters as p_hide^w.
    const hideAsIs = fuseMatrix({ kind: 'product', weights: { hide: 1 }, negative: ['share'] }, TASKS, ROWS, 2);
    expect(hideAsIs[0]).toBeCloseTo(Math.log(0.1), 12);
  });

  it('reads a value regression in its unit, a negative value counting as 0, and ignores unweighted or unknown tasks', () => {
    const tasks: FusionTask[] = [
      { name: 'click', scale: 'probability' },
      { name: 'dwell', scale: 'value' },
    ];
    const rows = [0.5, 12, 0.5, -3];
    expect(Array.from(fuseMatrix({ kind: 'sum', weights: { dwell: 0.5, share: 100 } }, tasks, rows, 2))).toEqual([6, 0]);
    const product = fuseMatrix({ kind: 'product', weights: { dwell: 2 } }, tasks, rows, 2);
    expect(product[0]).toBeCloseTo(2 * Math.log(13), 12);
    expect(product[1]).toBe(0);
    expect(Array.from(fuseMatrix({ kind: 'sum', weights: {} }, tasks, rows, 2))).toEqual([0, 0]);
  });

  it('writes into the given array', () => {
    const out = new Float64Array(2);
    expect(fuseMatrix({ kind: 'sum', weights: { click: 1 } }, TASKS, ROWS, 2, out)).toBe(out);
    expect(Array.from(out)).toEqual([0.5, 0.25]);
  });
});

describe('predictionScale', () => {
  it('reads a model output: probability, ln(1 + value) by its unit, or a value', () => {
    expect(predictionScale('probability')).toBe('probability');
    expect(predictionScale('regression', 'ln(1 + dwell seconds after the impression); 0 when none')).toBe('log1p');
    expect(predictionScale('regression', 'seconds')).toBe('value');
    expect(predictionScale('regression')).toBe('value');
  });
});

describe('fusionRuleProblems', () => {
  const problems = (rule: FusionRule, tasks?: FusionTask[]) =>
    fusionRuleProblems(rule, { tasks, model: 'model v1' }).map((p) => `${fusionRuleField(p.path)}: ${p.message}`);

  it('accepts a valid rule of either kind', () => {
    expect(problems({ kind: 'sum', weights: { click: 1, hide: -10, dwell: 0.1 } }, TASKS)).toEqual([]);
    expect(problems({ kind: 'product', weights: { click: 1, hide: 10 }, negative: ['hide', 'share'] }, TASKS)).toEqual([]);
  });

  it('names every field at fault', () => {
    expect(problems({ kind: 'max' as 'sum', weights: { click: Number.NaN, colour: 1 } }, TASKS)).toEqual([
      'kind: must be one of sum, product, got "max"',
      'weights.click: must be a finite number, got NaN',
      'weights.colour: not a task of model v1 (tasks: click, save, share, hide, dwell)',
    ]);
    expect(problems({ kind: 'product', weights: { hide: -10 }, negative: ['dwell', 'hide', 'hide'] }, TASKS)).toEqual([
      "weights.hide: must be ≥ 0: a product rule's weights are exponents (an undesirable task enters as (1 − p)^w), got -10",
      'negative[0]: dwell is a regression task: only a probability can be an undesirable outcome',
      'negative[2]: "hide" is named twice',
    ]);
  });

  it('checks task names only when it knows the tasks', () => {
    expect(problems({ kind: 'sum', weights: { colour: 1 }, negative: ['texture'] })).toEqual([]);
    expect(problems({ kind: 'sum', weights: {}, negative: ['texture'] }, TASKS)).toEqual(['negative[0]: not a task of model v1 (tasks: click, save, share, hide, dwell)']);
  });
});

describe('parseFusionRule', () => {
  it('reads { kind, weights, negative? } as a copy', () => {
    const json = { kind: 'product', weights: { click: 1, hide: 4 }, negative: ['hide'] };
    const parsed = parseFusionRule(json);
    expect(parsed).toEqual({ rule: json });
    if ('rule' in parsed) expect(parsed.rule.weights).not.toBe(json.weights);
    expect(parseFusionRule({ kind: 'sum', weights: {} })).toEqual({ rule: { kind: 'sum', weights: {} } });
  });

  it.each([
    ['not an object', [], ': expected an object { kind, weights, negative? }'],
    ['an unknown field', { kind: 'sum', weights: {}, weight: {} }, 'weight: not a field of a fusion rule (kind, weights, negative)'],
    ['weights that are not an object', { kind: 'sum', weights: [1] }, 'weights: expected an object of task → weight'],
    ['a weight that is not a number', { kind: 'sum', weights: { click: '1' } }, 'weights.click: must be a finite number, got "1"'],
    ['negative tasks that are not names', { kind: 'sum', weights: {}, negative: 'hide' }, 'negative: expected an array of task names'],
    ['no kind', { weights: {} }, 'kind: must be one of sum, product, got undefined'],
    ['a negative exponent', { kind: 'product', weights: { hide: -1 } }, "weights.hide: must be ≥ 0: a product rule's weights are exponents"],
  ])('rejects %s naming the field', (_what, json, message) => {
    const parsed = parseFusionRule(json);
    expect('problems' in parsed && parsed.problems.map((p) => `${fusionRuleField(p.path)}: ${p.message}`)).toEqual([expect.stringContaining(message)]);
  });
});

describe('withFusionWeights', () => {
  it('replaces the weights it names and keeps the rest of the rule', () => {
    const rule: FusionRule = { kind: 'product', weights: { click: 1, hide: 4 }, negative: ['hide'] };
    expect(withFusionWeights(rule, { hide: 8, save: 1 })).toEqual({ kind: 'product', weights: { click: 1, hide: 8, save: 1 }, negative: ['hide'] });
    expect(rule.weights).toEqual({ click: 1, hide: 4 });
  });
});
