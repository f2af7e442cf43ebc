/** Flat typed-array views of a world (topic indexes, qualities, interests, boards), built once per world and cached. */
import type { World } from './world';

/** Derived arrays the engagement model, the session simulator and the policies read in their inner loops. Internal. */
export interface CompiledWorld {
  topicCount: number;
  /** World window start (interests drift from here) and the drift rate per day. */
  startMs: number;
  driftPerDay: number;
  /** Weight of a pin's primary topic in relevance and board matching (the others share the rest). */
  primaryTopicWeight: number;
  /** Sibling topic indexes (same category, itself excluded) per topic. */
  siblings: Int32Array[];
  /** topics × topics cosine of the topic vectors, row-major; exactly 1 on the diagonal. */
  topicCosine: Float64Array;
  /** Pin p's topic indexes are pinTopics[pinTopicStart[p] .. pinTopicStart[p + 1]), primary first. */
  pinTopicStart: Int32Array;
  pinTopics: Int32Array;
  /** Primary topic of each pin (-1 for a pin without topics). */
  pinPrimary: Int32Array;
  pinQuality: Float64Array;
  pinCreatorQuality: Float64Array;
  pinUnsafe: Uint8Array;
  pinCreatedAt: Float64Array;
  /** users × topics generated (window-start) interests and drift targets, row-major. */
  userBase: Float64Array;
  userDrift: Float64Array;
  /** Themes per topic and in all (0 without themes); the theme's weight in relevance and share of interest draws. */
  themesPerTopic: number;
  themeCount: number;
  themeWeight: number;
  themeExposure: number;
  /** Theme of each pin (−1: none), its virality and ln virality. */
  pinTheme: Int32Array;
  pinVirality: Float64Array;
  pinLogVirality: Float64Array;
  /** User u's favourite themes and weights are at [userThemeStart[u], userThemeStart[u + 1]). */
  userThemeStart: Int32Array;
  userThemes: Int32Array;
  userThemeWeights: Float64Array;
  /** Topic index of each board; boards of user u are [userBoardStart[u], userBoardStart[u + 1]). */
  boardTopic: Int32Array;
  userBoardStart: Int32Array;
}

const cache = new WeakMap<World, CompiledWorld>();

/** Weight of the primary topic (mirrors `ENGAGEMENT_MODEL.primaryTopicWeight`, kept here to avoid an import cycle). */
const PRIMARY_TOPIC_WEIGHT = 0.6;

/** The compiled view of `world`, built on first use. O(pins × pin topics + users × topics + topics²). */
export function compile(world: World): CompiledWorld {
  const cached = cache.get(world);
  if (cached) return cached;
  const topicCount = world.topics.length;
  const siblings = world.topics.map((t) =>
    Int32Array.from(world.topics.filter((s) => s.categoryId === t.categoryId && s.index !== t.index).map((s) => s.index)),
  );
  const topicCosine = new Float64Array(topicCount * topicCount);
  for (const a of world.topics) {
    for (const b of world.topics) {
      let dot = 0;
      let na = 0;
      let nb = 0;
      for (let d = 0; d < a.vector.length; d++) {
        dot += a.vector[d] * b.vector[d];
        na += a.vector[d] * a.vector[d];
        nb += b.vector[d] * b.vector[d];
      }
      topicCosine[a.index * topicCount + b.index] = a.index === b.index ? 1 : dot / (Math.sqrt(na * nb) || 1);
    }
  }
  const pinCount = world.pins.length;
  const pinTopicStart = new Int32Array(pinCount + 1);
  let topicEntries = 0;
  for (const pin of world.pins) topicEntries += pin.topics.length;
  const pinTopics = new Int32Array(topicEntries);
  const pinPrimary = new Int32Array(pinCount);
  const pinQuality = new Float64Array(pinCount);
  const pinCreatorQuality = new Float64Array(pinCount);
  const pinUnsafe = new Uint8Array(pinCount);
  const pinCreatedAt = new Float64Array(pinCount);
  let next = 0;
  for (let p = 0; p < pinCount; p++) {
    const pin = world.pins[p];
    pinTopicStart[p] = next;
    for (const id of pin.topics) {
      const t = world.index.topics.get(id);
      if (t !== undefined) pinTopics[next++] = t;
    }
    pinPrimary[p] = next > pinTopicStart[p] ? pinTopics[pinTopicStart[p]] : -1;
    pinQuality[p] = pin.quality;
    const creator = world.index.creators.get(pin.creatorId);
    pinCreatorQuality[p] = creator === undefined ? 0.5 : world.creators[creator].quality;
    pinUnsafe[p] = pin.unsafe ? 1 : 0;
    pinCreatedAt[p] = pin.createdAtMs;
  }
  pinTopicStart[pinCount] = next;
  const userBase = new Float64Array(world.users.length * topicCount);
  const userDrift = new Float64Array(world.users.length * topicCount);
  world.userLatents.forEach((latent, u) => {
    userBase.set(latent.interests, u * topicCount);
    userDrift.set(latent.driftTarget, u * topicCount);
  });
  const boardTopic = Int32Array.from(world.boards, (b) => world.index.topics.get(b.topicId) ?? 0);
  const pinTheme = Int32Array.from(world.pinLatents, (l) => l.theme);
  const pinVirality = Float64Array.from(world.pinLatents, (l) => l.virality);
  const pinLogVirality = pinVirality.map((v) => Math.log(v));
  const userThemeStart = new Int32Array(world.users.length + 1);
  world.userLatents.forEach((l, u) => (userThemeStart[u + 1] = userThemeStart[u] + l.themes.length));
  const userThemes = new Int32Array(userThemeStart[world.users.length]);
  const userThemeWeights = new Float64Array(userThemes.length);
  world.userLatents.forEach((l, u) => {
    userThemes.set(l.themes, userThemeStart[u]);
    userThemeWeights.set(l.themeWeights, userThemeStart[u]);
  });
  const compiled: CompiledWorld = {
    topicCount,
    startMs: world.startMs,
    driftPerDay: world.options.driftPerDay,
    primaryTopicWeight: PRIMARY_TOPIC_WEIGHT,
    siblings,
    topicCosine,
    pinTopicStart,
    pinTopics: next === topicEntries ? pinTopics : pinTopics.slice(0, next),
    pinPrimary,
    pinQuality,
    pinCreatorQuality,
    pinUnsafe,
    pinCreatedAt,
    userBase,
    userDrift,
    themesPerTopic: world.options.themesPerTopic,
    themeCount: world.options.themesPerTopic * topicCount,
    themeWeight: world.options.themesPerTopic > 0 ? world.options.themeWeight : 0,
    themeExposure: world.options.themesPerTopic > 0 ? world.options.themeExposure : 0,
    pinTheme,
    pinVirality,
    pinLogVirality,
    userThemeStart,
    userThemes,
    userThemeWeights,
    boardTopic,
    userBoardStart: world.index.userBoardStart,
  };
  cache.set(world, compiled);
  return compiled;
}
