/** Scores candidates with the ranking service's multi-task model and its fused score. */
import type { Scorer } from '@recsys/pipeline';
import type { Downstreams } from '../gateways/clients';
import { scoringCandidates, userScoringContext } from '../gateways/wire';
import type { PinCandidate, RecommendQuery } from '../query';

/** Creates the rank scorer; when it fails candidates keep their pre-rank (or recall) score. */
export function rankScorer(deps: { ranking: Downstreams['ranking'] }): Scorer<RecommendQuery, PinCandidate> {
  return {
    id: 'ranking/rank',
    score: async (q, candidates, ctx) => {
      if (candidates.length === 0) return [];
      const res = await deps.ranking.rank(
        { user: userScoringContext(q), ...scoringCandidates(candidates), fusionWeights: { ...(q.params.fusionWeights ?? {}) } },
        { signal: ctx.signal, deadlineMs: ctx.deadlineMs },
      );
      const byId = new Map(res.candidates.map((c) => [c.itemId, c]));
      return candidates.map((c) => {
        const scored = byId.get(c.id);
        return scored ? { rankScore: scored.scores?.rank ?? 0, tasks: { ...(scored.scores?.tasks ?? {}) } } : {};
      });
    },
  };
}
