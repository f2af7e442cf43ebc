// Public surface of @recsys/stores: the ports and their embedded adapters (contract suites are imported by path).
export * from './ports';
export * from './topics';
export { FileLogEventBus, openFileLogEventBus, type FileLogEventBusOptions } from './event-bus/file-log.event-bus';
export {
  InMemoryFeatureStore,
  openInMemoryFeatureStore,
  type FeatureEntry,
  type FeatureStoreContents,
  type InMemoryFeatureStoreOptions,
} from './feature-store/in-memory.feature-store';
export { LocalModelStore, type LocalModelStoreOptions } from './model-store/local.model-store';
