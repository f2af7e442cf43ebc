/** Scores every candidate with the ranking service's cheap pre-rank model (the budget selector then cuts). */
import { readFloat64Column, readUint32Column } from '@recsys/contracts';
import { RecsysError } from '@recsys/domain';
import type { Scorer } from '@recsys/pipeline';
import type { Downstreams } from '../gateways/clients';
import { scoringColumns, userScoringContext } from '../gateways/wire';
import type { PinCandidate, RecommendQuery } from '../query';
import type { RankingInputs } from '../state/ranking-inputs';

/** Creates the pre-rank scorer; when it fails candidates keep no pre-rank score and the budget cuts by recall score. */
export function preRankScorer(deps: { ranking: Downstreams['ranking']; inputs: RankingInputs }): Scorer<RecommendQuery, PinCandidate> {
  return {
    id: 'ranking/pre-rank',
    score: async (q, candidates, ctx) => {
      if (candidates.length === 0) return [];
      // Every row scored (limit = all of them): the candidate-budget selector keeps the best.
      const res = await deps.ranking.preRankColumns(
        { user: userScoringContext(q), candidates: scoringColumns(candidates), limit: candidates.length },
        { signal: ctx.signal, deadlineMs: ctx.deadlineMs },
      );
      deps.inputs.observe('preRank', res, candidates[0].features !== undefined, ctx);
      const rows = readUint32Column(res.rows, candidates.length, 'pre-rank rows', 'internal');
      const scores = readFloat64Column(res.scores, candidates.length, 'pre-rank scores', 'internal');
      const patches: { preRankScore: number }[] = new Array(candidates.length);
      rows.forEach((row, i) => {
        if (row >= candidates.length || patches[row] !== undefined) throw new RecsysError('internal', `ranking answered pre-rank row ${row} of ${candidates.length} twice or out of range`);
        patches[row] = { preRankScore: scores[i] };
      });
      return patches;
    },
  };
}
