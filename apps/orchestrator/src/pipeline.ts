/**
 * The request path as a declarative pipeline: experiments → recall → user and item features (one call) → ranking
 * (pre-rank, budget, rank in one call) and the candidate budget → re-rank → the page (always) → served log.
 */
import type { FusionRule } from '@recsys/algorithms';
import type { Surface } from '@recsys/domain';
import { definePipeline, sortBy, type PipelineDefinition } from '@recsys/pipeline';
import type { EventBus } from '@recsys/stores';
import type { ExperimentSource } from '@recsys/experiments';
import { pageFinalizer } from './finalizers/page.finalizer';
import type { Downstreams } from './gateways/clients';
import { experimentHydrator } from './hydrators/experiment.hydrator';
import { featuresHydrator } from './hydrators/features.hydrator';
import { bestScore, type PinCandidate, type RecommendQuery } from './query';
import { rankScorer } from './scorers/rank.scorer';
import { candidateBudgetSelector } from './selectors/candidate-budget.selector';
import { rerankSelector } from './selectors/rerank.selector';
import { servedLogSideEffect } from './side-effects/served-log.side-effect';
import { recallSource } from './sources/recall.source';
import { RankingInputs } from './state/ranking-inputs';

/** What the pipeline is built from. */
export interface RecommendPipelineDeps {
  downstreams: Downstreams;
  bus: EventBus;
  experiments: ExperimentSource;
  recallLimit: number;
  preRankLimit: number;
  /** The fusion rule of each surface (`FUSION_RULES`); a surface without one gets the ranking model's weighted sum. */
  fusionRules?: Readonly<Partial<Record<Surface, FusionRule>>>;
}

/** Builds the Recommend pipeline. */
export function recommendPipeline(deps: RecommendPipelineDeps): PipelineDefinition<RecommendQuery, PinCandidate> {
  const { downstreams: d } = deps;
  // What the ranking models read, learned from their answers: the item features asked of the feature service.
  const inputs = new RankingInputs();
  return definePipeline<RecommendQuery, PinCandidate>({
    id: 'recommend',
    queryHydrators: [experimentHydrator({ experiments: deps.experiments })],
    sources: [recallSource({ recall: d.recall, limit: deps.recallLimit })],
    candidateHydrators: [featuresHydrator({ feature: d.feature, inputs })],
    scorers: [rankScorer({ ranking: d.ranking, inputs, preRankLimit: deps.preRankLimit, fusionRules: deps.fusionRules })],
    selectors: [
      candidateBudgetSelector(deps.preRankLimit),
      sortBy<RecommendQuery, PinCandidate>('rank-order', bestScore),
      rerankSelector({ reranking: d.reranking }),
    ],
    finalizer: pageFinalizer,
    sideEffects: [servedLogSideEffect({ bus: deps.bus })],
  });
}
