/** Scores candidates with the ranking service's multi-task model and its fused score. */
import { readFloat32Matrix, readFloat64Column } from '@recsys/contracts';
import type { Scorer } from '@recsys/pipeline';
import type { Downstreams } from '../gateways/clients';
import { scoringColumns, userScoringContext } from '../gateways/wire';
import type { PinCandidate, RecommendQuery } from '../query';
import type { RankingInputs } from '../state/ranking-inputs';

/** Creates the rank scorer; when it fails candidates keep their pre-rank (or recall) score. */
export function rankScorer(deps: { ranking: Downstreams['ranking']; inputs: RankingInputs }): Scorer<RecommendQuery, PinCandidate> {
  return {
    id: 'ranking/rank',
    score: async (q, candidates, ctx) => {
      if (candidates.length === 0) return [];
      const res = await deps.ranking.rankColumns(
        { user: userScoringContext(q), candidates: scoringColumns(candidates), fusionWeights: { ...(q.params.fusionWeights ?? {}) } },
        { signal: ctx.signal, deadlineMs: ctx.deadlineMs },
      );
      deps.inputs.observe('rank', res, candidates[0].features !== undefined, ctx);
      const scores = readFloat64Column(res.scores, candidates.length, 'rank scores', 'internal');
      const names = res.taskNames;
      const tasks = readFloat32Matrix(res.taskProbabilities, candidates.length, names.length, 'rank task_probabilities', 'internal').values;
      return candidates.map((_, i) => ({ rankScore: scores[i], tasks: { names, values: tasks.subarray(i * names.length, (i + 1) * names.length) } }));
    },
  };
}
