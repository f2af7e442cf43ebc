/**
 * A/B and A/A tests on pages the RUNNING system served in the closed loop (`recsys simulate --panel --pages-out`): a
 * panel of users visits every simulated day, each user's arm is the orchestrator's own assignment from the experiment
 * file, and the world's true model knows each page's expected saves, so the arms' true difference is known exactly
 * (for the panel's users). Each Monte Carlo experiment draws n users per arm (with replacement) from the arms' users
 * and draws their reactions to the pages the system served them afresh from the world's model, then analyses saves per
 * user over the days with `analyzeEngagement` (Welch; CUPED on each user's saves in the week of history before the
 * experiment), and a team peeking every day with the mSPRT. The plan (`planExperiment`) takes the arms' per-user
 * variances from the reactions the system actually received in the loop, and the true effect as the MDE.
 *
 * Re-judging the served pages keeps each page as the system chose it after the one reaction it saw; a redrawn
 * reaction that differed would have changed later pages a little (the loop's feedback is not redrawn).
 *   npx recsys simulate --panel --days 7 --users 1000 --pages 1 --layer ab --pages-out loop-pages.jsonl
 *   npm run bench:experiments-loop -- --pages loop-pages.jsonl --treatment pre50 [--control control]
 *                                     [--power-runs 1000] [--aa-runs 1000] [--seed 11]
 */
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { formatNumber, momentsOf, planExperiment } from '@recsys/experiments';
import { DAY_MS, GroundTruth, createRandom, deriveSeed, generateWorld, parseClosedLoopPages, simulateEvents, type ClosedLoopPage } from '@recsys/simulator';
import { abRuns, powerVerdict, shareWithInterval, type AbPopulation, type Arm } from './src/ab-runs';

const { values } = parseArgs({
  options: {
    pages: { type: 'string' },
    control: { type: 'string', default: 'control' },
    treatment: { type: 'string' },
    'power-runs': { type: 'string', default: '1000' },
    'aa-runs': { type: 'string', default: '1000' },
    seed: { type: 'string', default: '11' },
  },
});
if (values.pages === undefined || values.treatment === undefined) {
  console.error('usage: npm run bench:experiments-loop -- --pages FILE (recsys simulate --panel --pages-out) --treatment ARM [--control ARM]');
  process.exit(2);
}
const started = Date.now();
const alpha = 0.05;
const powerRuns = Number(values['power-runs']);
const aaRuns = Number(values['aa-runs']);
const { header, pages } = parseClosedLoopPages(readFileSync(values.pages, 'utf8'));
const world = generateWorld(header.world);

// Each user's pages in time order, and the user's arm (user-level assignment: one arm per user).
const byUser = new Map<number, { arm: string; pages: ClosedLoopPage[] }>();
for (const p of pages) {
  const u = byUser.get(p.user);
  if (u === undefined) byUser.set(p.user, { arm: p.arm, pages: [p] });
  else if (u.arm !== p.arm) throw new Error(`user ${p.user} was served in arms ${u.arm} and ${p.arm}: not a user-level split`);
  else u.pages.push(p);
}
const days = Math.max(...pages.map((p) => p.day));
const armNames = [values.control, values.treatment];
const pools = armNames.map((arm) => [...byUser].filter(([, v]) => v.arm === arm).map(([u]) => u));
pools.forEach((pool, i) => {
  if (pool.length < 2) throw new Error(`arm ${armNames[i]} has ${pool.length} users in ${values.pages} (arms: ${[...new Set(pages.map((p) => p.arm))].join(', ')})`);
});
for (const v of byUser.values()) v.pages.sort((a, b) => a.simMs - b.simMs);

const sumOf = (u: number, f: (p: ClosedLoopPage) => number) => byUser.get(u)!.pages.reduce((s, p) => s + f(p), 0);
const trueMeans = pools.map((pool) => pool.reduce((s, u) => s + sumOf(u, (p) => p.expected.saves), 0) / pool.length);
const trueEffect = trueMeans[1] - trueMeans[0];
const pilots = pools.map((pool) => momentsOf(pool.map((u) => sumOf(u, (p) => p.sampledSaves))));

// CUPED's covariate: each user's saves in the last 7 days of the demo history npm start loaded.
const preSaves = new Map<string, number>();
const preFrom = world.endMs - 7 * DAY_MS;
for (const e of simulateEvents(world, { seed: header.demo.seed, events: header.demo.events })) {
  if (e.type === 'save' && e.timestampMs >= preFrom) preSaves.set(e.userId, (preSaves.get(e.userId) ?? 0) + 1);
}

const seed = Number(values.seed);
const draw = createRandom(deriveSeed(seed, 'experiment-loop'));
const truth = new GroundTruth(world, seed, 'ab');
const population: AbPopulation = {
  draw: (arm: Arm) => pools[arm][draw.int(pools[arm].length)],
  week: (u) => {
    const cumulative = new Array<number>(days).fill(0);
    for (const p of byUser.get(u)!.pages) {
      let saves = 0;
      for (const e of truth.show(u, p.shown, p.simMs, p.simMs, 'r', 'home_feed').events) if (e.type === 'save') saves++;
      for (let d = p.day - 1; d < days; d++) cumulative[d] += saves;
    }
    return cumulative;
  },
  pre: (u) => preSaves.get(world.users[u].id) ?? 0,
};

const plan = planExperiment({ metric: { kind: 'mean', baseline: pilots[0].mean, variance: pilots[0].variance }, mde: { absolute: trueEffect }, alpha, power: 0.8 });
const planBoth = planExperiment({
  metric: { kind: 'mean', baseline: pilots[0].mean, variance: pilots[0].variance, treatmentVariance: pilots[1].variance },
  mde: { absolute: trueEffect },
  alpha,
  power: 0.8,
});
const n = planBoth.sampleSize.control;
const test = { alpha, mixingVariance: trueEffect * trueEffect };
const ab = abRuns(population, n, true, powerRuns, test);
const abControlPlan = abRuns(population, plan.sampleSize.control, true, powerRuns, test);
const aa = abRuns(population, n, false, aaRuns, test);

const cpu = cpus()[0]?.model.trim() ?? 'unknown CPU';
console.log(`A/B tests on the running system's pages: ${values.pages} (${pages.length} pages, ${byUser.size} users, ${days} days, layer ${header.layer ?? '(first named)'}); world seed ${header.world.seed}, ${world.pins.length} pins, ${world.users.length} users; ${cpus().length} × ${cpu}, node ${process.version}`);
console.log(`metric: saves per user over the ${days} days; control ${armNames[0]} (${pools[0].length} users), treatment ${armNames[1]} (${pools[1].length} users)`);
console.log(`true effect (world model, the arms' users and the pages served): ${trueEffect >= 0 ? '+' : ''}${formatNumber(trueEffect)} saves per user (${formatNumber(trueMeans[1])} vs ${formatNumber(trueMeans[0])}, ${formatNumber((100 * trueEffect) / trueMeans[0])}%)`);
console.log(`reactions the system received: control mean ${formatNumber(pilots[0].mean)}, variance ${formatNumber(pilots[0].variance)}; treatment mean ${formatNumber(pilots[1].mean)}, variance ${formatNumber(pilots[1].variance)}`);
console.log(`plans for 80% power at α = ${alpha}: ${planBoth.sampleSize.control} users per arm (each arm's variance, --treatment-variance); ${plan.sampleSize.control} with control's variance for both`);
console.log('');
console.log(`power at n = ${n} per arm (${powerRuns} A/B runs): ${shareWithInterval(ab.plain, powerRuns)}   plan ${formatNumber(planBoth.sampleSize.power)} ± 0.05 → ${powerVerdict(ab.plain, powerRuns, planBoth.sampleSize.power)}`);
console.log(`power at n = ${plan.sampleSize.control} per arm, control's variance (${powerRuns} A/B runs): ${shareWithInterval(abControlPlan.plain, powerRuns)}   plan ${formatNumber(plan.sampleSize.power)} ± 0.05 → ${powerVerdict(abControlPlan.plain, powerRuns, plan.sampleSize.power)}`);
console.log(`power with CUPED at n = ${n} (pre-period: the user's saves in the last week of history): ${shareWithInterval(ab.cuped, powerRuns)}; mean variance reduction ${formatNumber(ab.reduction)}`);
console.log(`mSPRT looking every day, A/B: ${shareWithInterval(ab.sequential, powerRuns)}`);
console.log(`A/A false positives (${aaRuns} runs of ${n} + ${n} control users): Welch ${shareWithInterval(aa.plain, aaRuns)}, CUPED ${shareWithInterval(aa.cuped, aaRuns)}; mSPRT looking every day ${shareWithInterval(aa.sequential, aaRuns)} (≤ ${alpha})`);
console.log(`took ${((Date.now() - started) / 1000).toFixed(1)} s`);
