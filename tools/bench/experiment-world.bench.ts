/**
 * A/B tests on the simulated world, where the true effect is known: the planned sample size against the measured power,
 * CUPED's variance reduction on the world's users, the A/A false-positive rate, and the mSPRT's false-positive rate
 * when a team peeks every simulated day. Control shows each user the popularity page; the treatment shows the
 * oracle's page (each user's truly best pins) in a share `q` of sessions and the popularity page otherwise, so its true
 * effect on saves per user is exactly q × the mean over users of Σ sessions (E[saves | oracle page] − E[saves |
 * popularity page]), computed from the world's model before any experiment runs. The metric is saves per user over a
 * week (one session a day); users' responses are drawn by `GroundTruth` (the closed loop's judge) and analysed by
 * `analyzeEngagement`, the code `recsys experiment analyze` runs on logs.
 *   npm run bench:experiments-world -- [--seed 7] [--pins 20000] [--users 5000] [--q 0.1] [--power-runs 400]
 *                                      [--aa-runs 1000] [--sessions 7] [--page-size 10]
 */
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { emptyEngagementCounts, type EngagementCounts } from '@recsys/domain';
import { analyzeEngagement, engagementMetric, formatNumber, mixtureSprt, momentsOf, planExperiment } from '@recsys/experiments';
import {
  DAY_MS,
  GroundTruth,
  createRandom,
  deriveSeed,
  generateWorld,
  oraclePolicy,
  popularityCounts,
  popularityPolicy,
  simulateEvents,
  type Policy,
} from '@recsys/simulator';

const { values } = parseArgs({
  options: {
    seed: { type: 'string', default: '7' },
    pins: { type: 'string', default: '20000' },
    users: { type: 'string', default: '5000' },
    q: { type: 'string', default: '0.1' },
    'power-runs': { type: 'string', default: '400' },
    'aa-runs': { type: 'string', default: '1000' },
    sessions: { type: 'string', default: '7' },
    'page-size': { type: 'string', default: '10' },
  },
});
const seed = Number(values.seed);
const q = Number(values.q);
const sessions = Number(values.sessions);
const pageSize = Number(values['page-size']);
const powerRuns = Number(values['power-runs']);
const aaRuns = Number(values['aa-runs']);
const alpha = 0.05;
const started = Date.now();

const world = generateWorld({ seed, pins: Number(values.pins), users: Number(values.users), days: 30 });
const control = popularityPolicy(world, popularityCounts(simulateEvents(world, { seed, events: 20 * world.users.length })));
const oracle = oraclePolicy(world);
const truth = new GroundTruth(world, seed, 'exp');
const users = world.users.map((_, u) => u);
/** Session k of the experiment week (k = 0..sessions−1) and of the week before (pre-period, for CUPED). */
const at = (k: number, pre: boolean) => world.endMs + (pre ? -7 * DAY_MS : 0) + Math.floor(((k + 0.5) * 7 * DAY_MS) / sessions);

// The true effect, exactly: per user and session the expected saves of both pages, from the world's model.
let deltaSum = 0;
let controlSaves = 0;
for (const u of users) {
  for (let k = 0; k < sessions; k++) {
    const c = truth.reference(control, u, at(k, false), pageSize, k).expected.saves;
    const o = truth.reference(oracle, u, at(k, false), pageSize, k).expected.saves;
    deltaSum += o - c;
    controlSaves += c;
  }
}
const trueEffect = (q * deltaSum) / users.length;
const baseline = controlSaves / users.length;

const draw = createRandom(deriveSeed(seed, 'experiment-world'));
/** One user's sampled saves over the week (cumulative per day) under control or treatment. */
function week(u: number, treated: boolean, pre: boolean): number[] {
  const cumulative: number[] = [];
  let saves = 0;
  for (let k = 0; k < sessions; k++) {
    const policy: Policy = treated && draw.next() < q ? oracle : control;
    const t = at(k, pre);
    const page = truth.reference(policy, u, t, pageSize, k).page;
    for (const e of truth.show(u, page, t, t, 'r', 'home_feed').events) if (e.type === 'save') saves++;
    cumulative.push(saves);
  }
  return cumulative;
}
const tally = (saves: number): EngagementCounts => ({ ...emptyEngagementCounts(), saves });
const pickUsers = (n: number) => Array.from({ length: n }, () => users[draw.int(users.length)]);

// Pilots of 2,000 users per arm: the per-user variance of weekly saves. The usual plan takes control's variance for both
// arms; the treatment (a mixture of pages) is more variable, so a second plan takes the mean of the two arms' variances
// (for equal arms n = (z_α/2 + z_β)² (σ_C² + σ_T²) / δ²).
const pilotOf = (treated: boolean) => momentsOf(pickUsers(2000).map((u) => week(u, treated, false)[sessions - 1]));
const pilotC = pilotOf(false);
const pilotT = pilotOf(true);
const mean = pilotC.mean;
const variance = pilotC.variance;
const plan = planExperiment({ metric: { kind: 'mean', baseline: mean, variance }, mde: { absolute: trueEffect }, alpha, power: 0.8 });
const planBoth = planExperiment({ metric: { kind: 'mean', baseline: mean, variance: (pilotC.variance + pilotT.variance) / 2 }, mde: { absolute: trueEffect }, alpha, power: 0.8 });
let n = plan.sampleSize.control;

const saves = engagementMetric('saves');
/** One experiment of n users per arm: plain and CUPED verdicts, CUPED's variance reduction, and the daily mSPRT looks. */
function experiment(effect: boolean) {
  const arms = [pickUsers(n), pickUsers(n)];
  const weeks = arms.map((group, i) => group.map((u) => week(u, effect && i === 1, false)));
  const pre = arms.map((group) => group.map((u) => week(u, false, true)[sessions - 1]));
  const final = weeks.map((w) => w.map((x) => tally(x[sessions - 1])));
  const plain = analyzeEngagement(saves, { tallies: final[0] }, { tallies: final[1] }, { alpha });
  const cuped = analyzeEngagement(saves, { tallies: final[0], pre: pre[0].map(tally) }, { tallies: final[1], pre: pre[1].map(tally) }, { alpha });
  // A team looking every day: the users' saves so far (all users enrolled on day 1), the mSPRT's always-valid p.
  const looks = Array.from({ length: sessions }, (_, k) => {
    const [c, t] = weeks.map((w) => momentsOf(w.map((x) => x[k])));
    return { difference: t.mean - c.mean, variance: c.variance / c.n + t.variance / t.n };
  });
  const rejectedSequential = mixtureSprt(looks, { mixingVariance: trueEffect * trueEffect, alpha }).rejectedAt !== null;
  return { plain: plain.verdict.significant, cuped: cuped.verdict.significant, reduction: cuped.cuped?.varianceReduction ?? NaN, sequential: rejectedSequential };
}

const rate = (hits: number, runs: number) => {
  const p = hits / runs;
  const z = 1.959964;
  const centre = (p + (z * z) / (2 * runs)) / (1 + (z * z) / runs);
  const half = (z * Math.sqrt((p * (1 - p)) / runs + (z * z) / (4 * runs * runs))) / (1 + (z * z) / runs);
  return `${p.toFixed(4)} [${(centre - half).toFixed(4)}, ${(centre + half).toFixed(4)}]`;
};

let power = 0;
let powerCuped = 0;
let reduction = 0;
for (let r = 0; r < powerRuns; r++) {
  const x = experiment(true);
  if (x.plain) power++;
  if (x.cuped) powerCuped++;
  reduction += x.reduction;
}
const nControlPlan = n;
n = planBoth.sampleSize.control;
let powerBoth = 0;
for (let r = 0; r < powerRuns; r++) if (experiment(true).plain) powerBoth++;
n = nControlPlan;
let aa = 0;
let aaCuped = 0;
let aaSequential = 0;
for (let r = 0; r < aaRuns; r++) {
  const x = experiment(false);
  if (x.plain) aa++;
  if (x.cuped) aaCuped++;
  if (x.sequential) aaSequential++;
}

const cpu = cpus()[0]?.model.trim() ?? 'unknown CPU';
console.log(`A/B tests on the simulated world: seed ${seed}, ${world.pins.length} pins, ${world.users.length} users; ${cpus().length} × ${cpu}, node ${process.version}`);
console.log(`metric: saves per user over ${sessions} daily sessions of ${pageSize} pins; control = popularity, treatment = oracle page in ${q} of sessions`);
console.log(`true effect (world model, all users): +${formatNumber(trueEffect)} saves per user on a control mean of ${formatNumber(baseline)} (expected)`);
console.log(`pilots (2,000 users per arm): control mean ${formatNumber(mean)}, variance ${formatNumber(variance)}; treatment mean ${formatNumber(pilotT.mean)}, variance ${formatNumber(pilotT.variance)}`);
console.log(`plans for 80% power at α = ${alpha}: ${plan.sampleSize.control} users per arm with control's variance for both arms; ${planBoth.sampleSize.control} with the mean of both arms' variances`);
console.log('');
const verdict = (hits: number, target: number) => (Math.abs(hits / powerRuns - target) <= 0.05 ? 'ok' : 'MISS');
console.log(`power at n = ${plan.sampleSize.control} per arm, control's variance (${powerRuns} A/B runs): ${rate(power, powerRuns)}   plan ${formatNumber(plan.sampleSize.power)} ± 0.05 → ${verdict(power, plan.sampleSize.power)}`);
console.log(`power at n = ${planBoth.sampleSize.control} per arm, both arms' variances (${powerRuns} A/B runs): ${rate(powerBoth, powerRuns)}   plan ${formatNumber(planBoth.sampleSize.power)} ± 0.05 → ${verdict(powerBoth, planBoth.sampleSize.power)}`);
console.log(`power with CUPED at n = ${plan.sampleSize.control} (pre-period: the week before, control): ${rate(powerCuped, powerRuns)}; mean variance reduction ${formatNumber(reduction / powerRuns)}`);
console.log(`A/A false positives (${aaRuns} runs): Welch ${rate(aa, aaRuns)}, CUPED ${rate(aaCuped, aaRuns)}; mSPRT looking every day ${rate(aaSequential, aaRuns)} (≤ ${alpha})`);
console.log(`took ${((Date.now() - started) / 1000).toFixed(1)} s`);
