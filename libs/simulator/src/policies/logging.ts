/** The logging policy of the simulated event log: a documented mix of interest, popularity and exploration draws. */
import { interestsInto } from '../drift';
import { createRandom, lowerBound, mixSeeds, sampleCumulative, upperBound } from '../random';
import type { CompiledWorld } from '../compiled';
import { samplerOf } from '../sampler';
import type { World } from '../world';
import { definePolicy, Policy } from './policy';

/** `Math`, looked up once: global lookups are slow inside vm contexts (jest), and these loops run there too. */
const math = Math;

/**
 * The logging policy that fills each page slot, documented so that the propensity of any shown pin can be
 * recomputed: with probability i = the world's `loggingInterestShare` (0.75 in the calibrated world, 0.6 before)
 * an interest draw (a topic from the user's true interest mixture at the page's time; with probability
 * `themeExposure` one of the user's favourite themes of that topic by weight, then a pin of that theme, else a pin
 * having that topic, with weight (0.2 + quality) · virality), with (1 − i) · 5/8 a popularity draw (weight
 * (0.1 + quality)² · (0.5 + creator quality) · virality), with (1 − i) · 3/8 a uniform exploration draw
 * ({@link loggingShares}; 0.25 and 0.15 at i = 0.6). Only safe pins created
 * at or before the page's time are eligible; duplicates within a page are redrawn (at most 20 draws per
 * slot). Slots are filled in draw order, so position is independent of relevance and the position bias is
 * identifiable from the log.
 */
export const LOGGING_POLICY = Object.freeze({
  interestShare: 0.6,
  popularityShare: 0.25,
  explorationShare: 0.15,
});

/**
 * The shares of the three draws in a world whose `loggingInterestShare` is i: the interest draw i, popularity and
 * exploration splitting the rest as {@link LOGGING_POLICY} does (5 : 3).
 */
export function loggingShares(interestShare: number): { interestShare: number; popularityShare: number; explorationShare: number } {
  if (interestShare === LOGGING_POLICY.interestShare) return LOGGING_POLICY;
  const rest = 1 - interestShare;
  const other = LOGGING_POLICY.popularityShare + LOGGING_POLICY.explorationShare;
  return { interestShare, popularityShare: (rest * LOGGING_POLICY.popularityShare) / other, explorationShare: (rest * LOGGING_POLICY.explorationShare) / other };
}

/**
 * The logging policy ({@link LOGGING_POLICY}) as a {@link Policy} named `logging`. Its page is a pure
 * function of (seed, user, ctx): the random draws come from a stream seeded by all four.
 */
export function loggingPolicy(world: World, seed: number): Policy {
  const s = samplerOf(world);
  const c = s.compiled;
  const topicCount = c.topicCount;
  const interests = new Float64Array(topicCount);
  const stamp = new Int32Array(s.safePins.length);
  let generation = 0;
  const shares = loggingShares(world.options.loggingInterestShare);
  return definePolicy(world, 'logging', (u, ctx, out) => {
    out.length = 0;
    const eligible = upperBound(s.safeCreated, ctx.nowMs);
    const size = math.min(ctx.pageSize, eligible);
    if (size === 0) return;
    const rng = createRandom(mixSeeds(seed, u, ctx.sessionIndex, ctx.nowMs));
    interestsInto(c, u, ctx.nowMs, interests);
    for (let t = 1; t < topicCount; t++) interests[t] += interests[t - 1];
    const mark = ++generation;
    for (let attempt = 0; out.length < size && attempt < size * 20; attempt++) {
      const x = rng.next();
      let slot: number;
      if (x < shares.explorationShare) {
        slot = rng.int(eligible);
      } else if (x < shares.explorationShare + shares.popularityShare) {
        slot = sampleCumulative(s.popularityCum, eligible, rng.next());
      } else {
        const topic = sampleCumulative(interests, topicCount, rng.next());
        const theme = c.themeExposure > 0 && rng.next() < c.themeExposure ? favouriteTheme(c, u, topic, rng.next()) : -1;
        const themeCount = theme >= 0 ? lowerBound(s.themeSlots[theme], eligible) : 0;
        if (themeCount > 0) {
          slot = s.themeSlots[theme][sampleCumulative(s.themeCum[theme], themeCount, rng.next())];
        } else {
          const list = s.topicSlots[topic];
          const count = lowerBound(list, eligible);
          slot = count > 0 ? list[sampleCumulative(s.topicCum[topic], count, rng.next())] : sampleCumulative(s.popularityCum, eligible, rng.next());
        }
      }
      if (stamp[slot] !== mark) {
        stamp[slot] = mark;
        out.push(s.safePins[slot]);
      }
    }
  });
}

/** One of user u's favourite themes of `topic`, drawn by weight with `x` in [0, 1); −1 when the user has none there. */
function favouriteTheme(c: CompiledWorld, u: number, topic: number, x: number): number {
  let total = 0;
  const start = c.userThemeStart[u];
  const end = c.userThemeStart[u + 1];
  for (let k = start; k < end; k++) if (math.floor(c.userThemes[k] / c.themesPerTopic) === topic) total += c.userThemeWeights[k];
  if (total === 0) return -1;
  let target = x * total;
  for (let k = start; k < end; k++) {
    if (math.floor(c.userThemes[k] / c.themesPerTopic) !== topic) continue;
    target -= c.userThemeWeights[k];
    if (target < 0) return c.userThemes[k];
  }
  for (let k = end - 1; k >= start; k--) if (math.floor(c.userThemes[k] / c.themesPerTopic) === topic) return c.userThemes[k];
  return -1;
}
