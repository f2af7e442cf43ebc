/** Selector: the budget of the rank stage, the best `query.limit` candidates by pre-rank score. */
import { topK, type Selector } from '@recsys/pipeline';
import type { RankingCandidate, RankingQuery } from '../types';

const best = topK<RankingQuery, RankingCandidate>('selector/pre-rank-budget', (q) => q.limit, (c) => c.preRank ?? Number.NaN);

/**
 * Keeps the best `query.limit` candidates by pre-rank score, best first; when the budget holds every candidate they
 * pass unchanged (a Rank call that did not ask to pre-rank). Fails closed.
 */
export const preRankBudgetSelector: Selector<RankingQuery, RankingCandidate> = {
  id: 'selector/pre-rank-budget',
  failOpen: false,
  select: (query, candidates, ctx) => (query.limit >= candidates.length ? [...candidates] : best.select(query, candidates, ctx)),
};
