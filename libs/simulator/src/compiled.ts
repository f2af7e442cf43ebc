/** Flat typed-array views of a world (topic indexes, qualities, interests), built once per world and cached. */
import type { World } from './world';

/** Derived arrays the engagement model and the event simulator read in their inner loops. Internal. */
export interface CompiledWorld {
  topicCount: number;
  /** Sibling topic indexes (same category, itself excluded) per topic. */
  siblings: Int32Array[];
  /** Pin p's topic indexes are pinTopics[pinTopicStart[p] .. pinTopicStart[p + 1]), primary first. */
  pinTopicStart: Int32Array;
  pinTopics: Int32Array;
  pinQuality: Float64Array;
  pinCreatorQuality: Float64Array;
  pinUnsafe: Uint8Array;
  pinCreatedAt: Float64Array;
  /** users × topics, row-major. */
  userInterests: Float64Array;
  /** Largest interest of each user. */
  userMaxInterest: Float64Array;
}

const cache = new WeakMap<World, CompiledWorld>();

/** The compiled view of `world`, built on first use. O(pins + users × topics). */
export function compile(world: World): CompiledWorld {
  const cached = cache.get(world);
  if (cached) return cached;
  const topicCount = world.topics.length;
  const categoryOfTopic = world.topics.map((t) => t.categoryId);
  const siblings = world.topics.map(
    (t) => Int32Array.from(world.topics.filter((s) => s.categoryId === categoryOfTopic[t.index] && s.index !== t.index).map((s) => s.index)),
  );
  const pinCount = world.pins.length;
  const pinTopicStart = new Int32Array(pinCount + 1);
  const flatTopics: number[] = [];
  const pinQuality = new Float64Array(pinCount);
  const pinCreatorQuality = new Float64Array(pinCount);
  const pinUnsafe = new Uint8Array(pinCount);
  const pinCreatedAt = new Float64Array(pinCount);
  world.pins.forEach((pin, p) => {
    pinTopicStart[p] = flatTopics.length;
    for (const id of pin.topics) {
      const t = world.index.topics.get(id);
      if (t !== undefined) flatTopics.push(t);
    }
    pinQuality[p] = pin.quality;
    const creator = world.index.creators.get(pin.creatorId);
    pinCreatorQuality[p] = creator === undefined ? 0.5 : world.creators[creator].quality;
    pinUnsafe[p] = pin.unsafe ? 1 : 0;
    pinCreatedAt[p] = pin.createdAtMs;
  });
  pinTopicStart[pinCount] = flatTopics.length;
  const userInterests = new Float64Array(world.users.length * topicCount);
  const userMaxInterest = new Float64Array(world.users.length);
  world.userLatents.forEach((latent, u) => {
    let max = 0;
    latent.interests.forEach((v, t) => {
      userInterests[u * topicCount + t] = v;
      if (v > max) max = v;
    });
    userMaxInterest[u] = max;
  });
  const compiled: CompiledWorld = {
    topicCount,
    siblings,
    pinTopicStart,
    pinTopics: Int32Array.from(flatTopics),
    pinQuality,
    pinCreatorQuality,
    pinUnsafe,
    pinCreatedAt,
    userInterests,
    userMaxInterest,
  };
  cache.set(world, compiled);
  return compiled;
}
