// The inputs a deep ranking model may name: every value the ranking service can compute for a (user, candidate) pair.

import { ITEM_FEATURES, USER_FEATURES } from '../definitions/features';
import type { ItemFeatureView, UserFeatureView } from '../views/views';
import { RANKING_FEATURE_NAMES, RANKING_FEATURE_SOURCES, rankingFeatures, type RankingFeatureName } from './ranking-features';

/** Where a model input's value comes from. */
export type ModelInputSource =
  /** A derived ranking feature ({@link rankingFeatures}: logs of counts, the primary topic's affinity, ...). */
  | { kind: 'ranking'; name: RankingFeatureName }
  /** An item (or creator) feature, as served per candidate. */
  | { kind: 'item'; name: string }
  /** A user feature, one value for every candidate of a request. */
  | { kind: 'user'; name: string };

/** The derived ranking features a model may read: {@link RANKING_FEATURE_NAMES} but the constant `bias`, in that order. */
export const DERIVED_MODEL_INPUTS: readonly RankingFeatureName[] = Object.freeze(RANKING_FEATURE_NAMES.filter((name) => name !== 'bias'));

const RANKING = new Set<string>(DERIVED_MODEL_INPUTS);

/**
 * Resolves a model input name: a derived ranking feature first (`user_topic_affinity`, `item_log1p_impressions`, ...),
 * then an item/creator feature of ITEM_FEATURES, then a user feature of USER_FEATURES. Names are unique across these
 * sets except the raw item features the derived ones are computed from, which stay readable under their own names.
 *
 * @throws Error naming the input when it is none of them: a model that reads it cannot be served (never a silent zero).
 */
export function modelInputSource(name: string): ModelInputSource {
  if (RANKING.has(name)) return { kind: 'ranking', name: name as RankingFeatureName };
  if (Object.hasOwn(ITEM_FEATURES, name)) return { kind: 'item', name };
  if (Object.hasOwn(USER_FEATURES, name)) return { kind: 'user', name };
  throw new Error(`unknown model input "${name}": not a ranking feature, an item or creator feature, or a user feature`);
}

/** The one value of the feature views a model input is computed from. */
export type ModelInputRead =
  /** An item (or creator) feature of the item view. */
  | { kind: 'item'; name: string }
  /** A user feature of the user view. */
  | { kind: 'user'; name: string }
  /** The user's topic affinity, at the item's primary topic. */
  | { kind: 'topic_affinity' }
  /** Nothing: a constant. */
  | { kind: 'constant' };

/**
 * What the model input `name` reads from the feature views ({@link modelInputRow}): an item feature (itself, or the
 * served input a derived ranking feature is computed from, e.g. `item_impressions` for `item_log1p_impressions`), a
 * user feature, or the user's topic affinity (`user_topic_affinity`). When a view lacks it, the input is computed from
 * its declared default.
 *
 * @throws Error naming the input when it is unknown (see {@link modelInputSource}).
 */
export function modelInputRead(name: string): ModelInputRead {
  const source = modelInputSource(name);
  if (source.kind !== 'ranking') return source;
  const from = RANKING_FEATURE_SOURCES[source.name];
  return from === 'topic_affinity' || from === 'constant' ? { kind: from } : { kind: 'item', name: from };
}

/**
 * The model inputs `names` of one (user, item) pair from feature views, in order — what a training set holds for an
 * impression and what the ranking service feeds the model for a candidate. Item and user features missing from a
 * view take their declared defaults.
 */
export function modelInputRow(
  names: readonly string[],
  user: Pick<UserFeatureView, 'features' | 'topicAffinity'>,
  item: Pick<ItemFeatureView, 'features'>,
  itemTopic: string,
): Float64Array {
  const sources = names.map(modelInputSource);
  const derived = sources.some((s) => s.kind === 'ranking') ? rankingFeatures(user, item, itemTopic) : undefined;
  return Float64Array.from(sources, (source) => {
    switch (source.kind) {
      case 'ranking':
        return derived![source.name];
      case 'item':
        return item.features[source.name] ?? ITEM_FEATURES[source.name];
      case 'user':
        return user.features[source.name] ?? USER_FEATURES[source.name];
    }
  });
}
