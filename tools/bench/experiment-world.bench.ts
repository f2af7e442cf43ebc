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
import { formatNumber, momentsOf, planExperiment } from '@recsys/experiments';
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
import { abRuns, powerVerdict, shareWithInterval, type AbPopulation, type Arm } from './src/ab-runs';

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
const population: AbPopulation = {
  draw: () => users[draw.int(users.length)],
  week: (u, arm) => week(u, arm === 1, false),
  pre: (u) => week(u, false, true)[sessions - 1],
};

// Pilots of 2,000 users per arm: the per-user variance of weekly saves. The usual plan takes control's variance for both
// arms; the treatment (a mixture of pages) is more variable, so a second plan takes each arm's own variance
// (`experiment plan --treatment-variance`).
const pilotOf = (arm: Arm) => momentsOf(Array.from({ length: 2000 }, () => population.week(population.draw(arm), arm)[sessions - 1]));
const pilotC = pilotOf(0);
const pilotT = pilotOf(1);
const plan = planExperiment({ metric: { kind: 'mean', baseline: pilotC.mean, variance: pilotC.variance }, mde: { absolute: trueEffect }, alpha, power: 0.8 });
const planBoth = planExperiment({
  metric: { kind: 'mean', baseline: pilotC.mean, variance: pilotC.variance, treatmentVariance: pilotT.variance },
  mde: { absolute: trueEffect },
  alpha,
  power: 0.8,
});
const n = plan.sampleSize.control;
const nBoth = planBoth.sampleSize.control;
const test = { alpha, mixingVariance: trueEffect * trueEffect };
const ab = abRuns(population, n, true, powerRuns, test);
const abBoth = abRuns(population, nBoth, true, powerRuns, test);
const aa = abRuns(population, n, false, aaRuns, test);

const cpu = cpus()[0]?.model.trim() ?? 'unknown CPU';
console.log(`A/B tests on the simulated world: seed ${seed}, ${world.pins.length} pins, ${world.users.length} users; ${cpus().length} × ${cpu}, node ${process.version}`);
console.log(`metric: saves per user over ${sessions} daily sessions of ${pageSize} pins; control = popularity, treatment = oracle page in ${q} of sessions`);
console.log(`true effect (world model, all users): +${formatNumber(trueEffect)} saves per user on a control mean of ${formatNumber(baseline)} (expected)`);
console.log(`pilots (2,000 users per arm): control mean ${formatNumber(pilotC.mean)}, variance ${formatNumber(pilotC.variance)}; treatment mean ${formatNumber(pilotT.mean)}, variance ${formatNumber(pilotT.variance)}`);
console.log(`plans for 80% power at α = ${alpha}: ${n} users per arm with control's variance for both arms; ${nBoth} with each arm's own variance`);
console.log('');
console.log(`power at n = ${n} per arm, control's variance (${powerRuns} A/B runs): ${shareWithInterval(ab.plain, powerRuns)}   plan ${formatNumber(plan.sampleSize.power)} ± 0.05 → ${powerVerdict(ab.plain, powerRuns, plan.sampleSize.power)}`);
console.log(`power at n = ${nBoth} per arm, each arm's variance (${powerRuns} A/B runs): ${shareWithInterval(abBoth.plain, powerRuns)}   plan ${formatNumber(planBoth.sampleSize.power)} ± 0.05 → ${powerVerdict(abBoth.plain, powerRuns, planBoth.sampleSize.power)}`);
console.log(`power with CUPED at n = ${n} (pre-period: the week before, control): ${shareWithInterval(ab.cuped, powerRuns)}; mean variance reduction ${formatNumber(ab.reduction)}`);
console.log(`A/A false positives (${aaRuns} runs): Welch ${shareWithInterval(aa.plain, aaRuns)}, CUPED ${shareWithInterval(aa.cuped, aaRuns)}; mSPRT looking every day ${shareWithInterval(aa.sequential, aaRuns)} (≤ ${alpha})`);
console.log(`took ${((Date.now() - started) / 1000).toFixed(1)} s`);
