/** The recall pipeline: user state → channels in parallel → merge by item → hidden filter → sort → top `limit`. */
import { definePipeline, sortBy, topK, type CandidateSource, type PipelineDefinition } from '@recsys/pipeline';
import { hiddenFilter } from './filters/hidden.filter';
import { userStateHydrator } from './hydrators/user-state.hydrator';
import { freshSource } from './sources/fresh.source';
import { popularSource } from './sources/popular.source';
import { relatedSource } from './sources/related.source';
import { segmentPopularSource } from './sources/segment-popular.source';
import { topicAffinitySource } from './sources/topic-affinity.source';
import type { RecallIndex } from './state/recall-index';
import { mergeCandidates, type RecallCandidate, type RecallQuery } from './types';

/** Dependencies of {@link buildRecallPipeline}. */
export interface RecallPipelineDeps {
  index: RecallIndex;
  /** Time budget of each channel, ms; a channel over budget is dropped and reported as degraded. */
  channelTimeoutMs: number;
  /** Age limit of the fresh channel, ms. */
  freshWindowMs: number;
}

/**
 * The recall pipeline. Channels run in parallel and fail open (a failing or slow channel is dropped and reported,
 * the others still answer); an item found by several channels is one candidate listing every channel, with
 * `recallScore` = best channel score + 0.1 per further channel (`recallScoreOf`). `extraSources` run after the
 * built-in channels, e.g. a channel under test or an experimental one.
 */
export function buildRecallPipeline(
  deps: RecallPipelineDeps,
  extraSources: readonly CandidateSource<RecallQuery, RecallCandidate>[] = [],
): PipelineDefinition<RecallQuery, RecallCandidate> {
  const { index, channelTimeoutMs: timeoutMs } = deps;
  return definePipeline<RecallQuery, RecallCandidate>({
    id: 'recall',
    queryHydrators: [userStateHydrator({ index })],
    sources: [
      popularSource({ index, timeoutMs }),
      segmentPopularSource({ index, timeoutMs }),
      topicAffinitySource({ index, timeoutMs }),
      freshSource({ index, timeoutMs, windowMs: deps.freshWindowMs }),
      relatedSource({ index, timeoutMs }),
      ...extraSources,
    ],
    merge: mergeCandidates,
    filters: [hiddenFilter({ index })],
    selectors: [
      sortBy<RecallQuery, RecallCandidate>('select/recall-score', (c) => c.recallScore),
      topK<RecallQuery, RecallCandidate>('select/limit', (q) => q.limit, (c) => c.recallScore),
    ],
  });
}
