/** Cuts recall's candidates to the best few hundred with the ranking service's cheap pre-rank model. */
import type { Selector } from '@recsys/pipeline';
import type { Downstreams } from '../gateways/clients';
import { scoringCandidates, userScoringContext } from '../gateways/wire';
import type { PinCandidate, RecommendQuery } from '../query';

/** Creates the pre-rank selector; when it fails the candidate budget selector cuts by recall score instead. */
export function preRankSelector(deps: { ranking: Downstreams['ranking']; limit: number }): Selector<RecommendQuery, PinCandidate> {
  return {
    id: 'ranking/pre-rank',
    select: async (q, candidates, ctx) => {
      if (candidates.length === 0) return [];
      const res = await deps.ranking.preRank(
        { user: userScoringContext(q), ...scoringCandidates(candidates), limit: deps.limit },
        { signal: ctx.signal, deadlineMs: ctx.deadlineMs },
      );
      const byId = new Map(candidates.map((c) => [c.id, c]));
      return res.candidates.flatMap((c) => {
        const original = byId.get(c.itemId);
        return original ? [{ ...original, preRankScore: c.scores?.preRank ?? 0 }] : [];
      });
    },
  };
}
