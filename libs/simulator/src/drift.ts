/** Slow interest drift: each user's interests move toward their own drift target, deterministically in time. */
import { RecsysError } from '@recsys/domain';
import { compile, CompiledWorld } from './compiled';
import { DAY_MS, World } from './world';

/** `Math`, looked up once: global lookups are slow inside vm contexts (jest), and these loops run there too. */
const math = Math;

/**
 * Share of the way from the generated interests to the drift target at `tMs`:
 * a(t) = 1 − exp(−driftPerDay · max(0, t − startMs) / 1 day). 0 at and before the window start; about 0.26
 * after 30 days at the default rate of 0.01 per day (half-way after 69 days).
 */
export function driftShare(driftPerDay: number, startMs: number, tMs: number): number {
  return tMs <= startMs ? 0 : 1 - math.exp((-driftPerDay * (tMs - startMs)) / DAY_MS);
}

/**
 * The true interest mixture of the user at `userIndex` at time `tMs` (ms since the epoch):
 * I(t) = (1 − a(t)) · I₀ + a(t) · D, with I₀ the generated `UserLatent.interests`, D the user's
 * `UserLatent.driftTarget` and a(t) = {@link driftShare}. A mixture of two distributions, so it stays
 * non-negative and sums to 1; continuous and monotone in t (every topic moves steadily toward D), and a
 * pure function of (world, user, t). A new array, indexed like `World.topics`. O(topics).
 * @throws RecsysError (not-found) when userIndex is not a user of `world`; (bad-request) when tMs is not finite.
 */
export function interestAt(world: World, userIndex: number, tMs: number): Float64Array {
  if (!Number.isInteger(userIndex) || userIndex < 0 || userIndex >= world.users.length) {
    throw new RecsysError('not-found', `user index ${userIndex} is not part of the simulated world`);
  }
  if (!Number.isFinite(tMs)) throw RecsysError.badRequest('tMs', 'must be a finite time in ms since the epoch');
  const c = compile(world);
  const out = new Float64Array(c.topicCount);
  interestsInto(c, userIndex, tMs, out);
  return out;
}

/** {@link interestAt} by compiled world, written into `out` (length topics). */
export function interestsInto(c: CompiledWorld, u: number, tMs: number, out: Float64Array): void {
  const a = driftShare(c.driftPerDay, c.startMs, tMs);
  const row = u * c.topicCount;
  for (let t = 0; t < c.topicCount; t++) out[t] = (1 - a) * c.userBase[row + t] + a * c.userDrift[row + t];
}
