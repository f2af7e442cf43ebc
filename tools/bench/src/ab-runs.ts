/**
 * Monte Carlo A/B and A/A experiments on a population whose users' outcomes can be drawn again and again (the simulated
 * world, or pages the running system served re-judged by the world): what `recsys experiment analyze` concludes
 * (`analyzeEngagement`: Welch, CUPED) and what a team peeking every day with the mSPRT would, run many times, so the
 * share of significant runs estimates power (a real effect) or the false-positive rate (none).
 */
import { emptyEngagementCounts, type EngagementCounts } from '@recsys/domain';
import { analyzeEngagement, engagementMetric, mixtureSprt, momentsOf } from '@recsys/experiments';

/** Arm 0 is control, 1 the treatment. */
export type Arm = 0 | 1;

/** Where a run's users come from and what they do. */
export interface AbPopulation {
  /** A user of the arm, drawn at random (with replacement). */
  draw(arm: Arm): number;
  /** The user's saves so far after each look (cumulative, one per day), drawn afresh under the arm. */
  week(user: number, arm: Arm): number[];
  /** The user's pre-period saves (CUPED's covariate). */
  pre(user: number): number;
}

/** One experiment's conclusions. */
export interface AbRun {
  plain: boolean;
  cuped: boolean;
  /** CUPED's variance reduction (NaN without one). */
  reduction: number;
  /** The mSPRT rejected at some look. */
  sequential: boolean;
}

const saves = engagementMetric('saves');
const tally = (n: number): EngagementCounts => ({ ...emptyEngagementCounts(), saves: n });

/**
 * One experiment of n users per arm; `effect` false runs an A/A (both groups drawn from and treated as control).
 * `mixingVariance` is the mSPRT's τ² (the effect a team hopes for, squared).
 */
export function abRun(pop: AbPopulation, n: number, effect: boolean, opts: { alpha: number; mixingVariance: number }): AbRun {
  const armOf = (group: number): Arm => (effect && group === 1 ? 1 : 0);
  const groups = [0, 1].map((g) => Array.from({ length: n }, () => pop.draw(armOf(g))));
  const weeks = groups.map((users, g) => users.map((u) => pop.week(u, armOf(g))));
  const last = (w: number[]) => w[w.length - 1];
  const final = weeks.map((w) => w.map((x) => tally(last(x))));
  const pre = groups.map((users) => users.map((u) => tally(pop.pre(u))));
  const plain = analyzeEngagement(saves, { tallies: final[0] }, { tallies: final[1] }, { alpha: opts.alpha });
  const cuped = analyzeEngagement(saves, { tallies: final[0], pre: pre[0] }, { tallies: final[1], pre: pre[1] }, { alpha: opts.alpha });
  const days = weeks[0][0].length;
  const looks = Array.from({ length: days }, (_, k) => {
    const [c, t] = weeks.map((w) => momentsOf(w.map((x) => x[k])));
    return { difference: t.mean - c.mean, variance: c.variance / c.n + t.variance / t.n };
  });
  const sequential = mixtureSprt(looks, { mixingVariance: opts.mixingVariance, alpha: opts.alpha }).rejectedAt !== null;
  return { plain: plain.verdict.significant, cuped: cuped.verdict.significant, reduction: cuped.cuped?.varianceReduction ?? NaN, sequential };
}

/** Counts of `runs` experiments. */
export interface AbTally {
  runs: number;
  plain: number;
  cuped: number;
  sequential: number;
  /** Mean CUPED variance reduction. */
  reduction: number;
}

/** Runs `runs` experiments and counts their significant verdicts. */
export function abRuns(pop: AbPopulation, n: number, effect: boolean, runs: number, opts: { alpha: number; mixingVariance: number }): AbTally {
  const t: AbTally = { runs, plain: 0, cuped: 0, sequential: 0, reduction: 0 };
  for (let r = 0; r < runs; r++) {
    const x = abRun(pop, n, effect, opts);
    if (x.plain) t.plain++;
    if (x.cuped) t.cuped++;
    if (x.sequential) t.sequential++;
    t.reduction += x.reduction / runs;
  }
  return t;
}

/** A Monte Carlo share with its 95% Wilson interval, as `0.0480 [0.0364, 0.0631]`. */
export function shareWithInterval(hits: number, runs: number): string {
  const p = hits / runs;
  const z = 1.959964;
  const centre = (p + (z * z) / (2 * runs)) / (1 + (z * z) / runs);
  const half = (z * Math.sqrt((p * (1 - p)) / runs + (z * z) / (4 * runs * runs))) / (1 + (z * z) / runs);
  return `${p.toFixed(4)} [${(centre - half).toFixed(4)}, ${(centre + half).toFixed(4)}]`;
}

/** `ok` when a measured power is within ± 0.05 of the plan's, else `MISS`. */
export const powerVerdict = (hits: number, runs: number, planned: number): string => (Math.abs(hits / runs - planned) <= 0.05 ? 'ok' : 'MISS');
