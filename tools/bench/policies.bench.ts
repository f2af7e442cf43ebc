/**
 * Ground-truth evaluation of reference policies on a seeded world: expected engagement per page from the true
 * engagement model (and the sampled version), for the oracle (each user's truly best pins), popularity (counts
 * of clicks, saves and shares in a simulated log) and random policies, plus the logging policy.
 *   npm run bench:policies -- [--pins 100000] [--users 10000] [--events 1000000] [--eval-users 2000] [--seed 7]
 */
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import {
  evaluatePolicy,
  generateWorld,
  loggingPolicy,
  oraclePolicy,
  popularityCounts,
  popularityPolicy,
  randomPolicy,
  simulateEvents,
  type PolicyEvaluation,
} from '@recsys/simulator';

const { values } = parseArgs({
  options: {
    pins: { type: 'string', default: '100000' },
    users: { type: 'string', default: '10000' },
    events: { type: 'string', default: '1000000' },
    'eval-users': { type: 'string', default: '2000' },
    seed: { type: 'string', default: '7' },
  },
});
const seed = Number(values.seed);
const started = Date.now();
const world = generateWorld({ seed, pins: Number(values.pins), users: Number(values.users) });
const counts = popularityCounts(simulateEvents(world, { seed, events: Number(values.events) }));
const opts = { seed: seed + 1, users: Number(values['eval-users']), pagesPerUser: 1, pageSize: 10 };
const results: PolicyEvaluation[] = [
  evaluatePolicy(world, oraclePolicy(world), opts),
  evaluatePolicy(world, popularityPolicy(world, counts), opts),
  evaluatePolicy(world, loggingPolicy(world, seed), opts),
  evaluatePolicy(world, randomPolicy(world, seed), opts),
];
const f = (v: number) => v.toFixed(3);
console.log(`Ground-truth policy evaluation: world seed ${seed}, ${values.pins} pins, ${values.users} users; popularity from ${values.events} logged events`);
console.log(`${opts.users} users sampled, 1 page of 10 each, at the world's end; machine ${cpus().length} × ${cpus()[0]?.model}`);
console.log('per page, expected (true model) / sampled:');
console.log('policy       clicks           saves            shares           hides            dwell s');
for (const r of results) {
  const cell = (k: 'clicks' | 'saves' | 'shares' | 'hides') => `${f(r.expected[k])} / ${f(r.sampled[k])}`.padEnd(17);
  console.log(`${r.policy.padEnd(12)} ${cell('clicks')}${cell('saves')}${cell('shares')}${cell('hides')}${(r.expected.dwellMs / 1000).toFixed(1)} / ${(r.sampled.dwellMs / 1000).toFixed(1)}`);
}
const [oracle, pop, , random] = results;
console.log(`ratios (expected): oracle/popularity clicks ${(oracle.expected.clicks / pop.expected.clicks).toFixed(2)}, saves ${(oracle.expected.saves / pop.expected.saves).toFixed(2)}; popularity/random clicks ${(pop.expected.clicks / random.expected.clicks).toFixed(2)}, saves ${(pop.expected.saves / random.expected.saves).toFixed(2)}`);
console.log(`took ${((Date.now() - started) / 1000).toFixed(1)} s`);
