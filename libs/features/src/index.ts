// Public surface of @recsys/features: feature definitions written once, for the stream processor and offline replay.

export {
  COUNTER,
  COUNTER_COUNT,
  COUNTER_NAMES,
  AFFINITY_WEIGHTS,
  RECENT_ITEM_EVENTS,
  countEvent,
  isKnownEventType,
} from './definitions/event-updates';
export type { CounterName } from './definitions/event-updates';
export {
  AFFINITY_HALF_LIFE_MS,
  DEDUPE_BUCKET_MS,
  DEDUPE_WINDOW_MS,
  RATE_PRIOR,
  RECENT_ITEMS_LIMIT,
  TOPIC_SHARE,
  smoothedRate,
} from './definitions/knobs';
export {
  CREATOR_FEATURE_DEFINITIONS,
  FEATURE_DEFINITIONS,
  ITEM_FEATURES,
  ITEM_FEATURE_DEFINITIONS,
  USER_FEATURES,
  USER_FEATURE_DEFINITIONS,
  USER_TOPIC_FEATURES,
  USER_TOPIC_FEATURE_DEFINITIONS,
} from './definitions/features';
export type {
  CreatorFeatureSource,
  FeatureDeclaration,
  FeatureDefinition,
  FeatureEntity,
  ItemFeatureSource,
  UserFeatureSource,
  UserTopicFeatureSource,
} from './definitions/features';
export type { CounterValues, CreatorRecord, ItemRecord, RecentItem, UserRecord, UserTopicRecord } from './records/records';
export { RECORD_FORMAT_JSON_V1, decodeItemRecord, decodeUserRecord, encodeItemRecord, encodeUserRecord } from './records/encoding';
export { itemViewFromRecord, topicAffinityOf, userTopicFeatures, userViewFromRecord } from './views/views';
export type { ItemFeatureView, UserFeatureView } from './views/views';
export { FeatureEngine } from './engine/feature-engine';
export type { DirtyKeys, FeatureEngineOptions, FeatureEngineStats } from './engine/feature-engine';
export { EventIdWindow } from './engine/event-id-window';
export type { EventIdVerdict } from './engine/event-id-window';
export { RANKING_FEATURE_NAMES, RANKING_ITEM_INPUTS, rankingFeatureVector, rankingFeatures } from './ranking/ranking-features';
export type { RankingFeatureName, RankingItemInput } from './ranking/ranking-features';
