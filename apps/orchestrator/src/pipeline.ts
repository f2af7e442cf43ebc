/**
 * The request path of DESIGN.md as a declarative pipeline: experiments and user features → recall →
 * item features → pre-rank (cut to a budget) → rank → re-rank → page → served log.
 */
import { definePipeline, sortBy, topK } from '@recsys/pipeline';
import type { EventBus } from '@recsys/stores';
import type { Layer } from './experiments/layers';
import type { Downstreams } from './gateways/clients';
import { experimentHydrator } from './hydrators/experiment.hydrator';
import { itemFeaturesHydrator } from './hydrators/item-features.hydrator';
import { userFeaturesHydrator } from './hydrators/user-features.hydrator';
import { bestScore, type PinCandidate, type RecommendQuery } from './query';
import { rankScorer } from './scorers/rank.scorer';
import { pageSelector } from './selectors/page.selector';
import { preRankSelector } from './selectors/pre-rank.selector';
import { rerankSelector } from './selectors/rerank.selector';
import { servedLogSideEffect } from './side-effects/served-log.side-effect';
import { recallSource } from './sources/recall.source';

/** What the pipeline is built from. */
export interface RecommendPipelineDeps {
  downstreams: Downstreams;
  bus: EventBus;
  layers: readonly Layer[];
  recallLimit: number;
  preRankLimit: number;
}

/** Builds the Recommend pipeline. */
export function recommendPipeline(deps: RecommendPipelineDeps) {
  const { downstreams: d } = deps;
  return definePipeline<RecommendQuery, PinCandidate>({
    id: 'recommend',
    queryHydrators: [experimentHydrator({ layers: deps.layers }), userFeaturesHydrator({ feature: d.feature })],
    sources: [recallSource({ recall: d.recall, limit: deps.recallLimit })],
    candidateHydrators: [itemFeaturesHydrator({ feature: d.feature })],
    phases: [
      {
        id: 'pre-rank',
        selectors: [
          preRankSelector({ ranking: d.ranking, limit: deps.preRankLimit }),
          // Holds the budget when pre-ranking degraded: the best by recall score go on to ranking.
          topK<RecommendQuery, PinCandidate>('candidate-budget', deps.preRankLimit, (c) => c.preRankScore ?? c.recallScore),
        ],
      },
    ],
    scorers: [rankScorer({ ranking: d.ranking })],
    selectors: [sortBy<RecommendQuery, PinCandidate>('rank-order', bestScore), rerankSelector({ reranking: d.reranking }), pageSelector],
    sideEffects: [servedLogSideEffect({ bus: deps.bus })],
  });
}
