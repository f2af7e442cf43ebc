// Sample size, power and duration of a two-arm experiment, by the normal approximation to the difference of means.
import { RecsysError } from '@recsys/domain';
import { normalCdf, normalQuantile } from './stats/distributions';
import { requireFinite, requireNonNegative, requireOpenUnit, requirePositive } from './validate';

/**
 * The metric an experiment is planned on, with what is known of it before the experiment.
 * - `proportion`: a per-user 0/1 outcome (converted or not) with baseline rate `baseline` in (0, 1).
 * - `mean`: a per-user continuous outcome with baseline mean `baseline` and per-user `variance` (σ²) in control;
 *   `treatmentVariance` when a pilot showed the treatment changes the spread too (a mixture of pages does), else
 *   the same in both arms.
 * - `ratio`: Σ numerator / Σ denominator over users (clicks per impression) when the unit of randomisation is the
 *   user: per-user means, variances and covariance of numerator Y and denominator X (from past data).
 */
export type MetricDesign =
  | { readonly kind: 'proportion'; readonly baseline: number }
  | { readonly kind: 'mean'; readonly baseline: number; readonly variance: number; readonly treatmentVariance?: number }
  | {
      readonly kind: 'ratio';
      readonly numeratorMean: number;
      readonly denominatorMean: number;
      readonly numeratorVariance: number;
      readonly denominatorVariance: number;
      /** cov(Y, X) per user; must satisfy |cov| ≤ σ_Y σ_X. */
      readonly covariance: number;
    };

/** The minimum detectable effect: treatment − control in the metric's units, or a lift relative to the baseline. */
export type EffectSize = { readonly absolute: number } | { readonly relative: number };

/** How the variance under the null enters a proportion's sample size (see {@link sampleSize}). */
export type ProportionVariance = 'unpooled' | 'pooled';

/** What a sample size is planned from. */
export interface DesignOptions {
  readonly metric: MetricDesign;
  /** The minimum detectable effect; non-zero. */
  readonly mde: EffectSize;
  /** Two-sided significance level, in (0, 1). Default {@link DESIGN_DEFAULTS}.alpha. */
  readonly alpha?: number;
  /** Power 1 − β at the MDE, in (α/2, 1). Default {@link DESIGN_DEFAULTS}.power. */
  readonly power?: number;
  /** Treatment users per control user (n_T = ratio · n_C), > 0. Default 1 (equal arms). */
  readonly allocationRatio?: number;
  /** Proportions only: `unpooled` (default) or `pooled` variance under H0; other metrics reject `pooled`. */
  readonly variance?: ProportionVariance;
}

/** Defaults of {@link DesignOptions}: the conventional α = 0.05 two-sided, 80% power and equal arms. */
export const DESIGN_DEFAULTS = Object.freeze({ alpha: 0.05, power: 0.8, allocationRatio: 1, variance: 'unpooled' as ProportionVariance });

/** Users per arm, from {@link sampleSize}. */
export interface ArmSizes {
  readonly control: number;
  readonly treatment: number;
}

/** A planned sample size and everything it was computed from. */
export interface SampleSize extends ArmSizes {
  readonly metric: MetricDesign['kind'];
  /** control + treatment. */
  readonly total: number;
  /** The unrounded control size the formula gives (control is its ceiling). */
  readonly exactControl: number;
  /** The metric's baseline value: the rate, the mean, or the ratio μ_Y / μ_X. */
  readonly baseline: number;
  /** The metric's value under the alternative: baseline + absoluteEffect. */
  readonly alternative: number;
  readonly absoluteEffect: number;
  /** absoluteEffect / baseline (NaN when the baseline is 0). */
  readonly relativeEffect: number;
  /** Per-user variance of the metric in each arm under H1 (p(1 − p) for proportions, the delta-method variance for ratios). */
  readonly unitVariance: ArmSizes;
  readonly alpha: number;
  /** The power asked for. */
  readonly targetPower: number;
  /** The power of the rounded sizes ({@link powerAt}); at least targetPower. */
  readonly power: number;
  readonly allocationRatio: number;
  readonly variance: ProportionVariance;
}

/**
 * Users per arm to detect the MDE δ with a two-sided level-α test and power 1 − β, by the normal approximation:
 *
 *   n_C = (z_{1−α/2} · s₀ + z_{1−β} · s₁)² / δ²,   n_T = k · n_C,   both rounded up,
 *
 * where k is the allocation ratio, s₁² = v_C + v_T / k (the variance of the difference times n_C under H1) and
 * s₀ = s₁, except for proportions with `variance: 'pooled'`, where s₀² = p̄(1 − p̄)(1 + 1/k) with
 * p̄ = (p_C + k p_T)/(1 + k) (the variance under H0, as the pooled z-test sees it; Fleiss' formula without the
 * continuity correction). Per-user variances v:
 * - proportion: v_C = p(1 − p), v_T = p'(1 − p'), p' = p + δ (the unpooled, "variance under H1" formula);
 * - mean: v_C = v_T = σ²;
 * - ratio R = μ_Y/μ_X: v_C = v_T = (σ_Y² − 2R σ_XY + R² σ_X²) / μ_X², the delta-method variance of a user's
 *   contribution, so Var(R̂) ≈ v / n (assumes the distribution of X and Y per user does not change with the effect).
 *
 * The rejection region's far tail (the chance of a significant result of the wrong sign) is ignored, as usual; it
 * is below α/2 and makes the sizes conservative. Example: p = 0.10, δ = +0.02, α = 0.05, power 0.8 gives 3,839 per
 * arm unpooled and 3,841 pooled. Throws a bad request naming the field for invalid input.
 */
export function sampleSize(options: DesignOptions): SampleSize {
  const d = resolve(options);
  const zAlpha = normalQuantile(1 - d.alpha / 2);
  const zBeta = normalQuantile(d.power);
  const exactControl = (zAlpha * d.s0 + zBeta * d.s1) ** 2 / (d.delta * d.delta);
  const control = Math.ceil(exactControl - 1e-9);
  const treatment = Math.ceil(d.k * exactControl - 1e-9);
  return {
    metric: options.metric.kind,
    control,
    treatment,
    total: control + treatment,
    exactControl,
    baseline: d.baseline,
    alternative: d.baseline + d.delta,
    absoluteEffect: d.delta,
    relativeEffect: d.delta / d.baseline,
    unitVariance: { control: d.vC, treatment: d.vT },
    alpha: d.alpha,
    targetPower: d.power,
    power: powerOf(d, { control, treatment }),
    allocationRatio: d.k,
    variance: d.variance,
  };
}

/**
 * The power of the design's two-sided level-α test with `n` users per arm at the MDE (the inverse of
 * {@link sampleSize}, with the same variances and approximation, both rejection tails counted):
 *
 *   power = Φ((|δ| − z_{1−α/2} se₀) / se₁) + Φ((−|δ| − z_{1−α/2} se₀) / se₁),
 *
 * with se₁ = √(v_C/n_C + v_T/n_T) and se₀ = se₁, or √(p̄(1 − p̄)(1/n_C + 1/n_T)) for pooled proportions
 * (p̄ = (n_C p + n_T p')/(n_C + n_T)).
 * `options.power` and `options.allocationRatio` are not used (the sizes are given); `n` must be ≥ 1 per arm.
 */
export function powerAt(options: DesignOptions, n: ArmSizes): number {
  return powerOf(resolve({ ...options, power: undefined }), n);
}

/** What {@link minimumDetectableEffect} needs: the per-user variance, the sizes and the test's α and power. */
export interface MdeOptions {
  /** Per-user variance of the metric, the same in both arms (σ², or the delta-method variance of a ratio). */
  readonly variance: number;
  readonly n: ArmSizes;
  /** Default {@link DESIGN_DEFAULTS}.alpha. */
  readonly alpha?: number;
  /** Default {@link DESIGN_DEFAULTS}.power. */
  readonly power?: number;
}

/**
 * The smallest |δ| detected with the given power by n users per arm, for a metric of known per-user variance σ²
 * (means and ratios): δ = (z_{1−α/2} + z_{1−β}) σ √(1/n_C + 1/n_T). Proportions have no closed form (their
 * variance depends on δ); use {@link powerAt}.
 */
export function minimumDetectableEffect(options: MdeOptions): number {
  const alpha = options.alpha ?? DESIGN_DEFAULTS.alpha;
  const power = options.power ?? DESIGN_DEFAULTS.power;
  checkLevels(alpha, power);
  requirePositive('variance', options.variance);
  checkSizes(options.n);
  const z = normalQuantile(1 - alpha / 2) + normalQuantile(power);
  return z * Math.sqrt(options.variance * (1 / options.n.control + 1 / options.n.treatment));
}

/** Traffic that can enter the experiment. */
export interface TrafficOptions {
  /** New distinct eligible users per day (users who come back are counted once, on their first day). */
  readonly dailyEligibleUsers: number;
  /** Share of eligible users enrolled in the experiment (both arms together), in (0, 1]. */
  readonly trafficShare: number;
}

/** How long an experiment runs to enrol its users. */
export interface Duration {
  /** Users enrolled per day: dailyEligibleUsers × trafficShare. */
  readonly usersPerDay: number;
  /** totalUsers / usersPerDay, unrounded. */
  readonly exactDays: number;
  /** Whole weeks: ⌈exactDays / 7⌉, at least 1, so every weekday is seen equally often. */
  readonly weeks: number;
  /** weeks × 7: the duration to run. */
  readonly days: number;
}

/**
 * Days to enrol `totalUsers` at dailyEligibleUsers × trafficShare new users a day, rounded up to whole weeks
 * (weekly cycles: a partial week over-weights some weekdays), never less than one week. Assumes each day brings
 * that many users not seen before; with returning users, distinct users grow more slowly and this is optimistic.
 */
export function experimentDuration(totalUsers: number, traffic: TrafficOptions): Duration {
  requirePositive('totalUsers', totalUsers);
  requirePositive('traffic.dailyEligibleUsers', traffic.dailyEligibleUsers);
  if (!(traffic.trafficShare > 0 && traffic.trafficShare <= 1)) {
    throw RecsysError.badRequest('traffic.trafficShare', `must be in (0, 1], got ${traffic.trafficShare}`);
  }
  const usersPerDay = traffic.dailyEligibleUsers * traffic.trafficShare;
  const exactDays = totalUsers / usersPerDay;
  const weeks = Math.max(1, Math.ceil(exactDays / 7 - 1e-12));
  return { usersPerDay, exactDays, weeks, days: weeks * 7 };
}

/** {@link DesignOptions} plus, optionally, the traffic that gives the plan a duration. */
export interface PlanOptions extends DesignOptions {
  readonly traffic?: TrafficOptions;
}

/** A plan: sizes, and when traffic was given, the duration and what running whole weeks buys. */
export interface ExperimentPlan {
  readonly sampleSize: SampleSize;
  /** Null when no traffic was given. */
  readonly duration: Duration | null;
  /**
   * Users per arm enrolled by the end of the rounded duration (days × usersPerDay, split by the allocation ratio)
   * and the power they give; null without traffic.
   */
  readonly atEnd: { readonly n: ArmSizes; readonly power: number } | null;
}

/** Plans an experiment: {@link sampleSize}, then {@link experimentDuration} of its total when traffic is given. */
export function planExperiment(options: PlanOptions): ExperimentPlan {
  const size = sampleSize(options);
  if (options.traffic === undefined) return { sampleSize: size, duration: null, atEnd: null };
  const duration = experimentDuration(size.total, options.traffic);
  const enrolled = duration.days * duration.usersPerDay;
  const control = Math.floor(enrolled / (1 + size.allocationRatio));
  const n = { control, treatment: Math.floor(enrolled - control) };
  return { sampleSize: size, duration, atEnd: { n, power: powerAt(options, n) } };
}

/** A design with defaults applied and the per-user variances worked out. */
interface Resolved {
  readonly alpha: number;
  readonly power: number;
  readonly k: number;
  readonly variance: ProportionVariance;
  readonly baseline: number;
  readonly delta: number;
  readonly vC: number;
  readonly vT: number;
  /** s₀ and s₁ of the sample size formula: √(n_C · variance of the difference), under H0 and under H1. */
  readonly s0: number;
  readonly s1: number;
}

function resolve(options: DesignOptions): Resolved {
  const alpha = options.alpha ?? DESIGN_DEFAULTS.alpha;
  // powerAt passes no power: any valid level will do, it is not used.
  const power = options.power ?? DESIGN_DEFAULTS.power;
  checkLevels(alpha, power);
  const k = options.allocationRatio ?? DESIGN_DEFAULTS.allocationRatio;
  requirePositive('allocationRatio', k);
  const variance = options.variance ?? DESIGN_DEFAULTS.variance;
  if (variance !== 'unpooled' && variance !== 'pooled') throw RecsysError.badRequest('variance', `must be 'unpooled' or 'pooled', got ${String(variance)}`);
  if (variance === 'pooled' && options.metric.kind !== 'proportion') {
    throw RecsysError.badRequest('variance', `'pooled' applies to proportions only; a ${options.metric.kind} metric has one variance`);
  }
  const { baseline, vC, vT: vTOf } = metricVariances(options.metric);
  const delta = effectOf(options.mde, baseline);
  const vT = vTOf(delta);
  const s1 = Math.sqrt(vC + vT / k);
  const s0 = variance === 'pooled' ? Math.sqrt(pooledVariance(baseline, delta, 1, k) * (1 + 1 / k)) : s1;
  return { alpha, power, k, variance, baseline, delta, vC, vT, s0, s1 };
}

function powerOf(d: Resolved, n: ArmSizes): number {
  checkSizes(n);
  const se1 = Math.sqrt(d.vC / n.control + d.vT / n.treatment);
  const se0 = d.variance === 'pooled' ? Math.sqrt(pooledVariance(d.baseline, d.delta, n.control, n.treatment) * (1 / n.control + 1 / n.treatment)) : se1;
  const z = normalQuantile(1 - d.alpha / 2);
  const effect = Math.abs(d.delta);
  return normalCdf((effect - z * se0) / se1) + normalCdf((-effect - z * se0) / se1);
}

/** p̄(1 − p̄) for the overall rate p̄ = (n_C p + n_T (p + δ)) / (n_C + n_T) the pooled z-test would see. */
function pooledVariance(p: number, delta: number, nC: number, nT: number): number {
  const pooled = (nC * p + nT * (p + delta)) / (nC + nT);
  return pooled * (1 - pooled);
}

/** The baseline value and per-user variances of a metric; the treatment variance may depend on the effect δ. */
function metricVariances(metric: MetricDesign): { baseline: number; vC: number; vT: (delta: number) => number } {
  switch (metric.kind) {
    case 'proportion': {
      const p = metric.baseline;
      requireOpenUnit('metric.baseline', p);
      return {
        baseline: p,
        vC: p * (1 - p),
        vT: (delta) => {
          const q = p + delta;
          if (!(q > 0 && q < 1)) throw RecsysError.badRequest('mde', `puts the treatment rate at ${q}, outside (0, 1)`);
          return q * (1 - q);
        },
      };
    }
    case 'mean': {
      requireFinite('metric.baseline', metric.baseline);
      requirePositive('metric.variance', metric.variance);
      const vT = metric.treatmentVariance ?? metric.variance;
      requirePositive('metric.treatmentVariance', vT);
      return { baseline: metric.baseline, vC: metric.variance, vT: () => vT };
    }
    case 'ratio': {
      const { numeratorMean: my, denominatorMean: mx, numeratorVariance: vy, denominatorVariance: vx, covariance: cxy } = metric;
      requireFinite('metric.numeratorMean', my);
      requirePositive('metric.denominatorMean', mx);
      requireNonNegative('metric.numeratorVariance', vy);
      requireNonNegative('metric.denominatorVariance', vx);
      requireFinite('metric.covariance', cxy);
      if (cxy * cxy > vy * vx * (1 + 1e-12)) {
        throw RecsysError.badRequest('metric.covariance', `|cov| must not exceed σ_Y σ_X = ${Math.sqrt(vy * vx)}, got ${cxy}`);
      }
      const r = my / mx;
      const v = (vy - 2 * r * cxy + r * r * vx) / (mx * mx);
      if (!(v > 0)) throw RecsysError.badRequest('metric', 'the ratio has no per-user variance (numerator proportional to denominator); nothing to plan');
      return { baseline: r, vC: v, vT: () => v };
    }
    default:
      throw RecsysError.badRequest('metric.kind', `must be 'proportion', 'mean' or 'ratio', got ${String((metric as { kind?: string }).kind)}`);
  }
}

function effectOf(mde: EffectSize, baseline: number): number {
  const delta = 'absolute' in mde ? mde.absolute : mde.relative * baseline;
  const field = 'absolute' in mde ? 'mde.absolute' : 'mde.relative';
  if (!Number.isFinite(delta) || delta === 0) throw RecsysError.badRequest(field, `must give a finite, non-zero effect, got ${delta}`);
  return delta;
}

function checkLevels(alpha: number, power: number): void {
  requireOpenUnit('alpha', alpha);
  requireOpenUnit('power', power);
  if (power <= alpha / 2) throw RecsysError.badRequest('power', `must exceed α/2 = ${alpha / 2} (a test that rejects by chance has that power), got ${power}`);
}

function checkSizes(n: ArmSizes): void {
  if (!(n.control >= 1) || !Number.isFinite(n.control)) throw RecsysError.badRequest('n.control', `must be at least 1 user, got ${n.control}`);
  if (!(n.treatment >= 1) || !Number.isFinite(n.treatment)) throw RecsysError.badRequest('n.treatment', `must be at least 1 user, got ${n.treatment}`);
}
