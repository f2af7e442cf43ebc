// Analysis of a two-arm experiment from user-level data: per-arm summaries, the test, CUPED, SRM and the verdict.
import { RecsysError } from '@recsys/domain';
import {
  criticalValue,
  deltaMethodZTest,
  estimate,
  twoProportionZTest,
  welchTTest,
  type Comparison,
  type Estimate,
  type Interval,
  type TestMethod,
} from './comparison';
import { cupedAdjust } from './cuped';
import { formatP } from './format';
import { coDeviation, meanOf, momentsOf, type Moments } from './moments';
import { SRM_THRESHOLD, srmTest, type SrmResult } from './srm';
import { requireOpenUnit, requirePositive, requireSameLength, requireValues } from './validate';

/** The kinds of metric {@link analyzeExperiment} reads. */
export type MetricKind = 'mean' | 'proportion' | 'ratio';

/** One arm of a `mean` or `proportion` metric: a value per user (0 or 1 for proportions) and optionally the same users' pre-period covariate. */
export interface ValueArm {
  readonly values: ArrayLike<number>;
  /** Pre-period value per user (parallel to values), for CUPED; give it for both arms or neither. */
  readonly covariate?: ArrayLike<number>;
}

/** One arm of a `ratio` metric: numerator and denominator per user (e.g. clicks and impressions), parallel arrays. */
export interface RatioArm {
  readonly numerator: ArrayLike<number>;
  readonly denominator: ArrayLike<number>;
}

/** Settings shared by every metric kind. */
interface AnalyzeSettings {
  /** Expected allocation as weights [control, treatment] (any positive scale). Default [1, 1]. */
  readonly expectedShares?: readonly [number, number];
  /** Two-sided significance level. Default 0.05. */
  readonly alpha?: number;
  /** SRM p-value below which the verdict is blocked. Default {@link SRM_THRESHOLD} (0.001). */
  readonly srmThreshold?: number;
}

/** The data and settings of one analysis; users per arm are the lengths of the arrays. */
export type AnalyzeInput =
  | (AnalyzeSettings & { readonly metric: 'mean' | 'proportion'; readonly control: ValueArm; readonly treatment: ValueArm })
  | (AnalyzeSettings & { readonly metric: 'ratio'; readonly control: RatioArm; readonly treatment: RatioArm });

/** One arm's estimate of the metric. */
export interface ArmSummary extends Moments {
  /**
   * Per-user variance: the sample variance (n − 1) for means, p̂(1 − p̂) for proportions, and for ratios the
   * delta-method variance (s_Y² − 2R s_XY + R² s_X²) / X̄² of a user's contribution.
   */
  readonly variance: number;
  /** √(variance / n). */
  readonly standardError: number;
  /** mean ± t_{1−α/2, n−1} se for means, ± z_{1−α/2} se (Wald) for proportions and ratios. */
  readonly ci: Interval;
}

/** CUPED's part of a report. */
export interface CupedReport {
  readonly theta: number;
  readonly covariateMean: number;
  /** 1 − var(adjusted)/var(unadjusted), within arms. */
  readonly varianceReduction: number;
  /** Summaries of the adjusted metric Y − θ(X − X̄). */
  readonly arms: { readonly control: ArmSummary; readonly treatment: ArmSummary };
  /** Welch's t-test on the adjusted metric (also for proportions: the adjusted values are not 0/1). */
  readonly comparison: Comparison;
}

/** What the verdict rests on: the CUPED-adjusted comparison when a covariate was given, else the plain one. */
export type VerdictBasis = 'cuped' | 'unadjusted';

/** The parts every verdict has. */
interface VerdictFacts {
  readonly basis: VerdictBasis;
  readonly method: TestMethod;
  /** treatment − control. */
  readonly estimate: number;
  readonly ci: Interval;
  readonly relativeLift: Estimate | null;
  readonly pValue: number;
  readonly alpha: number;
  readonly srm: SrmResult;
  /** One line a person can read. */
  readonly reason: string;
}

/**
 * The decision. A sample ratio mismatch blocks it whatever the p-value says: `status: 'blocked-by-srm'` has
 * `blockedBySrm: true` and `significant: false` in its type, so code cannot read a blocked result as a win.
 * Otherwise significant means pValue < α (the sign of `estimate` is the direction).
 */
export type Verdict =
  | (VerdictFacts & { readonly status: 'blocked-by-srm'; readonly blockedBySrm: true; readonly significant: false })
  | (VerdictFacts & { readonly status: 'significant'; readonly blockedBySrm: false; readonly significant: true })
  | (VerdictFacts & { readonly status: 'not-significant'; readonly blockedBySrm: false; readonly significant: false });

/** Everything {@link analyzeExperiment} found. */
export interface ExperimentReport {
  readonly metric: MetricKind;
  readonly alpha: number;
  /** Normalised expected allocation [control, treatment], summing to 1. */
  readonly expectedShares: readonly [number, number];
  readonly arms: { readonly control: ArmSummary; readonly treatment: ArmSummary };
  /** The unadjusted comparison: Welch t (mean), two-proportion z (proportion), delta-method z (ratio). */
  readonly comparison: Comparison;
  /** Null when no covariate was given. */
  readonly cuped: CupedReport | null;
  readonly srm: SrmResult;
  readonly verdict: Verdict;
}

/**
 * Analyses a two-arm experiment from user-level arrays: checks the sample ratio ({@link srmTest}), summarises each
 * arm ({@link summarizeArm}, {@link summarizeRatioArm}), compares treatment with control (Welch t for means,
 * pooled two-proportion z for proportions, delta-method z for ratios), applies CUPED when covariates are given
 * ({@link cupedAdjust}; means and proportions), and gives a {@link Verdict}. Assumes users are independent and each
 * appears in one arm once. Bad input (fewer than 2 users in an arm, non-finite values, a proportion value other
 * than 0/1, arrays of different lengths, a covariate in one arm only, α or shares out of range) is a RecsysError
 * bad request naming the field, e.g. `treatment.values[12]`. O(users).
 */
export function analyzeExperiment(input: AnalyzeInput): ExperimentReport {
  const alpha = input.alpha ?? 0.05;
  requireOpenUnit('alpha', alpha);
  const shares = input.expectedShares ?? [1, 1];
  if (shares.length !== 2) throw RecsysError.badRequest('expectedShares', `needs [control, treatment], got ${shares.length} shares`);
  requirePositive('expectedShares[0]', shares[0]);
  requirePositive('expectedShares[1]', shares[1]);
  const threshold = input.srmThreshold ?? SRM_THRESHOLD;
  requireOpenUnit('srmThreshold', threshold);

  let control: ArmSummary;
  let treatment: ArmSummary;
  let comparison: Comparison;
  let cuped: CupedReport | null = null;
  if (input.metric === 'ratio') {
    control = summarizeRatioArm(input.control, alpha, 'control');
    treatment = summarizeRatioArm(input.treatment, alpha, 'treatment');
    comparison = deltaMethodZTest(control, treatment, alpha);
  } else {
    const kind = input.metric;
    control = summarizeArm(input.control.values, kind, alpha, 'control.values');
    treatment = summarizeArm(input.treatment.values, kind, alpha, 'treatment.values');
    comparison = kind === 'mean' ? welchTTest(control, treatment, alpha) : twoProportionZTest(control, treatment, alpha);
    cuped = cupedReport(input.control, input.treatment, alpha);
  }
  const srm = srmTest([control.n, treatment.n], shares, threshold);
  const shareSum = shares[0] + shares[1];
  return {
    metric: input.metric,
    alpha,
    expectedShares: [shares[0] / shareSum, shares[1] / shareSum],
    arms: { control, treatment },
    comparison,
    cuped,
    srm,
    verdict: verdictOf(cuped === null ? comparison : cuped.comparison, cuped === null ? 'unadjusted' : 'cuped', srm, alpha),
  };
}

/**
 * One arm of a `mean` (sample variance, t interval on n − 1 df) or `proportion` (values 0/1, variance p̂(1 − p̂),
 * Wald z interval) metric. `field` names the array in errors. Needs at least 2 users. O(n).
 */
export function summarizeArm(values: ArrayLike<number>, kind: 'mean' | 'proportion', alpha: number, field = 'values'): ArmSummary {
  requireOpenUnit('alpha', alpha);
  requireValues(field, values, 2);
  const m = momentsOf(values);
  if (kind === 'mean') return withInterval(m, alpha, m.n - 1);
  for (let i = 0; i < values.length; i++) {
    if (values[i] !== 0 && values[i] !== 1) throw RecsysError.badRequest(`${field}[${i}]`, `a proportion takes 0 or 1 per user, got ${values[i]}`);
  }
  return withInterval({ n: m.n, mean: m.mean, variance: m.mean * (1 - m.mean) }, alpha, Infinity);
}

/**
 * One arm of a ratio metric R = ΣY / ΣX = Ȳ / X̄ when users are the unit of randomisation: users' (Y, X) pairs are
 * independent, the ratio's are not, so its variance comes from the delta method,
 * Var(R̂) ≈ (s_Y² − 2R s_XY + R² s_X²) / (n X̄²), with s² and s_XY the sample (n − 1) variances and covariance.
 * Z interval. X̄ must be > 0. `arm` prefixes field names in errors. O(n).
 */
export function summarizeRatioArm(data: RatioArm, alpha: number, arm = 'arm'): ArmSummary {
  requireOpenUnit('alpha', alpha);
  requireValues(`${arm}.numerator`, data.numerator, 2);
  requireValues(`${arm}.denominator`, data.denominator, 2);
  requireSameLength(`${arm}.denominator`, data.denominator, data.numerator.length, `${arm}.numerator`);
  const n = data.numerator.length;
  const my = meanOf(data.numerator);
  const mx = meanOf(data.denominator);
  if (!(mx > 0)) throw RecsysError.badRequest(`${arm}.denominator`, `must have a positive mean (the ratio divides by it), got ${mx}`);
  const r = my / mx;
  const vy = coDeviation(data.numerator, data.numerator, my, my) / (n - 1);
  const vx = coDeviation(data.denominator, data.denominator, mx, mx) / (n - 1);
  const cxy = coDeviation(data.numerator, data.denominator, my, mx) / (n - 1);
  // Rounding can leave a tiny negative where the ratio is the same for every user.
  const variance = Math.max(0, (vy - 2 * r * cxy + r * r * vx) / (mx * mx));
  return withInterval({ n, mean: r, variance }, alpha, Infinity);
}

function withInterval(m: Moments, alpha: number, df: number): ArmSummary {
  const se = Math.sqrt(m.variance / m.n);
  const { ci } = estimate(m.mean, se, criticalValue(alpha, df), 1 - alpha);
  return { n: m.n, mean: m.mean, variance: m.variance, standardError: se, ci };
}

function cupedReport(control: ValueArm, treatment: ValueArm, alpha: number): CupedReport | null {
  if (control.covariate === undefined && treatment.covariate === undefined) return null;
  if (control.covariate === undefined) throw RecsysError.badRequest('control.covariate', 'must be given when treatment.covariate is (both arms or neither)');
  if (treatment.covariate === undefined) throw RecsysError.badRequest('treatment.covariate', 'must be given when control.covariate is (both arms or neither)');
  requireValues('control.covariate', control.covariate, 2);
  requireValues('treatment.covariate', treatment.covariate, 2);
  requireSameLength('control.covariate', control.covariate, control.values.length, 'control.values');
  requireSameLength('treatment.covariate', treatment.covariate, treatment.values.length, 'treatment.values');
  const adjusted = cupedAdjust({ values: control.values, covariate: control.covariate }, { values: treatment.values, covariate: treatment.covariate });
  const c = withInterval(momentsOf(adjusted.control), alpha, adjusted.control.length - 1);
  const t = withInterval(momentsOf(adjusted.treatment), alpha, adjusted.treatment.length - 1);
  return {
    theta: adjusted.theta,
    covariateMean: adjusted.covariateMean,
    varianceReduction: adjusted.varianceReduction,
    arms: { control: c, treatment: t },
    comparison: welchTTest(c, t, alpha),
  };
}

function verdictOf(comparison: Comparison, basis: VerdictBasis, srm: SrmResult, alpha: number): Verdict {
  const d = comparison.difference;
  const facts = {
    basis,
    method: comparison.test.method,
    estimate: d.estimate,
    ci: d.ci,
    relativeLift: comparison.relativeLift,
    pValue: comparison.test.pValue,
    alpha,
    srm,
  };
  const p = formatP(comparison.test.pValue);
  if (srm.blocked) {
    const reason = `blocked: sample ratio mismatch (users ${srm.observed.join(' vs ')}, SRM p = ${formatP(srm.pValue)} < ${srm.threshold}); fix assignment or logging before reading p = ${p}`;
    return { ...facts, status: 'blocked-by-srm', blockedBySrm: true, significant: false, reason };
  }
  if (comparison.test.pValue < alpha) {
    const direction = d.estimate > 0 ? 'higher' : 'lower';
    return { ...facts, status: 'significant', blockedBySrm: false, significant: true, reason: `significant: treatment ${direction} than control (p = ${p} < α = ${alpha})` };
  }
  return { ...facts, status: 'not-significant', blockedBySrm: false, significant: false, reason: `not significant (p = ${p} ≥ α = ${alpha})` };
}
