// Public surface of @recsys/stores: the ports and their adapters (contract suites are imported by path).
export * from './ports';
export * from './topics';
export { FileLogEventBus, openFileLogEventBus, type FileLogEventBusOptions } from './event-bus/file-log.event-bus';
export { decodeEach, replayTopics, type Replay, type ReplayTopic } from './event-bus/replay';
export { KafkaEventBus, openKafkaEventBus, type KafkaEventBusOptions } from './event-bus/kafka.event-bus';
export { openEventBus, type OpenEventBusOptions } from './event-bus/open-event-bus';
export {
  DEAD_LETTER_OFFSET_HEADER,
  DEAD_LETTER_PARTITION_HEADER,
  DEAD_LETTER_REASON_HEADER,
  DEAD_LETTER_TOPIC_HEADER,
} from './event-bus/dead-letters';
export {
  InMemoryFeatureStore,
  openInMemoryFeatureStore,
  type FeatureEntry,
  type FeatureStoreContents,
  type InMemoryFeatureStoreOptions,
} from './feature-store/in-memory.feature-store';
export { RedisFeatureStore, openRedisFeatureStore, type RedisFeatureStoreOptions } from './feature-store/redis.feature-store';
export { openFeatureStore, type OpenFeatureStoreOptions } from './feature-store/open-feature-store';
export { LocalModelStore, type LocalModelStoreOptions } from './model-store/local.model-store';
export {
  HnswVectorStore,
  openHnswVectorStore,
  type HnswCollectionStats,
  type HnswVectorStoreOptions,
} from './vector-store/hnsw.vector-store';
export { QdrantVectorStore, openQdrantVectorStore, type QdrantVectorStoreOptions } from './vector-store/qdrant.vector-store';
export { POINT_ID_NAMESPACE, qdrantPointId, uuidV5 } from './vector-store/qdrant-point-id';
export { RESERVED_ID_KEY } from './vector-store/vector-input';
