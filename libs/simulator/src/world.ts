/** Generates the seeded synthetic world: topic hierarchy, creators, pins, users and their latent interests. */
import { AGE_BUCKETS, AgeBucket, Gender, GENDERS, Item, RecsysError, User } from '@recsys/domain';
import { Board, generateBoards } from './boards';
import { indexById, makeId } from './ids';
import { createRandom, deriveSeed, sampleCumulative, sampleWeights, SimRandom } from './random';

/** One day in milliseconds. */
export const DAY_MS = 86_400_000;

/** Dimension of topic vectors and pin content embeddings. */
export const EMBEDDING_DIM = 16;

/** Share of creators that are brand new (created in the last {@link NEW_CREATOR_DAYS} days of the window). */
export const NEW_CREATOR_SHARE = 0.1;

/** How recent a new creator is, in days before the end of the window. */
export const NEW_CREATOR_DAYS = 2;

/** Probability that a pin is flagged unsafe. */
export const UNSAFE_RATE = 0.01;

/** Options of {@link generateWorld}. Every field but `seed` has a default. */
export interface WorldOptions {
  /** Seed of every random choice; same seed and options give an identical world. */
  seed: number;
  /** Number of topics (default 24). Topic names come from a fixed list of 48, suffixed `-2`, `-3`... beyond. */
  topics?: number;
  /** Number of creators (default 300). */
  creators?: number;
  /** Number of pins (default 5,000). */
  pins?: number;
  /** Number of users (default 1,000). */
  users?: number;
  /** Start of the world's window, ms since the Unix epoch (default 2026-01-01T00:00:00Z). */
  startMs?: number;
  /** Length of the window in days (default 30). Pins are created inside it. */
  days?: number;
  /**
   * Interest drift rate per day (default 0.01, in [0, 1]; 0 freezes interests): each user's interests move
   * from their generated mixture toward their drift target by a share 1 − exp(−rate · days since the window
   * start), about 26% after 30 days at the default. See {@link interestAt}.
   */
  driftPerDay?: number;
  /**
   * Co-save themes per topic (default {@link CALIBRATED_WORLD}): the narrower subjects boards are curated around
   * ("small-kitchen storage" inside home decor). Each pin has one theme of its primary topic (mostly its creator's),
   * each user favours 1–2 themes of each main topic; pins of one theme are saved together. 0: no themes.
   */
  themesPerTopic?: number;
  /**
   * Weight w of the theme in relevance, in [0, 1]: a pin off the user's favourite themes keeps a share 1 − w of its
   * topical relevance (0: relevance is topical only, as before themes).
   */
  themeWeight?: number;
  /**
   * Share of the logging policy's interest draws that go to one of the user's favourite themes of the drawn topic, in
   * [0, 1] (the rest draw from the whole topic): how strongly past exposure followed the themes.
   */
  themeExposure?: number;
  /**
   * Log-normal σ of pin virality (mean 1): popularity that varies inside a topic, raising a pin's share of
   * exposure (the logging policy's draws are weighted by it) and its click logit by 0.3 · ln virality. 0: none.
   */
  viralitySigma?: number;
  /** Pareto tail index of user activity (sessions per user; smaller is heavier-tailed), in [1.01, 10]. */
  activityAlpha?: number;
  /** Cap of a user's activity relative to the least active (Pareto minimum 1), in [1, 100000]. */
  activityCap?: number;
  /**
   * Share of the logging policy's draws that follow the user's interests (the rest: popularity and exploration), in
   * [0, 1]: how personalised the past exposure was.
   */
  loggingInterestShare?: number;
}

/** The options a world was generated with, defaults filled in. */
export type ResolvedWorldOptions = Required<WorldOptions>;

/** A top-level topic category (the first level of the two-level topic hierarchy). */
export interface TopicCategory {
  /** `category_00` style id. */
  id: string;
  /** Readable name, e.g. `food`. */
  name: string;
  /** The topics under this category, in topic order. */
  topicIds: string[];
}

/** A topic (the second level of the hierarchy). */
export interface Topic {
  /** `topic_03` style id. */
  id: string;
  /** Readable name, e.g. `recipes`. */
  name: string;
  /** Parent category id. */
  categoryId: string;
  /** Position in `World.topics` (and in every per-topic vector such as a user's interests). */
  index: number;
  /** Global popularity weight (log-normal, mean about 1); scales how many creators and users pick the topic. */
  popularity: number;
  /** Unit vector of dimension {@link EMBEDDING_DIM}; topics of one category point in similar directions. */
  vector: number[];
}

/** A pin creator. Ground truth of the simulator; the platform sees only `Item.creatorId`. */
export interface Creator {
  /** `creator_0007` style id; ids ascend with creation time. */
  id: string;
  /** Position in `World.creators`. */
  index: number;
  /** The creator's topic focus, primary first (1 or 2 topics). */
  focusTopicIds: string[];
  /** Heavy-tailed (Zipf) size weight that decides the share of pins this creator makes. */
  size: number;
  /** Creator quality in (0, 1): raises the quality of the creator's pins and their engagement. */
  quality: number;
  /** Creation time of the account, ms since the Unix epoch. */
  createdAtMs: number;
  /** True for the brand-new creators created in the last {@link NEW_CREATOR_DAYS} days of the window. */
  isNew: boolean;
  /** Number of pins in the world made by this creator. */
  pinCount: number;
}

/** Latent ground truth of one user (aligned by index with `World.users`). Never shown to the platform. */
export interface UserLatent {
  /** Interest mixture over topics (indexed like `World.topics`); non-negative, sums to 1. */
  interests: number[];
  /** The user's 2 to 4 main topics (topic indexes), most interested first. */
  mainTopics: number[];
  /** Heavy-tailed activity weight: how often the user opens a session, relative to others. */
  activity: number;
  /**
   * Where the interests drift to (indexed like `World.topics`; non-negative, sums to 1): 20% the segment
   * prior, 80% on {@link UserLatent.driftTopics}. See {@link interestAt}.
   */
  driftTarget: number[];
  /** The 1–2 topics (indexes) the user's interest drifts toward; not among `mainTopics` when avoidable. */
  driftTopics: number[];
  /** The user's favourite themes (global theme indexes, see {@link themeIndex}): 1–2 per main topic. */
  themes: number[];
  /** Weight of each favourite theme within its topic (the topic's best is 1). */
  themeWeights: number[];
}

/** Latent ground truth of one pin (aligned by index with `World.pins`). Never shown to the platform. */
export interface PinLatent {
  /** Global theme index (a theme of the pin's primary topic), or −1 without themes. */
  theme: number;
  /** Virality (log-normal, mean 1): how widely the pin spreads beyond its quality. */
  virality: number;
}

/** Id → position lookups of a world. */
export interface WorldIndex {
  topics: ReadonlyMap<string, number>;
  creators: ReadonlyMap<string, number>;
  pins: ReadonlyMap<string, number>;
  users: ReadonlyMap<string, number>;
  boards: ReadonlyMap<string, number>;
  /**
   * Boards of user u are `World.boards[userBoardStart[u] .. userBoardStart[u + 1])` (length users + 1);
   * see {@link userBoards}.
   */
  userBoardStart: Int32Array;
}

/**
 * A generated world. Treat it as immutable: the engagement model and the event simulator cache derived
 * arrays per world object.
 */
export interface World {
  /** The options used, defaults filled in. */
  options: ResolvedWorldOptions;
  /** Start of the window, ms since the Unix epoch. */
  startMs: number;
  /** End of the window (exclusive): startMs + days × 1 day. */
  endMs: number;
  /** Topic categories, the first hierarchy level. */
  categories: TopicCategory[];
  /** Topics, the second hierarchy level. */
  topics: Topic[];
  /** Creators, ordered (and numbered) by creation time. */
  creators: Creator[];
  /** Pins as domain items, ordered (and numbered) by creation time. */
  pins: Item[];
  /** Users as the platform sees them, ordered (and numbered) by sign-up time. */
  users: User[];
  /** Latent ground truth per user, aligned by index with `users`. */
  userLatents: UserLatent[];
  /** Latent ground truth per pin, aligned by index with `pins`. */
  pinLatents: PinLatent[];
  /** Users' boards (2–8 per user, each on a distinct topic), grouped by user in user order. */
  boards: Board[];
  /**
   * Topic prior of each demographic segment (`${ageBucket}|${gender}`, see {@link demographicSegment}), from
   * which users of that segment draw their interests; each vector sums to 1.
   */
  segmentTopicPriors: Record<string, number[]>;
  /** Id → position lookups (Maps: not carried by JSON; regenerate the world from its options instead). */
  index: WorldIndex;
}

/** The demographic segment a user's interests are drawn from: `${ageBucket}|${gender}`, e.g. `25-34|female`. */
export function demographicSegment(user: Pick<User, 'ageBucket' | 'gender'>): string {
  return `${user.ageBucket}|${user.gender}`;
}

/** Default window start: 2026-01-01T00:00:00Z. */
export const DEFAULT_START_MS = Date.UTC(2026, 0, 1);

/**
 * The world parameters `recsys world calibrate` fitted against MovieLens latest-small (docs/benchmarks.md, "A world
 * worth learning from"); the defaults of every world.
 */
export const CALIBRATED_WORLD = Object.freeze({
  themesPerTopic: 6,
  themeWeight: 0.5,
  themeExposure: 0.75,
  viralitySigma: 1.5,
  activityAlpha: 1.05,
  activityCap: 1000,
  loggingInterestShare: 0.75,
});

/** The parameters of the world before calibration (topical relevance, no virality): `{ ...PRE_CALIBRATION_WORLD }` regenerates it. */
export const PRE_CALIBRATION_WORLD = Object.freeze({
  themesPerTopic: 0,
  themeWeight: 0,
  themeExposure: 0,
  viralitySigma: 0,
  activityAlpha: 1.5,
  activityCap: 100,
  loggingInterestShare: 0.6,
});

const DEFAULTS: Omit<ResolvedWorldOptions, 'seed'> = {
  topics: 24,
  creators: 300,
  pins: 5000,
  users: 1000,
  startMs: DEFAULT_START_MS,
  days: 30,
  driftPerDay: 0.01,
  ...CALIBRATED_WORLD,
};

/** Global index of theme k of topic t when every topic has `themesPerTopic` themes. */
export function themeIndex(topic: number, k: number, themesPerTopic: number): number {
  return topic * themesPerTopic + k;
}

/** Categories and their topics; topics are taken round-robin across categories so small worlds stay varied. */
const TOPIC_CATALOG: ReadonlyArray<readonly [category: string, topics: readonly string[]]> = [
  ['home', ['home-decor', 'diy-projects', 'gardening', 'organization']],
  ['food', ['recipes', 'baking', 'cocktails', 'vegan']],
  ['fashion', ['womens-fashion', 'mens-fashion', 'jewelry', 'street-style']],
  ['beauty', ['makeup', 'hair', 'nail-art', 'skincare']],
  ['travel', ['travel', 'camping', 'city-guides', 'beaches']],
  ['wellness', ['fitness', 'yoga', 'mental-health', 'running']],
  ['art', ['art', 'photography', 'illustration', 'tattoos']],
  ['crafts', ['crafts', 'knitting', 'sewing', 'calligraphy']],
  ['family', ['parenting', 'weddings', 'kids-activities', 'party-ideas']],
  ['animals', ['pets', 'dogs', 'cats', 'wildlife']],
  ['tech', ['tech', 'gaming', 'gadgets', 'cars']],
  ['entertainment', ['movies', 'music', 'books', 'anime']],
];

/** Image aspect ratios (width / height) and their shares: portrait 2:3 dominates, as on Pinterest. */
const ASPECT_RATIOS: ReadonlyArray<readonly [ratio: number, share: number]> = [
  [2 / 3, 0.5],
  [1, 0.15],
  [4 / 5, 0.15],
  [9 / 16, 0.12],
  [3 / 2, 0.08],
];

/** Countries (ISO 3166-1 alpha-2) and their shares of users: US-heavy. */
const COUNTRIES: ReadonlyArray<readonly [country: string, share: number]> = [
  ['US', 0.45],
  ['GB', 0.1],
  ['BR', 0.1],
  ['CA', 0.08],
  ['DE', 0.08],
  ['FR', 0.07],
  ['JP', 0.06],
  ['IN', 0.06],
];

/** Shares of age buckets, in `AGE_BUCKETS` order ('unknown' first). */
const AGE_SHARES: Readonly<Record<AgeBucket, number>> = {
  unknown: 0.08,
  '18-24': 0.22,
  '25-34': 0.3,
  '35-44': 0.2,
  '45-54': 0.12,
  '55+': 0.08,
};

/** Shares of genders: female-heavy, as on Pinterest. */
const GENDER_SHARES: Readonly<Record<Gender, number>> = { unknown: 0.07, female: 0.6, male: 0.3, other: 0.03 };

/** Spread (log-normal sigma) of the per-age and per-gender topic factors; 'unknown' carries little signal. */
const SEGMENT_SIGMA = 1.1;
const UNKNOWN_SEGMENT_SIGMA = 0.3;

/** Share of a user's interest mass on their 2–4 main topics; the rest follows the segment prior. */
const MAIN_INTEREST_MASS = 0.8;

/** Share of a drift target's mass on the user's 1–2 drift topics; the rest follows the segment prior. */
const DRIFT_TOPIC_MASS = 0.8;

/** Share of users who sign up inside the window (new users); the others signed up in the 2 years before. */
const NEW_USER_SHARE = 0.15;

/**
 * Creator sizes are Zipf over a random rank order (size ∝ rank^-0.9, times log-normal jitter of sigma 0.25):
 * a heavy tail whose head share is stable across seeds (top 10% of creators make about 55% of pins).
 */
const CREATOR_ZIPF_EXPONENT = 0.9;
const CREATOR_SIZE_JITTER = 0.25;
/** New creators have had little time to post: their size weight is scaled down. */
const NEW_CREATOR_SIZE_FACTOR = 0.2;

/** Themes of a topic are Zipf-popular (weight (k + 1)^−1): a few broad themes many users share, a tail of niche ones. */
const THEME_ZIPF_EXPONENT = 1;
/** Share of a creator's pins on their home theme of the pin's topic (the rest: any theme of the topic by popularity). */
const CREATOR_HOME_THEME_RATE = 0.7;

/** Probability that a pin's primary topic comes from its creator's focus (else from global popularity). */
const FOCUS_TOPIC_RATE = 0.85;

/** Per-dimension standard deviation of the noise added to a pin's topic mixture vector. */
const EMBEDDING_NOISE = 0.15;

/**
 * Generates a world. Deterministic: the same options give a deep-equal world; each part (topics, creators,
 * pins, users, segment priors) draws from its own seeded stream. O(pins × dim + users × topics).
 *
 * - Topics: named from a fixed catalog, each under a category (two-level hierarchy); unit topic vectors are
 *   mostly their category's direction, so sibling topics are close in embedding space.
 * - Creators: Zipf sizes (the top 10% of creators make most pins), a focus of 1–2 topics, a quality;
 *   10% are brand new (created in the last 2 days of the window), their pins recent.
 * - Pins: creator by size (every creator gets at least one pin when pins >= creators), 1–3 topics (primary
 *   from the creator's focus 85% of the time), aspect ratio from a realistic mix, Beta quality centred on
 *   the creator's quality, creation time inside the window, a unit content embedding (topic vectors plus
 *   noise), 1% unsafe.
 * - Users: age bucket, gender, country, sign-up time (15% inside the window), Pareto activity and a sparse
 *   interest mixture drawn from the prior of their age × gender segment, so demographics predict interests;
 *   a drift target (1–2 new topics of the segment prior) that the interests slowly move toward.
 * - Boards: 2–8 per user, each on a distinct topic (main topics first, then by interest), with readable
 *   names such as "Cozy home-decor ideas" (see `BOARD_NAME_TEMPLATES`).
 * - Latents beyond topics (`pinLatents`, `UserLatent.themes`; options `themesPerTopic`, `viralitySigma`...): each pin's
 *   co-save theme inside its primary topic and its virality; each user's favourite themes. Drawn from their own
 *   streams, so the pins and users above do not depend on these options. The defaults are {@link CALIBRATED_WORLD}.
 *
 * @throws RecsysError (bad-request) naming the option that is out of range.
 */
export function generateWorld(opts: WorldOptions): World {
  const options = resolveOptions(opts);
  const { seed, startMs } = options;
  const endMs = startMs + Math.round(options.days * DAY_MS);

  const topicsPart = generateTopics(options.topics, createRandom(deriveSeed(seed, 'topics')));
  const creators = generateCreators(options, endMs, topicsPart, createRandom(deriveSeed(seed, 'creators')));
  const pins = generatePins(options, endMs, topicsPart, creators, createRandom(deriveSeed(seed, 'pins')));
  const segmentTopicPriors = generateSegmentPriors(topicsPart.topics, createRandom(deriveSeed(seed, 'segments')));
  const { users, userLatents } = generateUsers(
    options,
    endMs,
    topicsPart.topics,
    segmentTopicPriors,
    createRandom(deriveSeed(seed, 'users')),
  );
  addDriftTargets(users, userLatents, topicsPart.topics, segmentTopicPriors, createRandom(deriveSeed(seed, 'drift')));
  const pinLatents = generatePinLatents(options, pins, creators, topicsPart.topics, createRandom(deriveSeed(seed, 'pin-latents')));
  addUserThemes(options, userLatents, createRandom(deriveSeed(seed, 'user-themes')));
  const { boards, userBoardStart } = generateBoards(users, userLatents, topicsPart.topics, createRandom(deriveSeed(seed, 'boards')));

  return {
    options,
    startMs,
    endMs,
    categories: topicsPart.categories,
    topics: topicsPart.topics,
    creators,
    pins,
    users,
    userLatents,
    pinLatents,
    boards,
    segmentTopicPriors,
    index: {
      topics: indexById(topicsPart.topics),
      creators: indexById(creators),
      pins: indexById(pins),
      users: indexById(users),
      boards: indexById(boards),
      userBoardStart,
    },
  };
}

function resolveOptions(opts: WorldOptions): ResolvedWorldOptions {
  const options: ResolvedWorldOptions = { ...DEFAULTS, ...definedOnly(opts), seed: opts.seed };
  if (!Number.isSafeInteger(options.seed)) throw RecsysError.badRequest('seed', 'must be an integer');
  requireInteger('topics', options.topics, 1);
  requireInteger('creators', options.creators, 1);
  requireInteger('pins', options.pins, 0);
  requireInteger('users', options.users, 0);
  if (!Number.isSafeInteger(options.startMs)) throw RecsysError.badRequest('startMs', 'must be an integer (ms since the epoch)');
  if (!Number.isFinite(options.days) || options.days <= 0 || options.days > 3650) {
    throw RecsysError.badRequest('days', 'must be a number of days in (0, 3650]');
  }
  if (!Number.isFinite(options.driftPerDay) || options.driftPerDay < 0 || options.driftPerDay > 1) {
    throw RecsysError.badRequest('driftPerDay', 'must be a rate per day in [0, 1]');
  }
  if (!Number.isSafeInteger(options.themesPerTopic) || options.themesPerTopic < 0 || options.themesPerTopic > 1000) {
    throw RecsysError.badRequest('themesPerTopic', 'must be an integer in [0, 1000]');
  }
  for (const key of ['themeWeight', 'themeExposure'] as const) {
    if (!Number.isFinite(options[key]) || options[key] < 0 || options[key] > 1) throw RecsysError.badRequest(key, 'must be in [0, 1]');
  }
  if (!Number.isFinite(options.viralitySigma) || options.viralitySigma < 0 || options.viralitySigma > 5) {
    throw RecsysError.badRequest('viralitySigma', 'must be in [0, 5]');
  }
  if (!Number.isFinite(options.activityAlpha) || options.activityAlpha < 1.01 || options.activityAlpha > 10) {
    throw RecsysError.badRequest('activityAlpha', 'must be in [1.01, 10]');
  }
  if (!Number.isFinite(options.activityCap) || options.activityCap < 1 || options.activityCap > 100_000) {
    throw RecsysError.badRequest('activityCap', 'must be in [1, 100000]');
  }
  if (!Number.isFinite(options.loggingInterestShare) || options.loggingInterestShare < 0 || options.loggingInterestShare > 1) {
    throw RecsysError.badRequest('loggingInterestShare', 'must be in [0, 1]');
  }
  return options;
}

function definedOnly(opts: WorldOptions): Partial<WorldOptions> {
  const out: Partial<WorldOptions> = {};
  for (const [key, value] of Object.entries(opts)) {
    if (value !== undefined) (out as Record<string, unknown>)[key] = value;
  }
  return out;
}

function requireInteger(field: string, value: number, min: number): void {
  if (!Number.isSafeInteger(value) || value < min || value > 10_000_000) {
    throw RecsysError.badRequest(field, `must be an integer in [${min}, 10000000]`);
  }
}

function sampleTable<T>(table: ReadonlyArray<readonly [T, number]>, rng: SimRandom): T {
  return table[sampleWeights(table.map(([, share]) => share), rng.next())][0];
}

function unitVector(values: number[]): number[] {
  const norm = Math.sqrt(values.reduce((sum, v) => sum + v * v, 0)) || 1;
  return values.map((v) => v / norm);
}

function round(value: number, decimals: number): number {
  const factor = 10 ** decimals;
  return Math.round(value * factor) / factor;
}

function normalise(values: number[]): number[] {
  const total = values.reduce((sum, v) => sum + v, 0);
  return values.map((v) => v / total);
}

interface TopicsPart {
  categories: TopicCategory[];
  topics: Topic[];
  /** Topic indexes per category index. */
  siblingsByCategory: number[][];
  /** Category index per topic index. */
  categoryOf: number[];
  /** Prefix sums of topic popularity, for sampling topics by popularity. */
  popularityCumulative: Float64Array;
}

function generateTopics(count: number, rng: SimRandom): TopicsPart {
  // Round-robin over categories: the default 24 topics are two per category.
  const picks: Array<{ category: number; name: string }> = [];
  const perCategory = TOPIC_CATALOG[0][1].length;
  const catalogSize = TOPIC_CATALOG.length * perCategory;
  for (let i = 0; i < count; i++) {
    const slot = i % catalogSize;
    const category = slot % TOPIC_CATALOG.length;
    const base = TOPIC_CATALOG[category][1][Math.floor(slot / TOPIC_CATALOG.length)];
    const cycle = Math.floor(i / catalogSize);
    picks.push({ category, name: cycle === 0 ? base : `${base}-${cycle + 1}` });
  }
  const usedCategories = [...new Set(picks.map((p) => p.category))].sort((a, b) => a - b);
  const categoryPosition = new Map(usedCategories.map((c, i) => [c, i]));
  const categories: TopicCategory[] = usedCategories.map((c, i) => ({
    id: makeId('category', i, usedCategories.length, 2),
    name: TOPIC_CATALOG[c][0],
    topicIds: [],
  }));
  const categoryVectors = categories.map(() => unitVector(Array.from({ length: EMBEDDING_DIM }, () => rng.normal())));
  const siblingsByCategory: number[][] = categories.map(() => []);
  const categoryOf: number[] = [];
  const topics: Topic[] = picks.map((pick, index) => {
    const c = categoryPosition.get(pick.category) as number;
    const own = unitVector(Array.from({ length: EMBEDDING_DIM }, () => rng.normal()));
    const vector = unitVector(categoryVectors[c].map((v, d) => 0.75 * v + 0.66 * own[d])).map((v) => round(v, 6));
    const id = makeId('topic', index, count, 2);
    categories[c].topicIds.push(id);
    siblingsByCategory[c].push(index);
    categoryOf.push(c);
    return { id, name: pick.name, categoryId: categories[c].id, index, popularity: round(Math.exp(0.5 * rng.normal() - 0.125), 6), vector };
  });
  const popularityCumulative = cumulative(topics.map((t) => t.popularity));
  return { categories, topics, siblingsByCategory, categoryOf, popularityCumulative };
}

function cumulative(weights: ArrayLike<number>): Float64Array {
  const out = new Float64Array(weights.length);
  let total = 0;
  for (let i = 0; i < weights.length; i++) {
    total += weights[i];
    out[i] = total;
  }
  return out;
}

function generateCreators(options: ResolvedWorldOptions, endMs: number, part: TopicsPart, rng: SimRandom): Creator[] {
  const count = options.creators;
  const newCount = Math.round(NEW_CREATOR_SHARE * count);
  const windowMs = endMs - options.startMs;
  const newSpanMs = Math.min(NEW_CREATOR_DAYS * DAY_MS, windowMs);
  // A random permutation of Zipf ranks 1..count (Fisher–Yates).
  const ranks = Array.from({ length: count }, (_, i) => i + 1);
  for (let i = count - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [ranks[i], ranks[j]] = [ranks[j], ranks[i]];
  }
  const drafts = Array.from({ length: count }, (_, i) => {
    const isNew = i >= count - newCount;
    const primary = sampleCumulative(part.popularityCumulative, part.topics.length, rng.next());
    const focus = [primary];
    if (rng.next() < 0.5 && part.topics.length > 1) {
      // Second focus: a sibling in the same category when there is one, else any popular topic.
      const siblings = part.siblingsByCategory[part.categoryOf[primary]].filter((t) => t !== primary);
      const second =
        siblings.length > 0 && rng.next() < 0.7
          ? rng.pick(siblings)
          : sampleCumulative(part.popularityCumulative, part.topics.length, rng.next());
      if (second !== primary) focus.push(second);
    }
    const zipf = count * Math.pow(ranks[i], -CREATOR_ZIPF_EXPONENT) * Math.exp(CREATOR_SIZE_JITTER * rng.normal());
    const size = zipf * (isNew ? NEW_CREATOR_SIZE_FACTOR : 1);
    const quality = rng.beta(4, 4);
    const createdAtMs = isNew
      ? endMs - 1 - Math.floor(rng.next() * newSpanMs)
      : options.startMs - DAY_MS - Math.floor(rng.next() * 1000 * DAY_MS);
    return { focus, size, quality, createdAtMs, isNew, order: i };
  });
  drafts.sort((a, b) => a.createdAtMs - b.createdAtMs || a.order - b.order);
  return drafts.map((d, index) => ({
    id: makeId('creator', index, count, 4),
    index,
    focusTopicIds: d.focus.map((t) => part.topics[t].id),
    size: round(d.size, 6),
    quality: round(d.quality, 6),
    createdAtMs: d.createdAtMs,
    isNew: d.isNew,
    pinCount: 0,
  }));
}

function generatePins(
  options: ResolvedWorldOptions,
  endMs: number,
  part: TopicsPart,
  creators: Creator[],
  rng: SimRandom,
): Item[] {
  const count = options.pins;
  const topicIndex = new Map(part.topics.map((t) => [t.id, t.index]));
  const sizeCumulative = cumulative(creators.map((c) => c.size));
  // Every creator gets one pin when there are enough pins; the rest go by size.
  const owners: number[] = [];
  for (let i = 0; i < count; i++) {
    owners.push(i < creators.length && count >= creators.length ? i : sampleCumulative(sizeCumulative, creators.length, rng.next()));
  }
  const aspectWeights = ASPECT_RATIOS.map(([, share]) => share);
  const drafts = owners.map((owner, order) => {
    const creator = creators[owner];
    creator.pinCount++;
    const focus = creator.focusTopicIds.map((id) => topicIndex.get(id) as number);
    const primary =
      rng.next() < FOCUS_TOPIC_RATE
        ? focus[rng.next() < 0.75 ? 0 : focus.length - 1]
        : sampleCumulative(part.popularityCumulative, part.topics.length, rng.next());
    const topics = [primary];
    const extra = rng.next() < 0.45 ? (rng.next() < 0.4 ? 2 : 1) : 0;
    for (let k = 0; k < extra && topics.length < part.topics.length; k++) {
      // Secondary topics lean to siblings of the primary, as a pin about baking is also about recipes.
      const siblings = part.siblingsByCategory[part.categoryOf[primary]].filter((t) => !topics.includes(t));
      const candidate =
        siblings.length > 0 && rng.next() < 0.6
          ? rng.pick(siblings)
          : sampleCumulative(part.popularityCumulative, part.topics.length, rng.next());
      if (!topics.includes(candidate)) topics.push(candidate);
    }
    const aspectRatio = ASPECT_RATIOS[sampleWeights(aspectWeights, rng.next())][0];
    const quality = rng.beta(2 + 4 * creator.quality, 2 + 4 * (1 - creator.quality));
    const from = Math.max(options.startMs, creator.createdAtMs);
    const createdAtMs = from + Math.floor(rng.next() * (endMs - from));
    const weights = topics.map((_, k) => (k === 0 ? 0.6 : 0.4 / (topics.length - 1)));
    const mixture = new Array<number>(EMBEDDING_DIM).fill(0);
    topics.forEach((t, k) => part.topics[t].vector.forEach((v, d) => (mixture[d] += weights[k] * v)));
    const embedding = unitVector(mixture.map((v) => v + EMBEDDING_NOISE * rng.normal())).map((v) => round(v, 4));
    const unsafe = rng.next() < UNSAFE_RATE;
    return { creator, topics, aspectRatio, quality, createdAtMs, embedding, unsafe, order };
  });
  drafts.sort((a, b) => a.createdAtMs - b.createdAtMs || a.order - b.order);
  return drafts.map((d, index) => ({
    id: makeId('pin', index, count, 6),
    creatorId: d.creator.id,
    topics: d.topics.map((t) => part.topics[t].id),
    aspectRatio: round(d.aspectRatio, 4),
    createdAtMs: d.createdAtMs,
    quality: round(d.quality, 4),
    embedding: d.embedding,
    unsafe: d.unsafe,
  }));
}

function generateSegmentPriors(topics: Topic[], rng: SimRandom): Record<string, number[]> {
  const factors = <K extends string>(keys: readonly K[]): Record<K, number[]> => {
    const out = {} as Record<K, number[]>;
    for (const key of keys) {
      const sigma = key === 'unknown' ? UNKNOWN_SEGMENT_SIGMA : SEGMENT_SIGMA;
      out[key] = topics.map(() => Math.exp(sigma * rng.normal()));
    }
    return out;
  };
  const byAge = factors(AGE_BUCKETS);
  const byGender = factors(GENDERS);
  const priors: Record<string, number[]> = {};
  for (const age of AGE_BUCKETS) {
    for (const gender of GENDERS) {
      const prior = normalise(topics.map((t, i) => t.popularity * byAge[age][i] * byGender[gender][i]));
      priors[demographicSegment({ ageBucket: age, gender })] = prior.map((v) => round(v, 8));
    }
  }
  return priors;
}

function generateUsers(
  options: ResolvedWorldOptions,
  endMs: number,
  topics: Topic[],
  priors: Record<string, number[]>,
  rng: SimRandom,
): { users: User[]; userLatents: UserLatent[] } {
  const ageTable = AGE_BUCKETS.map((a) => [a, AGE_SHARES[a]] as const);
  const genderTable = GENDERS.map((g) => [g, GENDER_SHARES[g]] as const);
  const windowMs = endMs - options.startMs;
  const drafts = Array.from({ length: options.users }, (_, order) => {
    const ageBucket = sampleTable(ageTable, rng);
    const gender = sampleTable(genderTable, rng);
    const country = sampleTable(COUNTRIES, rng);
    const signupAtMs =
      rng.next() < NEW_USER_SHARE
        ? options.startMs + Math.floor(rng.next() * windowMs)
        : options.startMs - 1 - Math.floor(rng.next() * 730 * DAY_MS);
    const prior = priors[demographicSegment({ ageBucket, gender })];
    // Main topics: 2–4 distinct topics drawn from the segment prior, with Dirichlet(1) weights.
    const mainCount = Math.min(topics.length, 2 + rng.int(3));
    const remaining = prior.slice();
    const mainTopics: number[] = [];
    for (let k = 0; k < mainCount; k++) {
      const t = sampleWeights(remaining, rng.next());
      mainTopics.push(t);
      remaining[t] = 0;
    }
    const mainWeights = normalise(mainTopics.map(() => rng.gamma(1)));
    const interests = prior.map((p) => (1 - MAIN_INTEREST_MASS) * p);
    mainTopics.forEach((t, k) => (interests[t] += MAIN_INTEREST_MASS * mainWeights[k]));
    const order2 = mainTopics.map((t, k) => ({ t, w: mainWeights[k] })).sort((a, b) => b.w - a.w || a.t - b.t);
    const activity = Math.min(options.activityCap, rng.pareto(options.activityAlpha));
    return {
      user: { ageBucket, gender, country, signupAtMs },
      latent: { interests: normalise(interests).map((v) => round(v, 8)), mainTopics: order2.map((x) => x.t), activity: round(activity, 6) },
      order,
    };
  });
  drafts.sort((a, b) => a.user.signupAtMs - b.user.signupAtMs || a.order - b.order);
  return {
    users: drafts.map((d, i) => ({ id: makeId('user', i, options.users, 5), ...d.user })),
    userLatents: drafts.map((d) => ({ ...d.latent, driftTarget: [], driftTopics: [], themes: [], themeWeights: [] })),
  };
}

/**
 * Fills each user's drift target: 1–2 topics drawn from the segment prior (excluding the main topics while
 * others remain) with Dirichlet(1) weights on 80% of the mass, the segment prior on the rest.
 */
function addDriftTargets(users: User[], latents: UserLatent[], topics: Topic[], priors: Record<string, number[]>, rng: SimRandom): void {
  users.forEach((user, u) => {
    const latent = latents[u];
    const prior = priors[demographicSegment(user)];
    const remaining = prior.slice();
    if (latent.mainTopics.length < topics.length) for (const t of latent.mainTopics) remaining[t] = 0;
    const count = Math.min(topics.length, 1 + rng.int(2));
    const driftTopics: number[] = [];
    for (let k = 0; k < count; k++) {
      const t = sampleWeights(remaining, rng.next());
      if (driftTopics.includes(t)) break;
      driftTopics.push(t);
      remaining[t] = 0;
    }
    const weights = normalise(driftTopics.map(() => rng.gamma(1)));
    const target = prior.map((p) => (1 - DRIFT_TOPIC_MASS) * p);
    driftTopics.forEach((t, k) => (target[t] += DRIFT_TOPIC_MASS * weights[k]));
    latent.driftTarget = normalise(target).map((v) => round(v, 8));
    latent.driftTopics = driftTopics;
  });
}

/**
 * Each pin's theme — with probability 0.7 its creator's home theme of the pin's primary topic (one per creator and
 * topic, drawn by theme popularity), else a theme of that topic by popularity — and its log-normal virality of mean 1
 * (σ = `viralitySigma`). A separate stream, so the pins themselves do not depend on these options.
 */
function generatePinLatents(options: ResolvedWorldOptions, pins: Item[], creators: Creator[], topics: Topic[], rng: SimRandom): PinLatent[] {
  const T = options.themesPerTopic;
  const themeCum = cumulative(Array.from({ length: T }, (_, k) => Math.pow(k + 1, -THEME_ZIPF_EXPONENT)));
  const topicIndex = new Map(topics.map((t) => [t.id, t.index]));
  const creatorIndex = new Map(creators.map((c) => [c.id, c.index]));
  const home = new Map<number, number>();
  const sigma = options.viralitySigma;
  return pins.map((pin) => {
    const virality = sigma > 0 ? round(Math.exp(sigma * rng.normal() - (sigma * sigma) / 2), 6) : 1;
    const primary = pin.topics.length > 0 ? topicIndex.get(pin.topics[0]) : undefined;
    if (T === 0 || primary === undefined) return { theme: -1, virality };
    let k: number;
    if (rng.next() < CREATOR_HOME_THEME_RATE) {
      const key = (creatorIndex.get(pin.creatorId) ?? 0) * topics.length + primary;
      let own = home.get(key);
      if (own === undefined) home.set(key, (own = sampleCumulative(themeCum, T, rng.next())));
      k = own;
    } else {
      k = sampleCumulative(themeCum, T, rng.next());
    }
    return { theme: themeIndex(primary, k, T), virality };
  });
}

/** Each user's favourite themes: 1–2 per main topic, drawn by theme popularity, weights Dirichlet(1) scaled so the topic's best is 1. */
function addUserThemes(options: ResolvedWorldOptions, latents: UserLatent[], rng: SimRandom): void {
  const T = options.themesPerTopic;
  const weights = Array.from({ length: T }, (_, k) => Math.pow(k + 1, -THEME_ZIPF_EXPONENT));
  for (const latent of latents) {
    latent.themes = [];
    latent.themeWeights = [];
    if (T === 0) continue;
    for (const topic of latent.mainTopics) {
      const remaining = weights.slice();
      const count = Math.min(T, 1 + rng.int(2));
      const picked: number[] = [];
      for (let j = 0; j < count; j++) {
        const k = sampleWeights(remaining, rng.next());
        picked.push(k);
        remaining[k] = 0;
      }
      const w = picked.map(() => rng.gamma(1));
      const top = Math.max(...w);
      picked.forEach((k, j) => {
        latent.themes.push(themeIndex(topic, k, T));
        latent.themeWeights.push(round(w[j] / top, 6));
      });
    }
  }
}
