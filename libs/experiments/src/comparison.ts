// Two-arm comparisons: Welch's t-test, the two-proportion z-test and the delta-method z-test, with the difference
// and the relative lift and their confidence intervals.
import { type Moments } from './moments';
import { normalCdf, normalQuantile, studentTCdf, studentTQuantile } from './stats/distributions';
import { requireOpenUnit } from './validate';

/** A two-sided confidence interval. */
export interface Interval {
  readonly lower: number;
  readonly upper: number;
  /** The confidence level 1 − α, e.g. 0.95. */
  readonly level: number;
}

/** A point estimate with its standard error and confidence interval. */
export interface Estimate {
  readonly estimate: number;
  readonly standardError: number;
  readonly ci: Interval;
}

/** Which test produced a {@link TestResult}. */
export type TestMethod = 'welch-t' | 'two-proportion-z' | 'delta-method-z';

/** A two-sided test of "no difference between the arms". */
export interface TestResult {
  readonly method: TestMethod;
  /** The t or z statistic (treatment − control over its standard error); ±Infinity when that error is 0. */
  readonly statistic: number;
  /** Degrees of freedom of the t reference distribution; Infinity for z tests (standard normal). */
  readonly df: number;
  /** Two-sided p-value. */
  readonly pValue: number;
}

/** Treatment against control: the difference, the relative lift and the test. */
export interface Comparison {
  /** treatment − control. */
  readonly difference: Estimate;
  /** treatment / control − 1 with a delta-method interval; null when the control's estimate is 0. */
  readonly relativeLift: Estimate | null;
  readonly test: TestResult;
}

/**
 * Welch's t-test for a difference in means with unequal variances. se = √(s_C²/n_C + s_T²/n_T); df by
 * Welch–Satterthwaite, ν = se⁴ / [(s_C²/n_C)²/(n_C − 1) + (s_T²/n_T)²/(n_T − 1)]; the interval is
 * difference ± t_{1−α/2, ν} se. Assumes independent users and means near-normal (the CLT: n in the hundreds for
 * skewed metrics). When both variances are 0 there is no Welch ν; n_C + n_T − 2 is reported.
 */
export function welchTTest(control: Moments, treatment: Moments, alpha: number): Comparison {
  const vc = control.variance / control.n;
  const vt = treatment.variance / treatment.n;
  const se = Math.sqrt(vc + vt);
  const df = vc + vt > 0 ? (vc + vt) ** 2 / ((vc * vc) / (control.n - 1) + (vt * vt) / (treatment.n - 1)) : control.n + treatment.n - 2;
  return compare(control, treatment, alpha, { method: 'welch-t', df, se, nullSe: se });
}

/**
 * The two-proportion z-test: arms' `mean`s are conversion rates p̂ (their `variance` is not used). The statistic
 * uses the pooled standard error under H0, √(p̄(1 − p̄)(1/n_C + 1/n_T)) with p̄ the overall rate; the interval
 * uses the unpooled one, √(p̂_C(1 − p̂_C)/n_C + p̂_T(1 − p̂_T)/n_T) (Wald). So at the margin the test and the
 * interval can disagree; the p-value decides significance.
 */
export function twoProportionZTest(control: Moments, treatment: Moments, alpha: number): Comparison {
  const pc = control.mean;
  const pt = treatment.mean;
  const se = Math.sqrt((pc * (1 - pc)) / control.n + (pt * (1 - pt)) / treatment.n);
  const pooled = (pc * control.n + pt * treatment.n) / (control.n + treatment.n);
  const nullSe = Math.sqrt(pooled * (1 - pooled) * (1 / control.n + 1 / treatment.n));
  return compare(control, treatment, alpha, { method: 'two-proportion-z', df: Infinity, se, nullSe });
}

/**
 * A z-test of two asymptotically normal estimates whose per-user variance is known to the delta method (ratio
 * metrics): se = √(v_C/n_C + v_T/n_T) with v the arm's `variance`; interval difference ± z_{1−α/2} se.
 */
export function deltaMethodZTest(control: Moments, treatment: Moments, alpha: number): Comparison {
  const se = Math.sqrt(control.variance / control.n + treatment.variance / treatment.n);
  return compare(control, treatment, alpha, { method: 'delta-method-z', df: Infinity, se, nullSe: se });
}

/**
 * The relative lift r = μ_T/μ_C − 1 with its delta-method standard error √(se_T² + (μ_T/μ_C)² se_C²) / |μ_C|
 * (arms independent) and a normal interval r ± z_{1−α/2} se. Null when μ_C = 0 (no lift is defined).
 */
export function relativeLift(control: { mean: number; standardError: number }, treatment: { mean: number; standardError: number }, alpha: number): Estimate | null {
  if (control.mean === 0) return null;
  const ratio = treatment.mean / control.mean;
  const se = Math.sqrt(treatment.standardError ** 2 + ratio * ratio * control.standardError ** 2) / Math.abs(control.mean);
  return estimate(ratio - 1, se, normalQuantile(1 - alpha / 2), 1 - alpha);
}

/** An estimate with the interval estimate ± critical · se at the given level. */
export function estimate(value: number, standardError: number, critical: number, level: number): Estimate {
  return { estimate: value, standardError, ci: { lower: value - critical * standardError, upper: value + critical * standardError, level } };
}

/** The two-sided critical value at level α: t_{1−α/2, df}, or z_{1−α/2} when df is Infinity. */
export function criticalValue(alpha: number, df: number): number {
  return df === Infinity ? normalQuantile(1 - alpha / 2) : studentTQuantile(1 - alpha / 2, df);
}

/** The two-sided p-value of a statistic against t_df (the standard normal when df is Infinity). */
export function twoSidedPValue(statistic: number, df: number): number {
  const lower = df === Infinity ? normalCdf(-Math.abs(statistic)) : studentTCdf(-Math.abs(statistic), df);
  return Math.min(1, 2 * lower);
}

interface TestSpec {
  readonly method: TestMethod;
  readonly df: number;
  /** Standard error of the difference for the interval. */
  readonly se: number;
  /** Standard error of the difference under H0, for the statistic. */
  readonly nullSe: number;
}

function compare(control: Moments, treatment: Moments, alpha: number, spec: TestSpec): Comparison {
  requireOpenUnit('alpha', alpha);
  const diff = treatment.mean - control.mean;
  // A zero standard error with a difference is a certain difference; with none, no evidence at all.
  const statistic = spec.nullSe > 0 ? diff / spec.nullSe : diff === 0 ? 0 : Math.sign(diff) * Infinity;
  const level = 1 - alpha;
  const lift = relativeLift(
    { mean: control.mean, standardError: Math.sqrt(armVariance(control, spec.method) / control.n) },
    { mean: treatment.mean, standardError: Math.sqrt(armVariance(treatment, spec.method) / treatment.n) },
    alpha,
  );
  return {
    difference: estimate(diff, spec.se, criticalValue(alpha, spec.df), level),
    relativeLift: lift,
    test: { method: spec.method, statistic, df: spec.df, pValue: twoSidedPValue(statistic, spec.df) },
  };
}

/** A user's variance in an arm as the test sees it: p(1 − p) for proportions, the arm's variance otherwise. */
function armVariance(arm: Moments, method: TestMethod): number {
  return method === 'two-proportion-z' ? arm.mean * (1 - arm.mean) : arm.variance;
}
