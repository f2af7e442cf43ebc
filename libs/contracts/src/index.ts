/**
 * Wire contracts of recsys: the ts-proto output for `protos/` (generated into `gen/`, never edited) and the
 * mappers between wire and domain types. Only service adapters (`service.ts`), clients and tools import this.
 */
export * from './gen/descriptor-set';
export * from './gen/recsys/events/v1/engagement_event';
export * from './gen/recsys/v1/catalog_event';
export * from './gen/recsys/v1/common';
export * from './gen/recsys/v1/feature_service';
export * from './gen/recsys/v1/orchestrator_service';
export * from './gen/recsys/v1/ranking_service';
export * from './gen/recsys/v1/recall_service';
export * from './gen/recsys/v1/reranking_service';
export * from './gen/recsys/v1/served_event';
export * from './mappers';
export * from './bus-codecs';
export * from './columns';
