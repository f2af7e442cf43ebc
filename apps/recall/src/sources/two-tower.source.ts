// Recall channel `two-tower`: items whose two-tower item embedding is nearest the user tower's embedding of the user.
import type { CandidateSource } from '@recsys/pipeline';
import { channelCandidates } from '../channel-scores';
import { embedUser, type TwoTowerRecall } from '../models/two-tower-recall';
import type { RecallIndex } from '../state/recall-index';
import { sourceId, type RecallCandidate, type RecallQuery } from '../types';
import { seedsOf } from './seeds';

/** Dependencies of {@link twoTowerSource}. */
export interface TwoTowerSourceDeps {
  index: RecallIndex;
  /** The two-tower model and its item collection (off while no version is loaded). */
  twoTower: TwoTowerRecall;
  /** Per-call time budget, ms. */
  timeoutMs?: number;
}

/**
 * The `recall/two-tower` source: runs the user tower once on the user's history vector (the mean content embedding
 * of the user's recent positive items, see `embedUser`) and takes the nearest items by cosine from the live version's
 * collection (`two-tower-items-<version>`), the seed items (session and recent items) and unservable items left out.
 * Channel score: the cosine similarity clamped to [0, 1]. Answers nothing while no two-tower model is loaded or
 * when none of the user's recent items has a content embedding (a cold-start user).
 */
export function twoTowerSource(deps: TwoTowerSourceDeps): CandidateSource<RecallQuery, RecallCandidate> {
  const { index } = deps;
  const embeddingOf = (id: string) => index.item(id)?.embedding;
  return {
    id: sourceId('two-tower'),
    timeoutMs: deps.timeoutMs,
    fetch: async (query, ctx) => {
      const quota = query.quotas['two-tower'];
      if (quota <= 0) return [];
      const lease = deps.twoTower.acquire();
      if (lease === undefined) return [];
      try {
        const { model, collection } = lease.loaded;
        const user = await embedUser(model, query.userRecentItemIds ?? [], embeddingOf);
        if (user === undefined || ctx.signal.aborted) return [];
        const exclude = new Set(seedsOf(query, index.ids).ids);
        const hits = await deps.twoTower.vectors.search(collection, user, { limit: quota + exclude.size });
        if (ctx.signal.aborted) return [];
        const items: number[] = [];
        const scores: number[] = [];
        for (const h of hits) {
          if (items.length >= quota) break;
          const item = index.ids.index(h.id);
          if (item === undefined || exclude.has(h.id) || !index.isServableAt(item)) continue;
          items.push(item);
          scores.push(Math.max(0, Math.min(1, h.score)));
        }
        return channelCandidates('two-tower', index.ids, items, scores);
      } finally {
        lease.release();
      }
    },
  };
}
