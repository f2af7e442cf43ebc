/** Scorer: the cheap pre-rank score, a logistic model over a few ranking features. */
import { prerankScore } from '@recsys/algorithms';
import type { Scorer } from '@recsys/pipeline';
import type { RankingCandidate, RankingQuery } from '../types';

/** Sets `preRank` = σ(w·x + b) of the model's pre-rank head on each candidate's ranking features. O(n · k). */
export const prerankLinearScorer: Scorer<RankingQuery, RankingCandidate> = {
  id: 'scorer/prerank-linear',
  failOpen: false,
  score: (query, candidates) => candidates.map((c) => ({ preRank: prerankScore(query.model.model, c.features ?? {}) })),
};
