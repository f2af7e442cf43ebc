/** Time-ordered sampling structures of a world (eligible pins and users are prefixes), built once and cached. */
import { compile, CompiledWorld } from './compiled';
import type { World } from './world';

/** Sampling structures of a world, ordered by time so "eligible at t" is always a prefix. Internal. */
export interface Sampler {
  compiled: CompiledWorld;
  /** Safe pin indexes in creation order, their creation times and prefix sums of the logging policy's popularity weights. */
  safePins: Int32Array;
  safeCreated: Float64Array;
  popularityCum: Float64Array;
  /** Per topic: ascending positions in `safePins` of the pins with that topic, and prefix sums of weights (0.2 + quality) · virality. */
  topicSlots: Int32Array[];
  topicCum: Float64Array[];
  /** Per theme: the same over the safe pins of that theme. */
  themeSlots: Int32Array[];
  themeCum: Float64Array[];
  /** User indexes in sign-up order, their sign-up times and prefix sums of activity. */
  userOrder: Int32Array;
  userSignup: Float64Array;
  userActivityCum: Float64Array;
}

const samplers = new WeakMap<World, Sampler>();

/** The sampler of `world`, built on first use. O(pins log pins + users log users). */
export function samplerOf(world: World): Sampler {
  const cached = samplers.get(world);
  if (cached) return cached;
  const c = compile(world);
  const pinOrder = sortedIndexes(world.pins.length, c.pinCreatedAt);
  let safeCount = 0;
  for (const p of pinOrder) if (c.pinUnsafe[p] === 0) safeCount++;
  const safePins = new Int32Array(safeCount);
  const safeCreated = new Float64Array(safeCount);
  const popularityCum = new Float64Array(safeCount);
  const topicSizes = new Int32Array(c.topicCount);
  let total = 0;
  let slot = 0;
  for (const p of pinOrder) {
    if (c.pinUnsafe[p] !== 0) continue;
    safePins[slot] = p;
    safeCreated[slot] = c.pinCreatedAt[p];
    total += (0.1 + c.pinQuality[p]) ** 2 * (0.5 + c.pinCreatorQuality[p]) * c.pinVirality[p];
    popularityCum[slot] = total;
    for (let k = c.pinTopicStart[p]; k < c.pinTopicStart[p + 1]; k++) topicSizes[c.pinTopics[k]]++;
    slot++;
  }
  const topicSlots = Array.from(topicSizes, (n) => new Int32Array(n));
  const topicCum = Array.from(topicSizes, (n) => new Float64Array(n));
  const filled = new Int32Array(c.topicCount);
  const topicTotals = new Float64Array(c.topicCount);
  const themeSizes = new Int32Array(c.themeCount);
  for (let s = 0; s < safeCount; s++) if (c.pinTheme[safePins[s]] >= 0) themeSizes[c.pinTheme[safePins[s]]]++;
  const themeSlots = Array.from(themeSizes, (n) => new Int32Array(n));
  const themeCum = Array.from(themeSizes, (n) => new Float64Array(n));
  const themeFilled = new Int32Array(c.themeCount);
  const themeTotals = new Float64Array(c.themeCount);
  for (let s = 0; s < safeCount; s++) {
    const p = safePins[s];
    const weight = (0.2 + c.pinQuality[p]) * c.pinVirality[p];
    for (let k = c.pinTopicStart[p]; k < c.pinTopicStart[p + 1]; k++) {
      const t = c.pinTopics[k];
      topicTotals[t] += weight;
      topicSlots[t][filled[t]] = s;
      topicCum[t][filled[t]++] = topicTotals[t];
    }
    const theme = c.pinTheme[p];
    if (theme >= 0) {
      themeTotals[theme] += weight;
      themeSlots[theme][themeFilled[theme]] = s;
      themeCum[theme][themeFilled[theme]++] = themeTotals[theme];
    }
  }
  const signup = Float64Array.from(world.users, (u) => u.signupAtMs);
  const userOrder = sortedIndexes(world.users.length, signup);
  const userActivityCum = new Float64Array(userOrder.length);
  let activity = 0;
  userOrder.forEach((u, i) => (userActivityCum[i] = activity += world.userLatents[u].activity));
  const sampler: Sampler = {
    compiled: c,
    safePins,
    safeCreated,
    popularityCum,
    topicSlots,
    topicCum,
    themeSlots,
    themeCum,
    userOrder,
    userSignup: Float64Array.from(userOrder, (u) => signup[u]),
    userActivityCum,
  };
  samplers.set(world, sampler);
  return sampler;
}

/** Indexes 0..n−1 sorted by key, ties by index (a stable order). */
function sortedIndexes(n: number, key: Float64Array): Int32Array {
  const order = new Int32Array(n);
  let sorted = true;
  for (let i = 0; i < n; i++) {
    order[i] = i;
    if (i > 0 && key[i] < key[i - 1]) sorted = false;
  }
  // Generated worlds are already in time order: skip the sort then.
  return sorted ? order : order.sort((a, b) => key[a] - key[b] || a - b);
}
