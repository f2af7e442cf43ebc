/** Scorer: the cheap pre-rank score, a logistic model over a few ranking features. */
import { prerankScoreMatrix } from '@recsys/algorithms';
import { RecsysError } from '@recsys/domain';
import type { Scorer } from '@recsys/pipeline';
import type { RankingCandidate, RankingQuery } from '../types';

/** Sets `preRank` = σ(w·x + b) of the pre-rank model's head on each candidate's ranking features. O(n · k). */
export const prerankLinearScorer: Scorer<RankingQuery, RankingCandidate> = {
  id: 'scorer/prerank-linear',
  failOpen: false,
  score: (query, candidates) => {
    if (!query.features) throw new RecsysError('internal', 'pre-rank scorer ran without the ranking features');
    const loaded = query.preRank;
    if (loaded.kind !== 'logistic') throw new RecsysError('internal', `the linear pre-rank scorer got a ${loaded.kind} model`);
    const scores = prerankScoreMatrix(loaded.model, query.features);
    return candidates.map((c) => ({ preRank: scores[c.row] }));
  },
};
