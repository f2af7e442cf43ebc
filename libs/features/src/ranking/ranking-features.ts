// The features the logistic ranker scores on, derived from a user view and an item view; same code offline and online.

import { ITEM_FEATURES } from '../definitions/features';
import type { ItemFeatureView, UserFeatureView } from '../views/views';

/** Names of the ranking features, in model-vector order. Stable: trained models refer to them by name. */
export const RANKING_FEATURE_NAMES = [
  'bias',
  'item_ctr_smoothed',
  'item_save_rate_smoothed',
  'item_log1p_impressions',
  'user_topic_affinity',
  'creator_ctr_smoothed',
  'item_log1p_age_hours',
  'item_quality',
] as const;

/** One ranking feature name. */
export type RankingFeatureName = (typeof RANKING_FEATURE_NAMES)[number];

/**
 * The served item features {@link rankingFeatures} reads from `item.features`, and nothing else (its reader only
 * accepts these names): a caller holding item features as columns builds a record of just these per candidate.
 */
export const RANKING_ITEM_INPUTS = [
  'item_ctr_smoothed',
  'item_save_rate_smoothed',
  'item_impressions',
  'creator_ctr_smoothed',
  'item_age_hours',
  'item_quality',
] as const;

/** One item feature read by {@link rankingFeatures}. */
export type RankingItemInput = (typeof RANKING_ITEM_INPUTS)[number];

/**
 * What each ranking feature is computed from: the one served item input it reads ({@link RANKING_ITEM_INPUTS}), the
 * user's affinity to the item's primary topic, or nothing (`bias`). Describes {@link writeRankingFeatures} (its spec
 * moves each input and checks that exactly the feature named here moves), so a reader of logged values can tell which
 * feature a missing value defaults.
 */
export const RANKING_FEATURE_SOURCES: Readonly<Record<RankingFeatureName, RankingItemInput | 'topic_affinity' | 'constant'>> = Object.freeze({
  bias: 'constant',
  item_ctr_smoothed: 'item_ctr_smoothed',
  item_save_rate_smoothed: 'item_save_rate_smoothed',
  item_log1p_impressions: 'item_impressions',
  user_topic_affinity: 'topic_affinity',
  creator_ctr_smoothed: 'creator_ctr_smoothed',
  item_log1p_age_hours: 'item_age_hours',
  item_quality: 'item_quality',
});

const INPUT = Object.fromEntries(RANKING_ITEM_INPUTS.map((name, i) => [name, i])) as Record<RankingItemInput, number>;
const INPUT_DEFAULTS = Float64Array.from(RANKING_ITEM_INPUTS, (name) => ITEM_FEATURES[name]);
const WIDTH = RANKING_FEATURE_NAMES.length;

/**
 * THE definition of the ranking features: writes the ranking features of one (user, item) pair at `out[at..at + 8)`
 * in {@link RANKING_FEATURE_NAMES} order, from the item inputs (`inputs[offset + i]` is {@link RANKING_ITEM_INPUTS}[i])
 * and the user's affinity to the item's primary topic.
 */
function writeRankingFeatures(out: Float64Array, at: number, inputs: ArrayLike<number>, offset: number, affinity: number): void {
  out[at] = 1;
  out[at + 1] = inputs[offset + INPUT.item_ctr_smoothed];
  out[at + 2] = inputs[offset + INPUT.item_save_rate_smoothed];
  out[at + 3] = Math.log1p(Math.max(0, inputs[offset + INPUT.item_impressions]));
  out[at + 4] = affinity;
  out[at + 5] = inputs[offset + INPUT.creator_ctr_smoothed];
  out[at + 6] = Math.log1p(Math.max(0, inputs[offset + INPUT.item_age_hours]));
  out[at + 7] = inputs[offset + INPUT.item_quality];
}

/**
 * The ranking features of one (user, item) pair:
 * - `bias`: constant 1;
 * - `item_ctr_smoothed`, `item_save_rate_smoothed`, `creator_ctr_smoothed`, `item_quality`: as served;
 * - `item_log1p_impressions`: ln(1 + item impressions);
 * - `user_topic_affinity`: the user's normalised affinity to `itemTopic` (the item's primary topic), 0 if none;
 * - `item_log1p_age_hours`: ln(1 + item age in hours).
 *
 * Takes only what crosses the wire (the item's features and the user's topic affinity), so the ranking
 * service computes the same values from a GetItemFeatures / GetUserFeatures answer as training does from
 * the engine. A feature missing from `item.features` takes its declared default. {@link rankingFeatureMatrix} is the
 * same computation over a batch.
 */
export function rankingFeatures(
  user: Pick<UserFeatureView, 'topicAffinity'>,
  item: Pick<ItemFeatureView, 'features'>,
  itemTopic: string,
): Record<RankingFeatureName, number> {
  const inputs = Float64Array.from(RANKING_ITEM_INPUTS, (name, i) => item.features[name] ?? INPUT_DEFAULTS[i]);
  const out = new Float64Array(WIDTH);
  writeRankingFeatures(out, 0, inputs, 0, user.topicAffinity[itemTopic] ?? 0);
  return Object.fromEntries(RANKING_FEATURE_NAMES.map((name, j) => [name, out[j]])) as Record<RankingFeatureName, number>;
}

/** A batch of items as the ranking service receives it: item feature columns and each row's primary topic. */
export interface ItemInputBatch {
  /** Names of the columns of `values`. */
  names: readonly string[];
  rows: number;
  /** Row-major `rows × names.length` item feature values. */
  values: ArrayLike<number>;
  /** The primary topic of each row: `topics[topicIndexes[row]]`. */
  topics: readonly string[];
  topicIndexes: ArrayLike<number>;
}

/**
 * {@link rankingFeatures} of every row of a batch, as a row-major `rows × RANKING_FEATURE_NAMES.length` matrix. An
 * item input the batch does not name takes its declared default; `missing` lists those inputs. O(rows · 8).
 */
export function rankingFeatureMatrix(
  user: Pick<UserFeatureView, 'topicAffinity'>,
  items: ItemInputBatch,
): { values: Float64Array; missing: RankingItemInput[] } {
  const columnOf = new Map(items.names.map((name, j) => [name, j]));
  const columns = RANKING_ITEM_INPUTS.map((name) => columnOf.get(name) ?? -1);
  const missing = RANKING_ITEM_INPUTS.filter((_, i) => columns[i] < 0);
  const affinity = Float64Array.from(items.topics, (topic) => user.topicAffinity[topic] ?? 0);
  const width = items.names.length;
  const inputs = new Float64Array(RANKING_ITEM_INPUTS.length);
  const out = new Float64Array(items.rows * WIDTH);
  for (let r = 0; r < items.rows; r++) {
    const base = r * width;
    for (let i = 0; i < columns.length; i++) inputs[i] = columns[i] >= 0 ? items.values[base + columns[i]] : INPUT_DEFAULTS[i];
    writeRankingFeatures(out, r * WIDTH, inputs, 0, affinity[items.topicIndexes[r]]);
  }
  return { values: out, missing };
}

/** The ranking features as a dense vector in {@link RANKING_FEATURE_NAMES} order, for a linear model. */
export function rankingFeatureVector(features: Readonly<Record<RankingFeatureName, number>>): Float64Array {
  return Float64Array.from(RANKING_FEATURE_NAMES, (name) => features[name]);
}
