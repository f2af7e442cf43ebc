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
 * The ranking features of one (user, item) pair:
 * - `bias`: constant 1;
 * - `item_ctr_smoothed`, `item_save_rate_smoothed`, `creator_ctr_smoothed`, `item_quality`: as served;
 * - `item_log1p_impressions`: ln(1 + item impressions);
 * - `user_topic_affinity`: the user's normalised affinity to `itemTopic` (the item's primary topic), 0 if none;
 * - `item_log1p_age_hours`: ln(1 + item age in hours).
 *
 * Takes only what crosses the wire (the item's features and the user's topic affinity), so the ranking
 * service computes the same values from a GetItemFeatures / GetUserFeatures answer as training does from
 * the engine. A feature missing from `item.features` takes its declared default.
 */
export function rankingFeatures(
  user: Pick<UserFeatureView, 'topicAffinity'>,
  item: Pick<ItemFeatureView, 'features'>,
  itemTopic: string,
): Record<RankingFeatureName, number> {
  const f = (name: RankingItemInput): number => item.features[name] ?? ITEM_FEATURES[name];
  return {
    bias: 1,
    item_ctr_smoothed: f('item_ctr_smoothed'),
    item_save_rate_smoothed: f('item_save_rate_smoothed'),
    item_log1p_impressions: Math.log1p(Math.max(0, f('item_impressions'))),
    user_topic_affinity: user.topicAffinity[itemTopic] ?? 0,
    creator_ctr_smoothed: f('creator_ctr_smoothed'),
    item_log1p_age_hours: Math.log1p(Math.max(0, f('item_age_hours'))),
    item_quality: f('item_quality'),
  };
}

/** The ranking features as a dense vector in {@link RANKING_FEATURE_NAMES} order, for a linear model. */
export function rankingFeatureVector(features: Readonly<Record<RankingFeatureName, number>>): Float64Array {
  return Float64Array.from(RANKING_FEATURE_NAMES, (name) => features[name]);
}
