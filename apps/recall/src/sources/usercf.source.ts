// Recall channel `usercf`: items of the user's nearest neighbour users (user-CF).
import { accumulateUserCF } from '@recsys/algorithms';
import type { CandidateSource } from '@recsys/pipeline';
import { topOfScores } from '../channel-scores';
import type { RecallModels } from '../models/recall-models';
import type { RecallIndex } from '../state/recall-index';
import { sourceId, type RecallCandidate, type RecallQuery } from '../types';
import { seedsOf } from './seeds';

/** Dependencies of {@link userCFSource}. */
export interface UserCFSourceDeps {
  index: RecallIndex;
  models: RecallModels;
  /** Per-call time budget, ms. */
  timeoutMs?: number;
}

/**
 * The `recall/usercf` source: user-CF scores over the user's k nearest neighbours in the `recall/usercf` artifact
 * (`accumulateUserCF`: Σ similarity over the neighbours having the item, in the training rows). Users not in the
 * artifact (new since the build, or unknown) get nothing: user-CF has no fold-in. Items the user already has
 * (training row, recent positives, session) and unservable items are left out; channel score: score / best.
 * O(Σ neighbours' row lengths · log quota), independent of the number of items.
 */
export function userCFSource(deps: UserCFSourceDeps): CandidateSource<RecallQuery, RecallCandidate> {
  return {
    id: sourceId('usercf'),
    timeoutMs: deps.timeoutMs,
    fetch: async (query) => {
      const quota = query.quotas.usercf;
      const model = deps.models.usercf();
      if (quota <= 0 || model === undefined) return [];
      const user = model.userIndex.get(query.userId);
      if (user === undefined) return [];
      accumulateUserCF(model.neighbors, model.matrix, user, model.scratch);
      const { matrix } = model;
      // The user's own training items: scored 0 so they are never offered back.
      for (let e = matrix.indptr[user]; e < matrix.indptr[user + 1]; e++) model.scratch.values[matrix.indices[e]] = 0;
      const exclude = new Set<number>();
      for (const item of seedsOf(query, deps.index.ids).items) if (item >= 0) exclude.add(item);
      return topOfScores('usercf', deps.index, model.scratch, model.items, quota, exclude);
    },
  };
}
