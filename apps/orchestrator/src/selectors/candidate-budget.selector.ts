/** Keeps the candidates the ranking stage ranked; when ranking degraded, the best by recall score. */
import { topK, type Selector } from '@recsys/pipeline';
import type { PinCandidate, RecommendQuery } from '../query';

/**
 * Creates the candidate-budget selector: the ranking service pre-ranked every candidate and ranked the best `limit`;
 * only those go on. When ranking degraded (no candidate has a rank score), the best `limit` (or the experiment arm's
 * `preRankLimit`) by recall score do.
 */
export function candidateBudgetSelector(limit: number): Selector<RecommendQuery, PinCandidate> {
  const byRecall = (k: number) => topK<RecommendQuery, PinCandidate>('candidate-budget', k, (c) => c.recallScore);
  const standard = byRecall(limit);
  return {
    id: 'candidate-budget',
    select: (q, candidates, ctx) => {
      if (candidates.some((c) => c.rankScore !== undefined)) return candidates.filter((c) => c.rankScore !== undefined);
      const k = q.params.preRankLimit;
      return (k === undefined ? standard : byRecall(k)).select(q, candidates, ctx);
    },
  };
}
