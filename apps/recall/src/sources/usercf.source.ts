// Recall channel `usercf`: items of the user's nearest neighbour users (user-CF).
import { scoreUserCF } from '@recsys/algorithms';
import type { CandidateSource } from '@recsys/pipeline';
import { scaledToBest, topOfDense } from '../channel-scores';
import type { RecallModels } from '../models/recall-models';
import type { RecallIndex } from '../state/recall-index';
import { channelCandidates, sourceId, type RecallCandidate, type RecallQuery } from '../types';

/** Dependencies of {@link userCFSource}. */
export interface UserCFSourceDeps {
  index: RecallIndex;
  models: RecallModels;
  /** Per-call time budget, ms. */
  timeoutMs?: number;
}

/**
 * The `recall/usercf` source: `scoreUserCF` over the user's k nearest neighbours in the `recall/usercf` artifact
 * (Σ similarity over the neighbours having the item, in the training rows). Users not in the artifact (new since
 * the build, or unknown) get nothing: user-CF has no fold-in. Items the user already has (training row, recent
 * positives, session) and unservable items are left out; channel score: score / best.
 * O(items + Σ neighbours' row lengths).
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
      scoreUserCF(model.neighbors, model.matrix, user, model.scratch);
      const { matrix } = model;
      // The user's own training items: scored 0 so they are never offered back.
      for (let e = matrix.indptr[user]; e < matrix.indptr[user + 1]; e++) model.scratch[matrix.indices[e]] = 0;
      const exclude = new Set([...query.sessionItemIds, ...(query.userRecentItemIds ?? [])]);
      const top = topOfDense(model.scratch, model.itemIds, quota, (id) => !exclude.has(id) && deps.index.isServable(id));
      return channelCandidates('usercf', scaledToBest(top));
    },
  };
}
