/** Scorer: per-task probabilities from the multi-task logistic model, fused into one ranking score. */
import { fuse, predictTasks } from '@recsys/algorithms';
import type { Scorer } from '@recsys/pipeline';
import type { RankingCandidate, RankingQuery } from '../types';

/**
 * Sets `tasks` (probability per task: click, save, hide, ...) and `rank` = Σ fusion[t] · p[t] with the query's
 * fusion weights (negative weights push likely-hidden items down). O(n · features · tasks).
 */
export const multitaskLogisticScorer: Scorer<RankingQuery, RankingCandidate> = {
  id: 'scorer/multitask-logistic',
  failOpen: false,
  score: (query, candidates) =>
    candidates.map((c) => {
      const tasks = predictTasks(query.model.model, c.features ?? {});
      return { tasks, rank: fuse(tasks, query.fusion) };
    }),
};
