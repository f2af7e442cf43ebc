/** The random reference policy: distinct pins drawn uniformly from the safe pins that exist at the page's time. */
import { createRandom, mixSeeds, upperBound } from '../random';
import { samplerOf } from '../sampler';
import type { World } from '../world';
import { definePolicy, Policy } from './policy';

/** `Math`, looked up once: global lookups are slow inside vm contexts (jest), and these loops run there too. */
const math = Math;

/**
 * A policy named `random`: `pageSize` distinct pins drawn uniformly from the safe pins created at or before
 * `ctx.nowMs`. A pure function of (seed, user, ctx). O(pageSize) expected per page.
 */
export function randomPolicy(world: World, seed: number): Policy {
  const s = samplerOf(world);
  const stamp = new Int32Array(s.safePins.length);
  let generation = 0;
  return definePolicy(world, 'random', (u, ctx, out) => {
    out.length = 0;
    const eligible = upperBound(s.safeCreated, ctx.nowMs);
    const size = math.min(ctx.pageSize, eligible);
    const rng = createRandom(mixSeeds(seed, u, ctx.sessionIndex, ctx.nowMs));
    const mark = ++generation;
    if (size * 2 > eligible) {
      // A page of most of the eligible pins: shuffle them all (Fisher–Yates) and take the head.
      const all = Array.from(s.safePins.subarray(0, eligible));
      for (let i = 0; i < size; i++) {
        const j = i + rng.int(eligible - i);
        [all[i], all[j]] = [all[j], all[i]];
        out.push(all[i]);
      }
      return;
    }
    while (out.length < size) {
      const slot = rng.int(eligible);
      if (stamp[slot] !== mark) {
        stamp[slot] = mark;
        out.push(s.safePins[slot]);
      }
    }
  });
}
