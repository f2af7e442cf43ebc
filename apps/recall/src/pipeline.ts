/** The recall pipeline: user state → channels in parallel → merge by item → hidden filter → top `limit` by recall score. */
import { definePipeline, topK, type CandidateSource, type PipelineDefinition } from '@recsys/pipeline';
import type { VectorStore } from '@recsys/stores';
import { hiddenFilter } from './filters/hidden.filter';
import { userStateHydrator } from './hydrators/user-state.hydrator';
import type { RecallModels } from './models/recall-models';
import type { TwoTowerRecall } from './models/two-tower-recall';
import { alsSource } from './sources/als.source';
import { contentSource } from './sources/content.source';
import { freshSource } from './sources/fresh.source';
import { graphSource } from './sources/graph.source';
import { itemCFSource } from './sources/itemcf.source';
import { popularSource } from './sources/popular.source';
import { realtimeSource } from './sources/realtime.source';
import { relatedSource } from './sources/related.source';
import { segmentPopularSource } from './sources/segment-popular.source';
import { topicAffinitySource } from './sources/topic-affinity.source';
import { twoTowerSource } from './sources/two-tower.source';
import { userCFSource } from './sources/usercf.source';
import type { ContentVectors } from './state/content-vectors';
import type { RecallIndex } from './state/recall-index';
import type { SaveGraph } from './state/save-graph';
import { mergeCandidates, type RecallCandidate, type RecallQuery } from './types';

/** Dependencies of {@link buildRecallPipeline}. */
export interface RecallPipelineDeps {
  index: RecallIndex;
  /** The recall artifacts (item-CF, user-CF, ALS); channels whose artifact is not loaded answer nothing. */
  models: RecallModels;
  /** The live save graph of the `graph` channel. */
  graph: SaveGraph;
  /** The content-embedding collection of the `content` channel. */
  content: ContentVectors;
  /** The two-tower model and its item collection of the `two-tower` channel. */
  twoTower: TwoTowerRecall;
  /** The vector store holding the ALS item factors. */
  vectors: VectorStore;
  /** Time budget of each channel, ms; a channel over budget is dropped and reported as degraded. */
  channelTimeoutMs: number;
  /** Look-back of the realtime channel, ms. */
  realtimeWindowMs: number;
  /** Walk steps of the graph channel per request. */
  graphSteps: number;
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
  const { index, models, channelTimeoutMs: timeoutMs } = deps;
  return definePipeline<RecallQuery, RecallCandidate>({
    id: 'recall',
    queryHydrators: [userStateHydrator({ index })],
    sources: [
      popularSource({ index, timeoutMs }),
      segmentPopularSource({ index, timeoutMs }),
      topicAffinitySource({ index, timeoutMs }),
      freshSource({ index, timeoutMs }),
      relatedSource({ index, timeoutMs }),
      itemCFSource({ index, models, timeoutMs }),
      userCFSource({ index, models, timeoutMs }),
      graphSource({ index, graph: deps.graph, steps: deps.graphSteps, timeoutMs }),
      alsSource({ index, models, vectors: deps.vectors, timeoutMs }),
      contentSource({ index, content: deps.content, timeoutMs }),
      realtimeSource({ index, models, windowMs: deps.realtimeWindowMs, timeoutMs }),
      twoTowerSource({ index, twoTower: deps.twoTower, timeoutMs }),
      ...extraSources,
    ],
    merge: mergeCandidates,
    filters: [hiddenFilter({ index })],
    // One selector sorts and cuts: the `limit` best by recall score, descending, ties in merge order.
    selectors: [topK<RecallQuery, RecallCandidate>('select/limit', (q) => q.limit, (c) => c.recallScore)],
  });
}
