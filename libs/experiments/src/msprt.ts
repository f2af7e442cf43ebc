// The mixture sequential probability ratio test (mSPRT) for a difference in means: always-valid p-values that may be
// looked at after every batch without inflating the false-positive rate (Johari, Koomen, Pekelis & Walsh 2017).
import { type ArmSizes } from './design';
import { type Moments } from './moments';
import { requireFinite, requireNonNegative, requireOpenUnit, requirePositive, requireValues } from './validate';

/** One look at the data: the estimated difference treatment − control and the variance of that estimate. */
export interface SequentialLook {
  /** θ̂_n: the difference of the arms' means at this look. */
  readonly difference: number;
  /** V_n = s_C²/n_C + s_T²/n_T: the variance of θ̂_n; looks with V_n = 0 carry no evidence. */
  readonly variance: number;
}

/**
 * Settings of the mSPRT. `mixingVariance` τ² is the variance of the normal mixture over effects the test averages
 * its likelihood ratio over; it is in squared metric units and has no universal default. Johari et al. choose it
 * from the distribution of effects seen in past experiments; without such a history, the squared minimum
 * detectable effect the experiment was planned for is a sensible choice (the mixture then weighs effects of the
 * size the experiment is meant to find). For Gaussian data of known variance any τ² > 0 keeps the guarantee
 * P(p_n ≤ α for some n | H0) ≤ α; τ² only moves power between small and large effects.
 */
export interface MsprtOptions {
  /** τ² > 0, in squared units of the metric. */
  readonly mixingVariance: number;
  /** Level at which {@link MsprtResult.rejectedAt} is reported. Default 0.05. */
  readonly alpha?: number;
  /** θ₀, the difference under the null. Default 0. */
  readonly nullDifference?: number;
}

/** The always-valid p-values of a sequence of looks. */
export interface MsprtResult {
  /** p_n = min(1, p_{n−1}, 1/Λ_n), non-increasing; p_n ≤ α at any n rejects H0 with type I error ≤ α. */
  readonly pValues: readonly number[];
  /** ln Λ_n per look (0 for looks without evidence). */
  readonly logLikelihoodRatios: readonly number[];
  /** Index of the first look with p ≤ α, or null if none. */
  readonly rejectedAt: number | null;
  readonly alpha: number;
  readonly mixingVariance: number;
}

/**
 * ln Λ_n of the normal-mixture likelihood ratio for θ̂_n ~ N(θ, V_n) with θ ~ N(θ₀, τ²) under the alternative:
 *
 *   Λ_n = √(V_n / (V_n + τ²)) · exp( (θ̂_n − θ₀)² τ² / (2 V_n (V_n + τ²)) ).
 *
 * The guarantee holds exactly when V_n is the known variance of Gaussian data; with the plug-in sample variance it
 * is approximate, and good once each arm has some hundreds of users. Returns 0 when V_n = 0.
 */
export function msprtLogLikelihoodRatio(look: SequentialLook, mixingVariance: number, nullDifference = 0): number {
  const v = look.variance;
  if (!(v > 0)) return 0;
  const d = look.difference - nullDifference;
  return 0.5 * Math.log(v / (v + mixingVariance)) + (d * d * mixingVariance) / (2 * v * (v + mixingVariance));
}

/** The mSPRT over a sequence of looks (see {@link MsprtOptions}, {@link msprtLogLikelihoodRatio}). O(looks). */
export function mixtureSprt(looks: readonly SequentialLook[], options: MsprtOptions): MsprtResult {
  const { alpha, tau2, theta0 } = checkOptions(options);
  const pValues: number[] = [];
  const logLikelihoodRatios: number[] = [];
  let p = 1;
  let rejectedAt: number | null = null;
  looks.forEach((look, i) => {
    requireFinite(`looks[${i}].difference`, look.difference);
    requireNonNegative(`looks[${i}].variance`, look.variance);
    const logLr = msprtLogLikelihoodRatio(look, tau2, theta0);
    p = Math.min(p, Math.exp(-logLr));
    pValues.push(p);
    logLikelihoodRatios.push(logLr);
    if (rejectedAt === null && p <= alpha) rejectedAt = i;
  });
  return { pValues, logLikelihoodRatios, rejectedAt, alpha, mixingVariance: tau2 };
}

/** What a {@link MsprtMonitor} sees at one look. */
export interface MonitorLook extends SequentialLook {
  readonly n: ArmSizes;
  readonly logLikelihoodRatio: number;
  /** The always-valid p-value so far (non-increasing over looks). */
  readonly pValue: number;
  /** True once pValue ≤ α (and from then on). */
  readonly rejected: boolean;
}

/**
 * A streaming mSPRT: add users to either arm as they arrive (running means and variances by Welford's method, O(1)
 * memory), and {@link look} whenever wanted; the p-value is valid however often and whenever one looks.
 */
export class MsprtMonitor {
  private readonly alpha: number;
  private readonly tau2: number;
  private readonly theta0: number;
  private readonly arms = { control: new RunningMoments(), treatment: new RunningMoments() };
  private p = 1;

  constructor(options: MsprtOptions) {
    const { alpha, tau2, theta0 } = checkOptions(options);
    this.alpha = alpha;
    this.tau2 = tau2;
    this.theta0 = theta0;
  }

  /** Adds users' values to an arm; a non-finite value is a bad request naming `<arm>[i]`. O(values). */
  add(arm: keyof ArmSizes, values: ArrayLike<number>): void {
    requireValues(arm, values, 0);
    const m = this.arms[arm];
    for (let i = 0; i < values.length; i++) m.push(values[i]);
  }

  /** The moments of an arm so far (e.g. for a fixed-horizon test at the end). */
  moments(arm: keyof ArmSizes): Moments {
    return this.arms[arm].moments();
  }

  /** Looks: updates and returns the always-valid p-value. Arms with fewer than 2 users give a look without evidence. */
  look(): MonitorLook {
    const c = this.arms.control.moments();
    const t = this.arms.treatment.moments();
    const enough = c.n >= 2 && t.n >= 2;
    const difference = enough ? t.mean - c.mean : 0;
    const variance = enough ? c.variance / c.n + t.variance / t.n : 0;
    const logLikelihoodRatio = msprtLogLikelihoodRatio({ difference, variance }, this.tau2, this.theta0);
    this.p = Math.min(this.p, Math.exp(-logLikelihoodRatio));
    return { n: { control: c.n, treatment: t.n }, difference, variance, logLikelihoodRatio, pValue: this.p, rejected: this.p <= this.alpha };
  }
}

/** Welford's running mean and sum of squared deviations. */
class RunningMoments {
  private n = 0;
  private mean = 0;
  private m2 = 0;

  push(x: number): void {
    this.n += 1;
    const d = x - this.mean;
    this.mean += d / this.n;
    this.m2 += d * (x - this.mean);
  }

  moments(): Moments {
    return { n: this.n, mean: this.mean, variance: this.n > 1 ? this.m2 / (this.n - 1) : 0 };
  }
}

function checkOptions(options: MsprtOptions): { alpha: number; tau2: number; theta0: number } {
  requirePositive('mixingVariance', options.mixingVariance);
  const alpha = options.alpha ?? 0.05;
  requireOpenUnit('alpha', alpha);
  const theta0 = options.nullDifference ?? 0;
  requireFinite('nullDifference', theta0);
  return { alpha, tau2: options.mixingVariance, theta0 };
}

