/** The ranking pipelines: PreRank (cheap linear score, keep the best `limit`) and Rank (multi-task model, fused score). */
import { definePipeline, sortBy, topK, type PipelineDefinition, type Scorer } from '@recsys/pipeline';
import { rankingFeaturesHydrator } from './hydrators/ranking-features.hydrator';
import { multitaskLogisticScorer } from './scorers/multitask-logistic.scorer';
import { multitaskOnnxScorer } from './scorers/multitask-onnx.scorer';
import { prerankLinearScorer } from './scorers/prerank-linear.scorer';
import { preRankBudgetSelector } from './selectors/pre-rank-budget.selector';
import { requestCandidatesSource } from './sources/request-candidates.source';
import type { RankModelKind, RankingCandidate, RankingQuery } from './types';

/** PreRank: ranking features → pre-rank score → the best `limit` candidates, best first. */
export const preRankPipeline: PipelineDefinition<RankingQuery, RankingCandidate> = definePipeline<RankingQuery, RankingCandidate>({
  id: 'pre-rank',
  queryHydrators: [rankingFeaturesHydrator],
  sources: [requestCandidatesSource],
  scorers: [prerankLinearScorer],
  selectors: [topK('selector/top-k', (q: RankingQuery) => q.limit, (c: RankingCandidate) => c.preRank ?? Number.NaN, { failOpen: false })],
});

/**
 * Rank with `scorer`: ranking features → pre-rank score and the budget of `query.limit` (the cascade; every candidate
 * when the budget holds them all) → task predictions and fused score → the ranked candidates, best first.
 */
function rankPipelineWith(scorer: Scorer<RankingQuery, RankingCandidate>): PipelineDefinition<RankingQuery, RankingCandidate> {
  return definePipeline<RankingQuery, RankingCandidate>({
    id: 'rank',
    queryHydrators: [rankingFeaturesHydrator],
    sources: [requestCandidatesSource],
    phases: [{ id: 'pre-rank', scorers: [prerankLinearScorer], selectors: [preRankBudgetSelector] }],
    scorers: [scorer],
    selectors: [sortBy('selector/sort-by-rank', (c: RankingCandidate) => c.rank ?? Number.NaN, { failOpen: false })],
  });
}

/**
 * The Rank pipeline of each kind of ranking model, the same but for the rank scorer: the service runs the one of the
 * model a call holds (the one place that dispatches on the kind; each scorer fails if given the other kind).
 */
export const rankPipelines: Readonly<Record<RankModelKind, PipelineDefinition<RankingQuery, RankingCandidate>>> = {
  logistic: rankPipelineWith(multitaskLogisticScorer),
  onnx: rankPipelineWith(multitaskOnnxScorer),
};
