/** The feature-read pipelines: one store read for every requested key, then views computed at the request time. */
import type { Catalog } from '@recsys/features';
import type { Logger } from '@recsys/logger';
import { definePipeline, type PipelineDefinition } from '@recsys/pipeline';
import type { FeatureStore } from '@recsys/stores';
import { itemViewHydrator } from './hydrators/item-view.hydrator';
import { userViewHydrator } from './hydrators/user-view.hydrator';
import { itemRecordsSource } from './sources/item-records.source';
import { userRecordSource } from './sources/user-record.source';
import type { ItemCandidate, ItemFeaturesQuery, UserCandidate, UserFeaturesQuery } from './types';

/** Dependencies of the feature pipelines. */
export interface FeaturePipelineDeps {
  store: FeatureStore;
  catalog: Catalog;
  logger: Logger;
  /** Engagement partitions whose watermarks are read with the records. */
  partitions: number;
}

/**
 * GetItemFeatures: `source/item-records` (ONE getMany of the distinct `i:<item>` and `c:<creator>` keys and the watermarks) → `hydrator/item-view`.
 * Every component fails closed: serving defaults because the store is down would hide an outage from the caller,
 * which has its own fallback (declared defaults) and reports the degradation.
 */
export function buildItemFeaturesPipeline(deps: FeaturePipelineDeps): PipelineDefinition<ItemFeaturesQuery, ItemCandidate> {
  return definePipeline<ItemFeaturesQuery, ItemCandidate>({
    id: 'feature-items',
    sources: [itemRecordsSource(deps)],
    candidateHydrators: [itemViewHydrator(deps)],
  });
}

/** GetUserFeatures: `source/user-record` (one store read of `u:<id>`) → `hydrator/user-view`; fails closed. */
export function buildUserFeaturesPipeline(deps: FeaturePipelineDeps): PipelineDefinition<UserFeaturesQuery, UserCandidate> {
  return definePipeline<UserFeaturesQuery, UserCandidate>({
    id: 'feature-user',
    sources: [userRecordSource(deps)],
    candidateHydrators: [userViewHydrator(deps)],
  });
}
