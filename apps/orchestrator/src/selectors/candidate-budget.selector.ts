/** Keeps the candidates the ranking stage ranked; when ranking degraded, the best by recall score. */
import { topK, type Selector } from '@recsys/pipeline';
import type { PinCandidate, RecommendQuery } from '../query';

/**
 * Creates the candidate-budget selector: the ranking service pre-ranked every candidate and ranked the best `limit`;
 * only those go on. When ranking degraded (no candidate has a rank score), the best `limit` by recall score do.
 */
export function candidateBudgetSelector(limit: number): Selector<RecommendQuery, PinCandidate> {
  const byRecall = topK<RecommendQuery, PinCandidate>('candidate-budget', limit, (c) => c.recallScore);
  return {
    id: 'candidate-budget',
    select: (q, candidates, ctx) => (candidates.some((c) => c.rankScore !== undefined) ? candidates.filter((c) => c.rankScore !== undefined) : byRecall.select(q, candidates, ctx)),
  };
}
