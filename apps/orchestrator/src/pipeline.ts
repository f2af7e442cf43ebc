/**
 * The request path of DESIGN.md as a declarative pipeline: experiments and user features → recall → item features →
 * pre-rank and the candidate budget → rank → re-rank → the page (always) → served log.
 */
import { definePipeline, sortBy, topK, type PipelineDefinition } from '@recsys/pipeline';
import type { EventBus } from '@recsys/stores';
import type { Layer } from './experiments/layers';
import { pageFinalizer } from './finalizers/page.finalizer';
import type { Downstreams } from './gateways/clients';
import { experimentHydrator } from './hydrators/experiment.hydrator';
import { itemFeaturesHydrator } from './hydrators/item-features.hydrator';
import { userFeaturesHydrator } from './hydrators/user-features.hydrator';
import { bestScore, type PinCandidate, type RecommendQuery } from './query';
import { preRankScorer } from './scorers/pre-rank.scorer';
import { rankScorer } from './scorers/rank.scorer';
import { rerankSelector } from './selectors/rerank.selector';
import { servedLogSideEffect } from './side-effects/served-log.side-effect';
import { recallSource } from './sources/recall.source';
import { RankingInputs } from './state/ranking-inputs';

/** What the pipeline is built from. */
export interface RecommendPipelineDeps {
  downstreams: Downstreams;
  bus: EventBus;
  layers: readonly Layer[];
  recallLimit: number;
  preRankLimit: number;
}

/** Builds the Recommend pipeline. */
export function recommendPipeline(deps: RecommendPipelineDeps): PipelineDefinition<RecommendQuery, PinCandidate> {
  const { downstreams: d } = deps;
  // What the ranking models read, learned from their answers: the item features asked of the feature service.
  const inputs = new RankingInputs();
  return definePipeline<RecommendQuery, PinCandidate>({
    id: 'recommend',
    queryHydrators: [experimentHydrator({ layers: deps.layers }), userFeaturesHydrator({ feature: d.feature })],
    sources: [recallSource({ recall: d.recall, limit: deps.recallLimit })],
    candidateHydrators: [itemFeaturesHydrator({ feature: d.feature, inputs })],
    phases: [
      {
        id: 'pre-rank',
        scorers: [preRankScorer({ ranking: d.ranking, inputs })],
        // The budget of the rank stage: the best by pre-rank score, or by recall score when pre-ranking degraded.
        selectors: [topK<RecommendQuery, PinCandidate>('candidate-budget', deps.preRankLimit, (c) => c.preRankScore ?? c.recallScore)],
      },
    ],
    scorers: [rankScorer({ ranking: d.ranking, inputs })],
    selectors: [sortBy<RecommendQuery, PinCandidate>('rank-order', bestScore), rerankSelector({ reranking: d.reranking })],
    finalizer: pageFinalizer,
    sideEffects: [servedLogSideEffect({ bus: deps.bus })],
  });
}
