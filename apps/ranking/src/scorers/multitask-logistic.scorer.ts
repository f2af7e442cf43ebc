/** Scorer: per-task probabilities from the multi-task logistic model, fused into one ranking score. */
import { fuseMatrix, predictTaskMatrix } from '@recsys/algorithms';
import { RecsysError } from '@recsys/domain';
import type { Scorer } from '@recsys/pipeline';
import type { RankingCandidate, RankingQuery } from '../types';

/**
 * Sets `tasks` (probability per task — click, save, hide, ... — in `model.tasks` order) and `rank`, the probabilities
 * fused by the query's rule (e.g. a weighted sum whose negative hide weight pushes likely-hidden items down). Fails
 * when the query's model is not a logistic one. O(n · features · tasks).
 */
export const multitaskLogisticScorer: Scorer<RankingQuery, RankingCandidate> = {
  id: 'scorer/multitask-logistic',
  failOpen: false,
  score: (query, candidates) => {
    if (!query.features) throw new RecsysError('internal', 'rank scorer ran without the ranking features');
    const loaded = query.model;
    if (loaded.kind !== 'logistic') throw new RecsysError('internal', `scorer/multitask-logistic cannot score with ${loaded.kind} model ${loaded.version}`);
    const probabilities = predictTaskMatrix(loaded.model, query.features);
    const fused = fuseMatrix(query.fusion.rule, query.fusion.tasks, probabilities, query.features.rows);
    const width = loaded.tasks.length;
    return candidates.map((c) => ({ tasks: probabilities.subarray(c.row * width, (c.row + 1) * width), rank: fused[c.row] }));
  },
};
