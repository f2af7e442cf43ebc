/** The logging policy of the simulated event log: a documented mix of interest, popularity and exploration draws. */
import { interestsInto } from '../drift';
import { createRandom, lowerBound, mixSeeds, sampleCumulative, upperBound } from '../random';
import { samplerOf } from '../sampler';
import type { World } from '../world';
import { definePolicy, Policy } from './policy';

/** `Math`, looked up once: global lookups are slow inside vm contexts (jest), and these loops run there too. */
const math = Math;

/**
 * The logging policy that fills each page slot, documented so that the propensity of any shown pin can be
 * recomputed: with probability 0.6 an interest draw (a topic from the user's true interest mixture at the
 * page's time, then a pin having that topic with weight 0.2 + quality), with 0.25 a popularity draw (weight
 * (0.1 + quality)² · (0.5 + creator quality)), with 0.15 a uniform exploration draw. Only safe pins created
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
      if (x < LOGGING_POLICY.explorationShare) {
        slot = rng.int(eligible);
      } else if (x < LOGGING_POLICY.explorationShare + LOGGING_POLICY.popularityShare) {
        slot = sampleCumulative(s.popularityCum, eligible, rng.next());
      } else {
        const topic = sampleCumulative(interests, topicCount, rng.next());
        const list = s.topicSlots[topic];
        const count = lowerBound(list, eligible);
        slot = count > 0 ? list[sampleCumulative(s.topicCum[topic], count, rng.next())] : sampleCumulative(s.popularityCum, eligible, rng.next());
      }
      if (stamp[slot] !== mark) {
        stamp[slot] = mark;
        out.push(s.safePins[slot]);
      }
    }
  });
}
