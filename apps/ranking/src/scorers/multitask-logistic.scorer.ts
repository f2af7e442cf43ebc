/** Scorer: per-task probabilities from the multi-task logistic model, fused into one ranking score. */
import { fuseMatrix, predictTaskMatrix, taskNames } from '@recsys/algorithms';
import { RecsysError } from '@recsys/domain';
import type { Scorer } from '@recsys/pipeline';
import type { RankingCandidate, RankingQuery } from '../types';

/**
 * Sets `tasks` (probability per task — click, save, hide, ... — in `taskNames(model)` order) and `rank` =
 * Σ fusion[t] · p[t] with the query's fusion weights (negative weights push likely-hidden items down).
 * O(n · features · tasks).
 */
export const multitaskLogisticScorer: Scorer<RankingQuery, RankingCandidate> = {
  id: 'scorer/multitask-logistic',
  failOpen: false,
  score: (query, candidates) => {
    if (!query.features) throw new RecsysError('internal', 'rank scorer ran without the ranking features');
    const { model } = query.model;
    const tasks = taskNames(model);
    const probabilities = predictTaskMatrix(model, query.features);
    const fused = fuseMatrix(tasks, probabilities, query.features.rows, query.fusion);
    const width = tasks.length;
    return candidates.map((c) => ({ tasks: probabilities.subarray(c.row * width, (c.row + 1) * width), rank: fused[c.row] }));
  },
};
