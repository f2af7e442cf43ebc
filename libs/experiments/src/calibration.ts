// The calibration harness: seeded A/A and A/B experiments on synthetic users, analysed by this library, to measure
// false-positive rates, SRM detection, power against plan, CUPED's variance reduction and the mSPRT under peeking.
import { createRng, mix32, type Rng } from '@recsys/algorithms';
import { RecsysError } from '@recsys/domain';
import { analyzeExperiment } from './analysis';
import { welchTTest, type Interval } from './comparison';
import { minimumDetectableEffect, powerAt, sampleSize, type ArmSizes } from './design';
import { MsprtMonitor } from './msprt';
import { srmTest, SRM_THRESHOLD } from './srm';
import { normalQuantile } from './stats/distributions';
import { requireOpenUnit, requirePositive } from './validate';

/**
 * Synthetic per-user data.
 * - `conversion`: each user converts with probability `rate` (plus the effect in the treatment arm).
 * - `continuous`: a lognormal outcome Y = exp(μ + σ(ρ Z₁ + √(1 − ρ²) Z₂)) and a pre-period covariate
 *   X = exp(μ + σ Z₁) (Z₁, Z₂ independent standard normals), so log X and log Y have correlation ρ; the treatment
 *   multiplies Y by 1 + lift. E[Y] = e^{μ + σ²/2}, Var[Y] = (e^{σ²} − 1) e^{2μ + σ²},
 *   corr(X, Y) = (e^{ρσ²} − 1)/(e^{σ²} − 1).
 */
export type SyntheticMetric =
  | { readonly kind: 'conversion'; readonly rate: number }
  | { readonly kind: 'continuous'; readonly logMean: number; readonly logSd: number; readonly covariateCorrelation: number };

/** A share of simulated runs, with its 95% Wilson interval (the Monte Carlo error of the figure). */
export interface RateEstimate {
  readonly runs: number;
  readonly hits: number;
  readonly rate: number;
  readonly ci: Interval;
}

/** Settings of {@link simulateAaTests}. */
export interface AaOptions {
  readonly seed: number;
  readonly runs: number;
  readonly usersPerArm: number;
  readonly metric: SyntheticMetric;
  /** Default 0.05. */
  readonly alpha?: number;
}

/** What A/A runs measured. */
export interface AaResult {
  /** Share of runs the unadjusted test called significant (should be α). */
  readonly falsePositives: RateEstimate;
  /** The same for the CUPED-adjusted test (continuous metrics, which have a covariate); else null. */
  readonly cupedFalsePositives: RateEstimate | null;
  /** Mean CUPED variance reduction over runs, and corr(X, Y)² it should approach; null for conversions. */
  readonly varianceReduction: { readonly measured: number; readonly expected: number } | null;
}

/**
 * Runs `runs` A/A experiments (both arms from the same distribution, `usersPerArm` each) through
 * {@link analyzeExperiment} and counts significant results at α. With continuous metrics the covariate is passed,
 * so the CUPED test is measured too. Deterministic given the seed. O(runs × usersPerArm).
 */
export function simulateAaTests(options: AaOptions): AaResult {
  const alpha = options.alpha ?? 0.05;
  checkRuns(options.runs);
  requirePositive('usersPerArm', options.usersPerArm);
  const metric = options.metric;
  let raw = 0;
  let adjusted = 0;
  let reduction = 0;
  for (let run = 0; run < options.runs; run++) {
    const rng = runRng(options.seed, STREAM.aa, run);
    const control = drawArm(rng, metric, options.usersPerArm, 0);
    const treatment = drawArm(rng, metric, options.usersPerArm, 0);
    const report =
      metric.kind === 'conversion'
        ? analyzeExperiment({ metric: 'proportion', control, treatment, alpha })
        : analyzeExperiment({ metric: 'mean', control, treatment, alpha });
    if (report.comparison.test.pValue < alpha) raw++;
    if (report.cuped !== null) {
      if (report.cuped.comparison.test.pValue < alpha) adjusted++;
      reduction += report.cuped.varianceReduction;
    }
  }
  const continuous = metric.kind === 'continuous';
  return {
    falsePositives: rateOf(raw, options.runs),
    cupedFalsePositives: continuous ? rateOf(adjusted, options.runs) : null,
    varianceReduction: continuous ? { measured: reduction / options.runs, expected: covariateCorrelation(metric) ** 2 } : null,
  };
}

/** Settings of {@link simulateSrm}. */
export interface SrmSimulationOptions {
  readonly seed: number;
  readonly runs: number;
  /** Users assigned per run. */
  readonly users: number;
  /** The true chance a user lands in control (0.48 injects a 48/52 split). */
  readonly controlShare: number;
  /** The allocation the test expects. Default [1, 1]. */
  readonly expectedShares?: readonly [number, number];
  /** Default {@link SRM_THRESHOLD}. */
  readonly threshold?: number;
}

/**
 * Assigns `users` users per run to control with probability `controlShare` (one uniform draw each) and counts the
 * runs {@link srmTest} blocks. With controlShare matching the expected shares this is the SRM false-alarm rate
 * (≈ threshold); otherwise the detection rate. O(runs × users).
 */
export function simulateSrm(options: SrmSimulationOptions): RateEstimate {
  checkRuns(options.runs);
  requirePositive('users', options.users);
  requireOpenUnit('controlShare', options.controlShare);
  let blocked = 0;
  for (let run = 0; run < options.runs; run++) {
    const rng = runRng(options.seed, STREAM.srm, run);
    let control = 0;
    for (let u = 0; u < options.users; u++) if (rng.next() < options.controlShare) control++;
    const srm = srmTest([control, options.users - control], options.expectedShares ?? [1, 1], options.threshold ?? SRM_THRESHOLD);
    if (srm.blocked) blocked++;
  }
  return rateOf(blocked, options.runs);
}

/** Settings of {@link simulatePower}: a conversion experiment with a true absolute effect. */
export interface PowerSimulationOptions {
  readonly seed: number;
  readonly runs: number;
  /** Control conversion rate. */
  readonly baseline: number;
  /** True treatment − control difference in rate (the MDE the plan is made for). */
  readonly effect: number;
  /** Default 0.05. */
  readonly alpha?: number;
  /** Power the plan targets. Default 0.8. */
  readonly power?: number;
  /** Users per arm to simulate; default the planned (unpooled) {@link sampleSize}. */
  readonly n?: ArmSizes;
}

/** Measured against planned power. */
export interface PowerResult {
  readonly n: ArmSizes;
  /** {@link powerAt} of the design at n. */
  readonly planned: number;
  /** Share of A/B runs whose two-proportion z-test was significant. */
  readonly measured: RateEstimate;
}

/**
 * Plans a conversion experiment ({@link sampleSize}, unpooled), simulates `runs` A/B experiments at n users per arm
 * with the true effect, analyses each with {@link analyzeExperiment} and compares the share significant with the
 * planned power. O(runs × n).
 */
export function simulatePower(options: PowerSimulationOptions): PowerResult {
  checkRuns(options.runs);
  const alpha = options.alpha ?? 0.05;
  const design = { metric: { kind: 'proportion' as const, baseline: options.baseline }, mde: { absolute: options.effect }, alpha, power: options.power ?? 0.8 };
  const n = options.n ?? sampleSize(design);
  const metric: SyntheticMetric = { kind: 'conversion', rate: options.baseline };
  let significant = 0;
  for (let run = 0; run < options.runs; run++) {
    const rng = runRng(options.seed, STREAM.power, run);
    const control = drawArm(rng, metric, n.control, 0);
    const treatment = drawArm(rng, metric, n.treatment, options.effect);
    if (analyzeExperiment({ metric: 'proportion', control, treatment, alpha }).verdict.significant) significant++;
  }
  return { n: { control: n.control, treatment: n.treatment }, planned: powerAt(design, n), measured: rateOf(significant, options.runs) };
}

/** Settings of {@link simulateSequential}: A/A runs on a continuous metric, looked at after every batch. */
export interface SequentialSimulationOptions {
  readonly seed: number;
  readonly runs: number;
  /** Looks per run. */
  readonly looks: number;
  /** Users added to each arm between looks. */
  readonly usersPerLook: number;
  readonly metric: Extract<SyntheticMetric, { kind: 'continuous' }>;
  /** Default 0.05. */
  readonly alpha?: number;
  /**
   * τ² of the mSPRT. Default: the squared MDE at 80% power of a fixed-horizon test with all looks' users
   * ({@link minimumDetectableEffect} with the metric's true variance), as {@link MsprtOptions} suggests.
   */
  readonly mixingVariance?: number;
}

/** False-positive rates under continuous peeking. */
export interface SequentialResult {
  /** Share of A/A runs in which the mSPRT's always-valid p-value reached α at some look (should be ≤ α). */
  readonly msprt: RateEstimate;
  /** Share in which Welch's fixed-horizon p-value was below α at some look: what peeking does to a classical test. */
  readonly naivePeeking: RateEstimate;
  readonly mixingVariance: number;
}

/**
 * A/A runs on a continuous metric, `looks` looks of `usersPerLook` more users per arm each: at every look the
 * {@link MsprtMonitor} and, for contrast, Welch's t-test on the data so far. A run counts as a false positive if
 * either ever rejects. O(runs × looks × usersPerLook).
 */
export function simulateSequential(options: SequentialSimulationOptions): SequentialResult {
  checkRuns(options.runs);
  requirePositive('looks', options.looks);
  requirePositive('usersPerLook', options.usersPerLook);
  const alpha = options.alpha ?? 0.05;
  const horizon = options.looks * options.usersPerLook;
  const tau2 = options.mixingVariance ?? minimumDetectableEffect({ variance: lognormalVariance(options.metric), n: { control: horizon, treatment: horizon }, alpha }) ** 2;
  let msprt = 0;
  let naive = 0;
  for (let run = 0; run < options.runs; run++) {
    const rng = runRng(options.seed, STREAM.sequential, run);
    const monitor = new MsprtMonitor({ mixingVariance: tau2, alpha });
    let msprtRejected = false;
    let naiveRejected = false;
    for (let look = 0; look < options.looks; look++) {
      monitor.add('control', drawArm(rng, options.metric, options.usersPerLook, 0).values);
      monitor.add('treatment', drawArm(rng, options.metric, options.usersPerLook, 0).values);
      if (monitor.look().rejected) msprtRejected = true;
      if (welchTTest(monitor.moments('control'), monitor.moments('treatment'), alpha).test.pValue < alpha) naiveRejected = true;
    }
    if (msprtRejected) msprt++;
    if (naiveRejected) naive++;
  }
  return { msprt: rateOf(msprt, options.runs), naivePeeking: rateOf(naive, options.runs), mixingVariance: tau2 };
}

/** Settings of {@link runCalibration}; every field has a default in {@link CALIBRATION_DEFAULTS}. */
export interface CalibrationOptions {
  readonly seed?: number;
  readonly alpha?: number;
  /** A/A runs per metric (conversion and continuous). */
  readonly aaRuns?: number;
  readonly aaUsersPerArm?: number;
  readonly conversionRate?: number;
  readonly continuous?: Extract<SyntheticMetric, { kind: 'continuous' }>;
  readonly srmRuns?: number;
  readonly srmUsers?: number;
  /** True control share of the injected mismatch. */
  readonly srmControlShare?: number;
  readonly powerRuns?: number;
  /** Absolute effect on the conversion rate the power check plans for. */
  readonly powerEffect?: number;
  readonly sequentialRuns?: number;
  readonly looks?: number;
  readonly usersPerLook?: number;
}

/**
 * Defaults of the calibration: 4,000 A/A runs of 1,000 users per arm, so the Monte Carlo standard error of a 5%
 * rate is 0.34 points; a 48/52 mismatch over 40,000 users (expected χ² ≈ 64, far beyond the 0.001 threshold's
 * 10.8); the textbook power check p = 0.10, +0.02 (3,839 per arm for 80%); 1,000 mSPRT runs of 20 looks × 250 users.
 */
export const CALIBRATION_DEFAULTS = Object.freeze({
  seed: 7,
  alpha: 0.05,
  aaRuns: 4000,
  aaUsersPerArm: 1000,
  conversionRate: 0.1,
  continuous: Object.freeze({ kind: 'continuous' as const, logMean: 0, logSd: 1, covariateCorrelation: 0.8 }),
  srmRuns: 1000,
  srmUsers: 40_000,
  srmControlShare: 0.48,
  powerRuns: 2000,
  powerEffect: 0.02,
  sequentialRuns: 1000,
  looks: 20,
  usersPerLook: 250,
});

/** Everything {@link runCalibration} measured, with the settings it used. */
export interface CalibrationReport {
  readonly settings: Required<CalibrationOptions>;
  readonly aaConversion: AaResult;
  readonly aaContinuous: AaResult;
  /** Blocked share for the injected split. */
  readonly srmMismatch: RateEstimate;
  /** Blocked share when the split is as planned (the false-alarm rate, ≈ the threshold). */
  readonly srmFalseAlarm: RateEstimate;
  /** At the planned n, and at half of it (a second point on the power curve). */
  readonly power: readonly [PowerResult, PowerResult];
  readonly sequential: SequentialResult;
}

/** Runs every simulation of this file with one set of settings (see {@link CALIBRATION_DEFAULTS}). */
export function runCalibration(options: CalibrationOptions = {}): CalibrationReport {
  const s: Required<CalibrationOptions> = { ...CALIBRATION_DEFAULTS, ...options };
  const aa = (metric: SyntheticMetric) => simulateAaTests({ seed: s.seed, runs: s.aaRuns, usersPerArm: s.aaUsersPerArm, metric, alpha: s.alpha });
  const srm = (controlShare: number) => simulateSrm({ seed: s.seed, runs: s.srmRuns, users: s.srmUsers, controlShare });
  const power = (n?: ArmSizes) => simulatePower({ seed: s.seed, runs: s.powerRuns, baseline: s.conversionRate, effect: s.powerEffect, alpha: s.alpha, n });
  const planned = power();
  const half = { control: Math.ceil(planned.n.control / 2), treatment: Math.ceil(planned.n.treatment / 2) };
  return {
    settings: s,
    aaConversion: aa({ kind: 'conversion', rate: s.conversionRate }),
    aaContinuous: aa(s.continuous),
    srmMismatch: srm(s.srmControlShare),
    srmFalseAlarm: srm(0.5),
    power: [planned, power(half)],
    sequential: simulateSequential({ seed: s.seed, runs: s.sequentialRuns, looks: s.looks, usersPerLook: s.usersPerLook, metric: s.continuous, alpha: s.alpha }),
  };
}

/** Independent random streams per simulation, so changing one's settings does not reshuffle another's draws. */
const STREAM = Object.freeze({ aa: 0x0aa0aa01, srm: 0x05e55e02, power: 0x90e3e503, sequential: 0x5e90e004 });

/** The generator of one run: its seed depends only on (seed, stream, run). */
function runRng(seed: number, stream: number, run: number): Rng {
  // The golden-ratio multiplier spreads consecutive runs; mix32 makes every bit depend on all inputs.
  return createRng(mix32((mix32((Math.trunc(seed) ^ stream) >>> 0) ^ Math.imul(run + 1, 0x9e3779b1)) >>> 0));
}

/** `n` users of one arm; `effect` is the absolute rate difference (conversion) or the multiplicative lift (continuous). */
function drawArm(rng: Rng, metric: SyntheticMetric, n: number, effect: number): { values: Float64Array; covariate?: Float64Array } {
  const values = new Float64Array(n);
  if (metric.kind === 'conversion') {
    const p = metric.rate + effect;
    for (let i = 0; i < n; i++) values[i] = rng.next() < p ? 1 : 0;
    return { values };
  }
  const covariate = new Float64Array(n);
  const { logMean: mu, logSd: s, covariateCorrelation: rho } = metric;
  const rest = Math.sqrt(1 - rho * rho);
  const scale = 1 + effect;
  for (let i = 0; i < n; i++) {
    const z1 = rng.normal();
    const z2 = rng.normal();
    covariate[i] = Math.exp(mu + s * z1);
    values[i] = scale * Math.exp(mu + s * (rho * z1 + rest * z2));
  }
  return { values, covariate };
}

function lognormalVariance(metric: Extract<SyntheticMetric, { kind: 'continuous' }>): number {
  const s2 = metric.logSd * metric.logSd;
  return Math.expm1(s2) * Math.exp(2 * metric.logMean + s2);
}

function covariateCorrelation(metric: Extract<SyntheticMetric, { kind: 'continuous' }>): number {
  const s2 = metric.logSd * metric.logSd;
  return Math.expm1(metric.covariateCorrelation * s2) / Math.expm1(s2);
}

/** hits / runs with the 95% Wilson score interval. */
function rateOf(hits: number, runs: number): RateEstimate {
  const z = normalQuantile(0.975);
  const p = hits / runs;
  const z2n = (z * z) / runs;
  const centre = (p + z2n / 2) / (1 + z2n);
  const half = (z * Math.sqrt((p * (1 - p)) / runs + z2n / (4 * runs))) / (1 + z2n);
  // At 0 or all hits the bounds are exactly 0 or 1; rounding would leave 1e-19 there.
  const lower = hits === 0 ? 0 : centre - half;
  const upper = hits === runs ? 1 : centre + half;
  return { runs, hits, rate: p, ci: { lower, upper, level: 0.95 } };
}

function checkRuns(runs: number): void {
  if (!Number.isInteger(runs) || runs < 1) throw RecsysError.badRequest('runs', `must be a positive integer, got ${runs}`);
}
