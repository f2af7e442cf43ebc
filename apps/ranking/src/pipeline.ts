/** The ranking pipelines: PreRank (a cheap score, keep the best `limit`) and Rank (multi-task model, fused score). */
import { definePipeline, sortBy, topK, type PipelineDefinition, type QueryHydrator, type Scorer } from '@recsys/pipeline';
import { rankingFeaturesHydrator } from './hydrators/ranking-features.hydrator';
import { multitaskLogisticScorer } from './scorers/multitask-logistic.scorer';
import { multitaskOnnxScorer } from './scorers/multitask-onnx.scorer';
import { prerankLinearScorer } from './scorers/prerank-linear.scorer';
import { prerankTwoTowerScorer } from './scorers/prerank-two-tower.scorer';
import { preRankBudgetSelector } from './selectors/pre-rank-budget.selector';
import { requestCandidatesSource } from './sources/request-candidates.source';
import type { PreRankModelKind, RankModelKind, RankingCandidate, RankingQuery } from './types';

/** The pre-rank stage of each kind of pre-rank model: its scorer, and whether it reads the ranking features. */
const PRE_RANK: Readonly<Record<PreRankModelKind, { scorer: Scorer<RankingQuery, RankingCandidate>; hydrators: QueryHydrator<RankingQuery>[] }>> = {
  logistic: { scorer: prerankLinearScorer, hydrators: [rankingFeaturesHydrator] },
  'two-tower': { scorer: prerankTwoTowerScorer, hydrators: [] },
};

/** PreRank with the model kind's scorer: pre-rank score → the best `limit` candidates, best first. */
function preRankPipelineWith(kind: PreRankModelKind): PipelineDefinition<RankingQuery, RankingCandidate> {
  return definePipeline<RankingQuery, RankingCandidate>({
    id: 'pre-rank',
    queryHydrators: PRE_RANK[kind].hydrators,
    sources: [requestCandidatesSource],
    scorers: [PRE_RANK[kind].scorer],
    selectors: [topK('selector/top-k', (q: RankingQuery) => q.limit, (c: RankingCandidate) => c.preRank ?? Number.NaN, { failOpen: false })],
  });
}

/**
 * Rank with `scorer`: ranking features → pre-rank score (`preRank`'s scorer) and the budget of `query.limit` (the
 * cascade; every candidate when the budget holds them all) → task predictions and fused score → the ranked
 * candidates, best first.
 */
function rankPipelineWith(preRank: PreRankModelKind, scorer: Scorer<RankingQuery, RankingCandidate>): PipelineDefinition<RankingQuery, RankingCandidate> {
  return definePipeline<RankingQuery, RankingCandidate>({
    id: 'rank',
    queryHydrators: [rankingFeaturesHydrator],
    sources: [requestCandidatesSource],
    phases: [{ id: 'pre-rank', scorers: [PRE_RANK[preRank].scorer], selectors: [preRankBudgetSelector] }],
    scorers: [scorer],
    selectors: [sortBy('selector/sort-by-rank', (c: RankingCandidate) => c.rank ?? Number.NaN, { failOpen: false })],
  });
}

/** The PreRank pipeline of each kind of pre-rank model. */
export const preRankPipelines: Readonly<Record<PreRankModelKind, PipelineDefinition<RankingQuery, RankingCandidate>>> = {
  logistic: preRankPipelineWith('logistic'),
  'two-tower': preRankPipelineWith('two-tower'),
};

const RANK_SCORERS: Readonly<Record<RankModelKind, Scorer<RankingQuery, RankingCandidate>>> = { logistic: multitaskLogisticScorer, onnx: multitaskOnnxScorer };

/**
 * The Rank pipeline of each kind of ranking model and of pre-rank model, the same but for the scorers: the service
 * runs the one of the models a call holds (the one place that dispatches on the kinds; each scorer fails if given
 * another kind).
 */
export const rankPipelines: Readonly<Record<RankModelKind, Readonly<Record<PreRankModelKind, PipelineDefinition<RankingQuery, RankingCandidate>>>>> = {
  logistic: { logistic: rankPipelineWith('logistic', RANK_SCORERS.logistic), 'two-tower': rankPipelineWith('two-tower', RANK_SCORERS.logistic) },
  onnx: { logistic: rankPipelineWith('logistic', RANK_SCORERS.onnx), 'two-tower': rankPipelineWith('two-tower', RANK_SCORERS.onnx) },
};
