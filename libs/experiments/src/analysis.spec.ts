import { RecsysError } from '@recsys/domain';
import { analyzeExperiment, summarizeArm, summarizeRatioArm, type AnalyzeInput } from './analysis';
import { twoProportionZTest, welchTTest } from './comparison';
import { cupedAdjust } from './cuped';
import { srmTest } from './srm';
import { chiSquareSurvival } from './stats/distributions';

/** n users of whom `ones` converted, as a 0/1 array. */
function conversions(n: number, ones: number): Float64Array {
  const a = new Float64Array(n);
  a.fill(1, 0, ones);
  return a;
}

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  return undefined;
}

describe('welchTTest', () => {
  // Control 1..5: mean 3, s² = 2.5; treatment 2, 4, …, 12: mean 7, s² = 14.
  // se² = 2.5/5 + 14/6 = 2.833333, se = 1.683251, t = 4/1.683251 = 2.376354;
  // ν = 2.833333² / (0.5²/4 + 2.333333²/5) = 8.027778 / 1.151389 = 6.972256. (mpmath: p = 0.0492843, t₀.₉₇₅(ν) = 2.366533.)
  const control = summarizeArm([1, 2, 3, 4, 5], 'mean', 0.05);
  const treatment = summarizeArm([2, 4, 6, 8, 10, 12], 'mean', 0.05);
  const result = welchTTest(control, treatment, 0.05);

  it('computes the statistic, Welch–Satterthwaite df, p-value and interval', () => {
    expect(result.test).toMatchObject({ method: 'welch-t' });
    expect(result.test.statistic).toBeCloseTo(2.376354103144018, 12);
    expect(result.test.df).toBeCloseTo(6.972255729794934, 12);
    expect(result.test.pValue).toBeCloseTo(0.04928433820673052, 12);
    expect(result.difference.estimate).toBe(4);
    expect(result.difference.standardError).toBeCloseTo(1.683250823060346, 12);
    expect(result.difference.ci.lower).toBeCloseTo(0.01653130437116786, 11);
    expect(result.difference.ci.upper).toBeCloseTo(7.983468695628832, 11);
    expect(result.difference.ci.level).toBe(0.95);
  });

  it('gives the relative lift with a delta-method standard error', () => {
    // 7/3 − 1 = 1.333333; se = √(2.333333 + (7/3)² · 0.5) / 3 = 0.749485.
    expect(result.relativeLift?.estimate).toBeCloseTo(4 / 3, 14);
    expect(result.relativeLift?.standardError).toBeCloseTo(0.7494854201795579, 13);
  });

  it('flips the sign of the difference and keeps the p-value when the arms are swapped', () => {
    const swapped = welchTTest(treatment, control, 0.05);
    expect(swapped.difference.estimate).toBe(-4);
    expect(swapped.test.statistic).toBeCloseTo(-result.test.statistic, 14);
    expect(swapped.test.pValue).toBeCloseTo(result.test.pValue, 14);
    expect(swapped.difference.ci.lower).toBeCloseTo(-result.difference.ci.upper, 12);
  });

  it('treats identical constant arms as no evidence and distinct constants as certain', () => {
    const same = welchTTest(summarizeArm([2, 2, 2], 'mean', 0.05), summarizeArm([2, 2], 'mean', 0.05), 0.05);
    expect(same.test).toMatchObject({ statistic: 0, pValue: 1, df: 3 });
    const apart = welchTTest(summarizeArm([2, 2, 2], 'mean', 0.05), summarizeArm([3, 3], 'mean', 0.05), 0.05);
    expect(apart.test).toMatchObject({ statistic: Infinity, pValue: 0 });
  });
});

describe('twoProportionZTest', () => {
  // 40/200 against 60/200: pooled p̄ = 0.25, se₀ = √(0.25·0.75·2/200) = 0.0433013, z = 2.309401, p = 0.0209213;
  // the interval uses the unpooled se = √(0.2·0.8/200 + 0.3·0.7/200) = 0.0430116: 0.1 ± 1.959964 · 0.0430116.
  const result = twoProportionZTest(summarizeArm(conversions(200, 40), 'proportion', 0.05), summarizeArm(conversions(200, 60), 'proportion', 0.05), 0.05);

  it('uses the pooled standard error for the test and the unpooled one for the interval', () => {
    expect(result.test).toMatchObject({ method: 'two-proportion-z', df: Infinity });
    expect(result.test.statistic).toBeCloseTo(2.309401076758503, 12);
    expect(result.test.pValue).toBeCloseTo(0.02092133533779402, 12);
    expect(result.difference.ci.lower).toBeCloseTo(0.01569876146648775, 12);
    expect(result.difference.ci.upper).toBeCloseTo(0.1843012385335123, 12);
  });

  it('agrees with the chi-square test of the 2×2 table (z² = χ²)', () => {
    expect(chiSquareSurvival(result.test.statistic ** 2, 1)).toBeCloseTo(result.test.pValue, 13);
  });
});

describe('summarizeRatioArm', () => {
  it('estimates ΣY/ΣX with the delta-method variance', () => {
    // Y = 1, 2, 3, 0; X = 2, 4, 4, 2: R = 1.5/3 = 0.5; s_Y² = 5/3, s_X² = 4/3, s_XY = 4/3;
    // v = (5/3 − 2·0.5·4/3 + 0.25·4/3) / 3² = (2/3)/9 = 0.0740741; se = √(v/4) = 0.136083.
    const arm = summarizeRatioArm({ numerator: [1, 2, 3, 0], denominator: [2, 4, 4, 2] }, 0.05);
    expect(arm.mean).toBe(0.5);
    expect(arm.variance).toBeCloseTo(2 / 27, 15);
    expect(arm.standardError).toBeCloseTo(Math.sqrt(2 / 27 / 4), 15);
    expect(arm.ci.upper - arm.mean).toBeCloseTo(1.959963984540054 * arm.standardError, 14);
  });

  it('has no variance when every user has the same ratio', () => {
    expect(summarizeRatioArm({ numerator: [1, 2, 3], denominator: [10, 20, 30] }, 0.05).variance).toBeCloseTo(0, 15);
  });
});

describe('srmTest', () => {
  it('blocks 4,800 against 5,200 on a 50/50 split: χ² = 2·200²/5000 = 16, p = erfc(√8) = 6.334e-5', () => {
    const srm = srmTest([4800, 5200], [0.5, 0.5]);
    expect(srm.chiSquare).toBeCloseTo(16, 12);
    expect(srm.pValue).toBeCloseTo(6.334248366623984e-5, 15);
    expect(srm).toMatchObject({ df: 1, expected: [5000, 5000], blocked: true, threshold: 0.001 });
  });

  it('passes a split that matches, on any scale of weights and any number of arms', () => {
    const srm = srmTest([5010, 4990], [1, 1]);
    expect(srm.chiSquare).toBeCloseTo(0.04, 12);
    expect(srm.blocked).toBe(false);
    expect(srmTest([200, 100, 100], [2, 1, 1])).toMatchObject({ chiSquare: 0, pValue: 1, df: 2, blocked: false });
  });

  it('honours the threshold', () => {
    expect(srmTest([4800, 5200], [1, 1], 1e-5).blocked).toBe(false);
  });

  it('rejects malformed counts and shares naming the field', () => {
    expect(thrown(() => srmTest([10, 10], [1]))).toMatchObject({ field: 'expectedShares' });
    expect(thrown(() => srmTest([10, 2.5], [1, 1]))).toMatchObject({ field: 'observed[1]' });
    expect(thrown(() => srmTest([10, 10], [1, 0]))).toMatchObject({ field: 'expectedShares[1]' });
    expect(thrown(() => srmTest([10, 10], [1, 1], 2))).toMatchObject({ field: 'srmThreshold' });
  });
});

describe('cupedAdjust', () => {
  // Y = 2X + e in control and Y = 2X + 1 + e in treatment, e = ±1:
  // control X 1..4, Y 3, 3, 5, 9; treatment X 2..5, Y 4, 8, 10, 10. Within arms Σdx·dy = 10 + 10, Σdx² = 5 + 5: θ = 2.
  // X̄ = 3; adjusted control 7, 5, 5, 7 (mean 6), treatment 6, 8, 8, 6 (mean 7): the effect 1 (raw difference 3).
  // SS: raw 24 + 24, adjusted 4 + 4: reduction 1 − 8/48 = 5/6 = ρ² = 20²/(10 · 48).
  const control = { values: [3, 3, 5, 9], covariate: [1, 2, 3, 4] };
  const treatment = { values: [4, 8, 10, 10], covariate: [2, 3, 4, 5] };

  it('finds θ, the adjusted values and the variance reduction', () => {
    const a = cupedAdjust(control, treatment);
    expect(a.theta).toBeCloseTo(2, 14);
    expect(a.covariateMean).toBe(3);
    expect([...a.control]).toEqual([7, 5, 5, 7]);
    expect([...a.treatment]).toEqual([6, 8, 8, 6]);
    expect(a.varianceReduction).toBeCloseTo(5 / 6, 14);
  });

  it('leaves the metric alone when the covariate does not vary', () => {
    const a = cupedAdjust({ values: [1, 2], covariate: [5, 5] }, { values: [3, 4], covariate: [5, 5] });
    expect(a).toMatchObject({ theta: 0, varianceReduction: 0 });
    expect([...a.treatment]).toEqual([3, 4]);
  });
});

describe('analyzeExperiment', () => {
  const meanInput: AnalyzeInput = { metric: 'mean', control: { values: [1, 2, 3, 4, 5] }, treatment: { values: [2, 4, 6, 8, 10, 12] } };

  it('runs the Welch test for means and reports arms, SRM and verdict', () => {
    const r = analyzeExperiment(meanInput);
    expect(r.arms.control).toMatchObject({ n: 5, mean: 3, variance: 2.5 });
    // Control interval: 3 ± t₀.₉₇₅(4) · √(2.5/5) = 3 ± 2.776445 · 0.707107.
    expect(r.arms.control.ci.upper).toBeCloseTo(3 + 2.776445105197794 * Math.sqrt(0.5), 12);
    expect(r.comparison.test.pValue).toBeCloseTo(0.04928433820673052, 12);
    expect(r.cuped).toBeNull();
    expect(r.srm.blocked).toBe(false);
    expect(r.verdict).toMatchObject({ status: 'significant', significant: true, blockedBySrm: false, basis: 'unadjusted', method: 'welch-t', estimate: 4 });
    expect(r.expectedShares).toEqual([0.5, 0.5]);
  });

  it('is not significant at a stricter α', () => {
    expect(analyzeExperiment({ ...meanInput, alpha: 0.01 }).verdict).toMatchObject({ status: 'not-significant', significant: false });
  });

  it('flips the estimate when the arms are swapped, same p-value', () => {
    const a = analyzeExperiment(meanInput);
    const b = analyzeExperiment({ metric: 'mean', control: meanInput.treatment, treatment: meanInput.control });
    expect(b.verdict.estimate).toBe(-a.verdict.estimate);
    expect(b.verdict.pValue).toBeCloseTo(a.verdict.pValue, 14);
  });

  it('blocks the verdict on a sample ratio mismatch even when the effect is significant', () => {
    const r = analyzeExperiment({ metric: 'proportion', control: { values: conversions(4800, 480) }, treatment: { values: conversions(5200, 780) } });
    expect(r.comparison.test.pValue).toBeLessThan(1e-10);
    expect(r.verdict).toMatchObject({ status: 'blocked-by-srm', blockedBySrm: true, significant: false });
    expect(r.verdict.reason).toMatch(/sample ratio mismatch/);
    // The same counts pass when that split was intended.
    expect(analyzeExperiment({ metric: 'proportion', control: { values: conversions(4800, 480) }, treatment: { values: conversions(5200, 780) }, expectedShares: [48, 52] }).verdict.status).toBe('significant');
  });

  it('applies CUPED when covariates are given and bases the verdict on it', () => {
    const r = analyzeExperiment({
      metric: 'mean',
      control: { values: [3, 3, 5, 9], covariate: [1, 2, 3, 4] },
      treatment: { values: [4, 8, 10, 10], covariate: [2, 3, 4, 5] },
    });
    expect(r.comparison.difference.estimate).toBe(3);
    expect(r.cuped?.theta).toBeCloseTo(2, 14);
    expect(r.cuped?.varianceReduction).toBeCloseTo(5 / 6, 14);
    expect(r.cuped?.comparison.difference.estimate).toBeCloseTo(1, 14);
    // Adjusted arms 7, 5, 5, 7 and 6, 8, 8, 6: s² = 4/3 each, se = √(2/3), t = 1.224745, ν = 6.
    expect(r.cuped?.comparison.test.statistic).toBeCloseTo(1 / Math.sqrt(2 / 3), 13);
    expect(r.cuped?.comparison.test.df).toBeCloseTo(6, 13);
    expect(r.verdict).toMatchObject({ basis: 'cuped', status: 'not-significant' });
    expect(r.verdict.estimate).toBeCloseTo(1, 14);
  });

  it('compares ratio metrics by the delta method', () => {
    // Control R = 0.5, v = 2/27; treatment Y 2, 1, 4, 3 over X 2, 2, 4, 4: R = 2.5/3, v = 0.0411523.
    // se = √(2/27/4 + 0.0411523/4) = 0.169725; z = (1/3)/0.169725 = 1.963961.
    const r = analyzeExperiment({
      metric: 'ratio',
      control: { numerator: [1, 2, 3, 0], denominator: [2, 4, 4, 2] },
      treatment: { numerator: [2, 1, 4, 3], denominator: [2, 2, 4, 4] },
    });
    expect(r.comparison.test.method).toBe('delta-method-z');
    expect(r.comparison.difference.estimate).toBeCloseTo(1 / 3, 14);
    expect(r.comparison.difference.standardError).toBeCloseTo(Math.sqrt(2 / 27 / 4 + 0.041152263374485604 / 4), 14);
    expect(r.comparison.relativeLift?.estimate).toBeCloseTo(2 / 3, 14);
  });

  it('rejects bad input as bad requests naming the field', () => {
    const cases: [AnalyzeInput, string][] = [
      [{ metric: 'mean', control: { values: [] }, treatment: { values: [1, 2] } }, 'control.values'],
      [{ metric: 'mean', control: { values: [1, 2] }, treatment: { values: [1] } }, 'treatment.values'],
      [{ metric: 'mean', control: { values: [1, Number.NaN] }, treatment: { values: [1, 2] } }, 'control.values[1]'],
      [{ metric: 'proportion', control: { values: [0, 1] }, treatment: { values: [1, 2] } }, 'treatment.values[1]'],
      [{ ...meanInput, alpha: 0 }, 'alpha'],
      [{ ...meanInput, alpha: 1 }, 'alpha'],
      [{ ...meanInput, expectedShares: [1, -1] }, 'expectedShares[1]'],
      [{ ...meanInput, srmThreshold: 0 }, 'srmThreshold'],
      [{ metric: 'mean', control: { values: [1, 2], covariate: [1, 2] }, treatment: { values: [1, 2] } }, 'treatment.covariate'],
      [{ metric: 'mean', control: { values: [1, 2], covariate: [1, 2, 3] }, treatment: { values: [1, 2], covariate: [1, 2] } }, 'control.covariate'],
      [{ metric: 'ratio', control: { numerator: [1, 2], denominator: [1] }, treatment: { numerator: [1, 2], denominator: [1, 2] } }, 'control.denominator'],
      [{ metric: 'ratio', control: { numerator: [1, 2], denominator: [1, 2] }, treatment: { numerator: [1, 2], denominator: [0, 0] } }, 'treatment.denominator'],
    ];
    for (const [input, field] of cases) {
      const e = thrown(() => analyzeExperiment(input));
      expect(e).toBeInstanceOf(RecsysError);
      expect(e).toMatchObject({ category: 'bad-request', field });
    }
  });
});
