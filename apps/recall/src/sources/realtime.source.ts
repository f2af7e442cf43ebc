// Recall channel `realtime`: item-CF neighbours of what the user engaged with in the last few minutes.
import { accumulateItemCF } from '@recsys/algorithms';
import type { CandidateSource } from '@recsys/pipeline';
import { topOfScores } from '../channel-scores';
import type { RecallModels } from '../models/recall-models';
import type { RecallIndex } from '../state/recall-index';
import { sourceId, type RecallCandidate, type RecallQuery } from '../types';

/** Dependencies of {@link realtimeSource}. */
export interface RealtimeSourceDeps {
  index: RecallIndex;
  models: RecallModels;
  /** How far back an interaction counts, ms (config `RECALL_REALTIME_WINDOW_MS`, default 30 minutes). */
  windowMs: number;
  /** Per-call time budget, ms. */
  timeoutMs?: number;
}

/**
 * The `recall/realtime` source: the user's positive interactions with an event time within `windowMs` before the
 * query time (from the stream, `userRecentTimesMs`), each weighted `1 − age / windowMs` (the newest counts most),
 * vote for their item-CF neighbours (`accumulateItemCF`). Unlike `itemcf` it ignores older history and the session,
 * so it reacts to what the user is doing now, and it answers nothing for a user idle for longer than the window.
 * Seeds and unservable items are left out; channel score: score / best. Needs the `recall/itemcf` artifact.
 * O(recent items × k log quota).
 */
export function realtimeSource(deps: RealtimeSourceDeps): CandidateSource<RecallQuery, RecallCandidate> {
  return {
    id: sourceId('realtime'),
    timeoutMs: deps.timeoutMs,
    fetch: async (query) => {
      const quota = query.quotas.realtime;
      const model = deps.models.itemcf();
      if (quota <= 0 || model === undefined) return [];
      const ids = query.userRecentItemIds ?? [];
      const times = query.userRecentTimesMs ?? [];
      const since = query.nowMs - deps.windowMs;
      const items: number[] = [];
      const weights: number[] = [];
      const exclude = new Set<number>();
      ids.forEach((id, r) => {
        const at = times[r];
        if (!(at >= since)) return;
        const item = deps.index.ids.index(id);
        if (item !== undefined) exclude.add(item);
        const i = model.itemIndex.get(id);
        if (i === undefined) return;
        items.push(i);
        weights.push(Math.max(0, Math.min(1, 1 - (query.nowMs - at) / deps.windowMs)));
      });
      if (items.length === 0) return [];
      accumulateItemCF(model.neighbors, Int32Array.from(items), Float32Array.from(weights), model.scratch);
      return topOfScores('realtime', deps.index, model.scratch, model.items, quota, exclude);
    },
  };
}
