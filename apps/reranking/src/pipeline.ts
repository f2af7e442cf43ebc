/** The reranking pipeline: business-rule filters, then diversity, page truncation and grid layout. */
import { definePipeline, type PipelineDefinition } from '@recsys/pipeline';
import { seenFilter } from './filters/seen.filter';
import { unsafeFilter } from './filters/unsafe.filter';
import { masonryLayoutSelector } from './selectors/masonry-layout.selector';
import { pageSizeSelector } from './selectors/page-size.selector';
import { topicDiversitySelector, type TopicDiversityOptions } from './selectors/topic-diversity.selector';
import { requestCandidatesSource } from './sources/request-candidates.source';
import type { RerankItem, RerankQuery } from './types';

/** Builds the Rerank pipeline with the configured diversity limits. */
export function rerankPipeline(deps: { diversity: TopicDiversityOptions }): PipelineDefinition<RerankQuery, RerankItem> {
  return definePipeline<RerankQuery, RerankItem>({
    id: 'rerank',
    sources: [requestCandidatesSource],
    filters: [seenFilter, unsafeFilter],
    selectors: [topicDiversitySelector({ options: deps.diversity }), pageSizeSelector, masonryLayoutSelector],
  });
}
