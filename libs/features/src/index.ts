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
  RECENCY_CAP_HOURS,
  RATE_PRIOR,
  RECENT_ITEMS_LIMIT,
  TOPIC_SHARE,
  smoothedRate,
} from './definitions/knobs';
export {
  CONTENT_FEATURE_DIM,
  HISTORY_ITEMS,
  contentVector,
  historyContentVector,
  userHistoryFeatures,
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
export { WINDOW, WINDOWS, bucketOf } from './definitions/windows';
export type { WindowSpec } from './definitions/windows';
export type { EntityRecord, RecentItem, UserRecord, UserTopicRecord } from './records/records';
export {
  RECORD_FORMAT_BINARY_V2,
  decodeCreatorRecord,
  decodeItemRecord,
  decodeUserRecord,
  encodeCreatorRecord,
  encodeItemRecord,
  encodeUserRecord,
  readEntityRecord,
} from './records/encoding';
export { countInto, emptyBlock, windowCount } from './state/counter-block';
export type { CounterBlock, WindowSlot } from './state/counter-block';
export { Catalog } from './state/catalog';
export type { CatalogLookup } from './state/catalog';
export { RecordSet } from './state/record-set';
export { applyEngagement, isApplicable } from './state/apply-engagement';
export { ITEM_FEATURE_COLUMNS, itemFeatureColumns, itemFeatureRow, itemView, topicAffinityOf, userTopicFeatures, userView } from './views/views';
export type { ItemFeatureColumns, ItemFeatureRow, ItemFeatureView, ItemViewInput, UserFeatureView, UserViewInput } from './views/views';
export { FeatureEngine } from './engine/feature-engine';
export type { FeatureEngineStats } from './engine/feature-engine';
export {
  RANKING_FEATURE_NAMES,
  RANKING_FEATURE_SOURCES,
  RANKING_ITEM_INPUTS,
  rankingFeatureMatrix,
  rankingFeatureVector,
  rankingFeatures,
  type ItemInputBatch,
  type RankingFeatureName,
  type RankingItemInput,
} from './ranking/ranking-features';
export { DERIVED_MODEL_INPUTS, modelInputRead, modelInputRow, modelInputSource } from './ranking/model-inputs';
export type { ModelInputRead, ModelInputSource } from './ranking/model-inputs';
export { MAX_DWELL_MS, MAX_FUTURE_SKEW_MS, busEventRejection } from './offline/bus-event-rules';
export { checkServedFeatures } from './offline/served-feature-check';
export { BINARY_OUTCOMES, joinImpressions } from './offline/impression-join';
export { joinServedImpressions, servedModelInputs } from './offline/served-log-join';
export type { ServedImpression, ServedImpressionJoin, ServedImpressionJoinOptions, ServedModelInputs, ServedPage, ServedPageItem } from './offline/served-log-join';
export type { BinaryOutcome, ImpressionJoinOptions, ImpressionOutcomes, JoinedImpression } from './offline/impression-join';
export type { FeatureMismatch, LoggedEngagement, LoggedSnapshot, ServedFeatureLog, ServedFeatureReport } from './offline/served-feature-check';
export { ENTITY_RECORD_MERGE } from './records/record-merge';
export { mergeBlock } from './state/counter-block';
