/** Ranks candidates with the ranking service's cascade: the pre-rank model over all, the multi-task model over the best. */
import type { FusionRule } from '@recsys/algorithms';
import { readFloat32Matrix, readFloat64Column, readUint32Column } from '@recsys/contracts';
import { RecsysError, type Surface } from '@recsys/domain';
import type { Scorer } from '@recsys/pipeline';
import type { Downstreams } from '../gateways/clients';
import { fusionRuleToWire, scoringColumns, userScoringContext } from '../gateways/wire';
import type { PinCandidate, RecommendQuery } from '../query';
import type { RankingInputs } from '../state/ranking-inputs';

/**
 * Creates the rank scorer: one RankColumns call pre-ranks every candidate and ranks the best `preRankLimit` with the
 * multi-task model and its fused score (the features travel once). The fusion rule is the arm's `fusion`, else the
 * surface's (`fusionRules`), else none (the ranking model's weighted sum); an arm's `fusionWeights` override its
 * weights, and an arm may set `preRankLimit`. Every candidate gets its pre-rank score, the
 * ranked ones their rank score and task probabilities. When it fails candidates keep their recall score.
 */
export function rankScorer(deps: {
  ranking: Downstreams['ranking'];
  inputs: RankingInputs;
  preRankLimit: number;
  fusionRules?: Readonly<Partial<Record<Surface, FusionRule>>>;
}): Scorer<RecommendQuery, PinCandidate> {
  return {
    id: 'ranking',
    score: async (q, candidates, ctx) => {
      if (candidates.length === 0) return [];
      const rule = q.params.fusion ?? deps.fusionRules?.[q.surface];
      const res = await deps.ranking.rankColumns(
        {
          user: userScoringContext(q),
          candidates: scoringColumns(candidates),
          fusionWeights: { ...(q.params.fusionWeights ?? {}) },
          fusionRule: rule === undefined ? undefined : fusionRuleToWire(rule),
          preRankLimit: q.params.preRankLimit ?? deps.preRankLimit,
        },
        { signal: ctx.signal, deadlineMs: ctx.deadlineMs },
      );
      deps.inputs.observe(res, candidates[0].features !== undefined, ctx);
      const preRank = readFloat64Column(res.preRankScores, candidates.length, 'ranking pre_rank_scores', 'internal');
      const patches: Partial<PinCandidate>[] = Array.from(preRank, (preRankScore) => ({ preRankScore }));
      const ranked = Math.floor(res.rows.byteLength / 4);
      const rows = readUint32Column(res.rows, ranked, 'ranking rows', 'internal');
      const scores = readFloat64Column(res.scores, ranked, 'ranking scores', 'internal');
      const names = res.taskNames;
      const tasks = readFloat32Matrix(res.taskProbabilities, ranked, names.length, 'ranking task_probabilities', 'internal').values;
      rows.forEach((row, i) => {
        const patch = patches[row];
        if (patch === undefined || patch.rankScore !== undefined) throw new RecsysError('internal', `ranking answered row ${row} of ${candidates.length} twice or out of range`);
        patch.rankScore = scores[i];
        patch.tasks = { names, values: tasks.subarray(i * names.length, (i + 1) * names.length) };
      });
      return patches;
    },
  };
}
