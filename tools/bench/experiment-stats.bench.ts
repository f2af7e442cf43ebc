/**
 * Calibration of the experiment statistics (@recsys/experiments) on seeded synthetic users: A/A false-positive rates
 * of the two-proportion z-test, Welch's t-test and CUPED; CUPED's variance reduction against corr(X, Y)²; SRM
 * detection of an injected 48/52 split and its false-alarm rate on 50/50; measured power against the plan at the
 * planned n and at half of it; and the mSPRT's false-positive rate when peeking after every batch, beside what the
 * same peeking does to Welch's test. Every rate comes with its 95% Wilson interval (the Monte Carlo error).
 * Exits with code 1 when a figure misses its expectation.
 *   npm run bench:experiments -- [--seed 7] [--aa-runs 4000] [--aa-users 1000] [--srm-runs 1000] [--srm-users 40000]
 *                                [--power-runs 2000] [--sequential-runs 1000] [--looks 20] [--users-per-look 250]
 */
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { formatNumber, planExperiment, planTable, runCalibration, type RateEstimate } from '@recsys/experiments';

const { values } = parseArgs({
  options: {
    seed: { type: 'string', default: '7' },
    'aa-runs': { type: 'string', default: '4000' },
    'aa-users': { type: 'string', default: '1000' },
    'srm-runs': { type: 'string', default: '1000' },
    'srm-users': { type: 'string', default: '40000' },
    'power-runs': { type: 'string', default: '2000' },
    'sequential-runs': { type: 'string', default: '1000' },
    looks: { type: 'string', default: '20' },
    'users-per-look': { type: 'string', default: '250' },
  },
});

const started = process.hrtime.bigint();
const report = runCalibration({
  seed: Number(values.seed),
  aaRuns: Number(values['aa-runs']),
  aaUsersPerArm: Number(values['aa-users']),
  srmRuns: Number(values['srm-runs']),
  srmUsers: Number(values['srm-users']),
  powerRuns: Number(values['power-runs']),
  sequentialRuns: Number(values['sequential-runs']),
  looks: Number(values.looks),
  usersPerLook: Number(values['users-per-look']),
});
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
const s = report.settings;
const alpha = s.alpha;

const f = (x: number, digits = 4) => x.toFixed(digits);
const ci = (r: RateEstimate) => `[${f(r.ci.lower)}, ${f(r.ci.upper)}]`;
const rows: string[][] = [];
let failures = 0;
/** One row: what, the figure, its interval, the expectation and whether the figure meets it. */
function check(what: string, figure: string, interval: string, expected: string, ok: boolean): void {
  if (!ok) failures++;
  rows.push([what, figure, interval, expected, ok ? 'ok' : 'MISS']);
}
const band = (r: RateEstimate) => r.rate >= 0.04 && r.rate <= 0.06;

const aaC = report.aaConversion;
const aaY = report.aaContinuous;
check(`A/A FPR, conversion p=${s.conversionRate} (two-proportion z)`, f(aaC.falsePositives.rate), ci(aaC.falsePositives), '[0.04, 0.06]', band(aaC.falsePositives));
check('A/A FPR, lognormal (Welch t)', f(aaY.falsePositives.rate), ci(aaY.falsePositives), '[0.04, 0.06]', band(aaY.falsePositives));
if (aaY.cupedFalsePositives !== null) {
  check('A/A FPR, lognormal (CUPED, Welch t)', f(aaY.cupedFalsePositives.rate), ci(aaY.cupedFalsePositives), '[0.04, 0.06]', band(aaY.cupedFalsePositives));
}
if (aaY.varianceReduction !== null) {
  const vr = aaY.varianceReduction;
  check('CUPED variance reduction (mean over A/A runs)', f(vr.measured), '', `corr(X,Y)² = ${f(vr.expected)} ± 0.03`, Math.abs(vr.measured - vr.expected) <= 0.03);
}
check(`SRM flag rate, 48/52 split, ${s.srmUsers} users`, f(report.srmMismatch.rate), ci(report.srmMismatch), '≥ 0.99', report.srmMismatch.rate >= 0.99);
check(`SRM false alarms, 50/50 split, ${s.srmUsers} users`, f(report.srmFalseAlarm.rate), ci(report.srmFalseAlarm), '≈ 0.001 (≤ 0.005)', report.srmFalseAlarm.rate <= 0.005);
for (const p of report.power) {
  check(`power at n = ${p.n.control}/arm (plan ${f(p.planned)})`, f(p.measured.rate), ci(p.measured), `${f(p.planned)} ± 0.05`, Math.abs(p.measured.rate - p.planned) <= 0.05);
}
const seq = report.sequential;
check(`mSPRT FPR, peeking after each of ${s.looks} batches`, f(seq.msprt.rate), ci(seq.msprt), `≤ α = ${alpha}`, seq.msprt.rate <= alpha);
check('Welch FPR under the same peeking (contrast)', f(seq.naivePeeking.rate), ci(seq.naivePeeking), `> α = ${alpha}`, seq.naivePeeking.rate > alpha);

const cpu = cpus();
console.log(`Experiment statistics calibration: seed ${s.seed}, α = ${alpha} two-sided; machine ${cpu.length} × ${cpu[0]?.model.trim() ?? 'unknown CPU'}, node ${process.version}`);
console.log(
  `A/A: ${s.aaRuns} runs per metric, ${s.aaUsersPerArm} users per arm; conversion rate ${s.conversionRate}; lognormal Y = exp(${s.continuous.logMean} + ${s.continuous.logSd}(ρZ₁ + √(1−ρ²)Z₂)), covariate X = exp(${s.continuous.logMean} + ${s.continuous.logSd}Z₁), ρ = ${s.continuous.covariateCorrelation}`,
);
console.log(`SRM: ${s.srmRuns} runs per split, users assigned one by one; blocked when p < 0.001`);
console.log(`power: ${s.powerRuns} A/B runs per n, conversion ${s.conversionRate} → ${formatNumber(s.conversionRate + s.powerEffect)}, two-proportion z-test`);
console.log(`sequential: ${s.sequentialRuns} A/A runs on the lognormal metric, ${s.looks} looks × ${s.usersPerLook} users per arm; mSPRT τ² = ${seq.mixingVariance.toPrecision(4)} (squared MDE at 80% power for the final n)`);
console.log('');
console.log(align(['check', 'figure', '95% CI (Monte Carlo)', 'expected', ''], rows));
console.log('');
console.log('the planned power check:');
const plan = planTable(planExperiment({ metric: { kind: 'proportion', baseline: s.conversionRate }, mde: { absolute: s.powerEffect }, alpha }));
console.log(align(plan.headers, plan.rows));
for (const note of plan.notes) console.log(note);
console.log('');
console.log(`${failures === 0 ? 'all figures within expectation' : `${failures} figure(s) MISSED their expectation`}; took ${seconds.toFixed(1)} s`);
if (failures > 0) process.exitCode = 1;

/** Left-aligned columns two spaces apart, a dashed line under the headers. */
function align(headers: string[], body: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...body.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => r.map((v, i) => v.padEnd(widths[i])).join('  ').trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}
