/**
 * @recsys/simulator: a seeded, deterministic Pinterest-like world with ground truth.
 *
 * - {@link generateWorld}: topics (two-level hierarchy), creators, pins, users, their latent (slowly
 *   drifting, {@link interestAt}) interests and their boards.
 * - {@link engagementProbabilities}: the true click/save/share/hide probabilities and dwell of a user shown a
 *   pin at a position, at a time, after earlier pins of the session (fatigue).
 * - {@link simulateSessions}: sessions of any {@link Policy} as a time-ordered event stream;
 *   {@link simulateEvents}: an exact number of events under the documented logging policy.
 * - {@link evaluatePolicy}: expected (true model) and sampled engagement per page of any policy; reference
 *   policies {@link oraclePolicy}, {@link popularityPolicy}, {@link randomPolicy}.
 */
export {
  CALIBRATED_WORLD,
  DAY_MS,
  DEFAULT_START_MS,
  PRE_CALIBRATION_WORLD,
  EMBEDDING_DIM,
  NEW_CREATOR_DAYS,
  NEW_CREATOR_SHARE,
  UNSAFE_RATE,
  demographicSegment,
  generateWorld,
  themeIndex,
} from './world';
export type { Creator, PinLatent, ResolvedWorldOptions, Topic, TopicCategory, UserLatent, World, WorldIndex, WorldOptions } from './world';
export { BOARD_NAME_TEMPLATES, MAX_BOARDS_PER_USER, MIN_BOARDS_PER_USER, bestBoard, boardName, userBoards } from './boards';
export type { Board } from './boards';
export { driftShare, interestAt } from './drift';
export { ENGAGEMENT_MODEL, engagementProbabilities, examinationProbability, trueRelevance } from './engagement';
export type { EngagementContext, EngagementProbabilities } from './engagement';
export { DWELL_MAX_MS, DWELL_MIN_MS, DWELL_SIGMA, expectedDwellMs } from './response';
export { maxSessionSpanMs, simulateEvents, simulateSessions } from './events';
export type { SimulateEventsOptions, SimulateSessionsOptions } from './events';
export { evaluatePolicy, perPage } from './evaluate';
export type { EvaluatePolicyOptions, PerPage, PolicyEvaluation } from './evaluate';
export type { Policy, PolicyContext } from './policies/policy';
export { LOGGING_POLICY, loggingPolicy } from './policies/logging';
export { oraclePolicy } from './policies/oracle';
export type { OracleOptions } from './policies/oracle';
export { popularityCounts, popularityPolicy } from './policies/popularity';
export { randomPolicy } from './policies/random';
export { createRandom, deriveSeed, mixSeeds } from './random';
export type { SimRandom } from './random';
export { GroundTruth, parseClosedLoopPages } from './closed-loop';
export type { ClosedLoopHeader, ClosedLoopPage, ServedPageOutcome } from './closed-loop';
