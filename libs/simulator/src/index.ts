/**
 * @recsys/simulator: a seeded, deterministic Pinterest-like world with ground truth.
 *
 * - {@link generateWorld}: topics (two-level hierarchy), creators, pins, users and their latent interests.
 * - {@link engagementProbabilities}: the true click/save/share/hide probabilities and dwell of a user shown a
 *   pin at a position.
 * - {@link simulateEvents}: a time-ordered engagement event stream from a documented logging policy.
 */
export {
  DAY_MS,
  DEFAULT_START_MS,
  EMBEDDING_DIM,
  NEW_CREATOR_DAYS,
  NEW_CREATOR_SHARE,
  UNSAFE_RATE,
  demographicSegment,
  generateWorld,
} from './world';
export type { Creator, ResolvedWorldOptions, Topic, TopicCategory, UserLatent, World, WorldIndex, WorldOptions } from './world';
export { ENGAGEMENT_MODEL, engagementProbabilities, examinationProbability, trueRelevance } from './engagement';
export type { EngagementProbabilities } from './engagement';
export { LOGGING_POLICY, maxSessionSpanMs, simulateEvents } from './events';
export type { SimulateEventsOptions } from './events';
export { createRandom, deriveSeed } from './random';
export type { SimRandom } from './random';
