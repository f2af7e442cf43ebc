// Recall channel `content`: items whose content embedding is near the mean embedding of the user's recent items.
import type { CandidateSource } from '@recsys/pipeline';
import { CONTENT_COLLECTION, type ContentVectors } from '../state/content-vectors';
import type { RecallIndex } from '../state/recall-index';
import { normalised } from '../state/vector-sync';
import { channelCandidates } from '../channel-scores';
import { sourceId, type RecallCandidate, type RecallQuery } from '../types';
import { seedsOf } from './seeds';

/** Dependencies of {@link contentSource}. */
export interface ContentSourceDeps {
  index: RecallIndex;
  /** The `content-items` collection, kept in step with the catalog by the recall stream. */
  content: ContentVectors;
  /** Per-call time budget, ms. */
  timeoutMs?: number;
}

/**
 * The `recall/content` source: the query vector is the mean of the unit-length content embeddings of the seed
 * items (session items and recent positives that have an embedding of the collection's dimension), and the
 * nearest items by cosine come from the `content-items` collection, the seeds themselves filtered out. Channel
 * score: the cosine similarity, floored at 0 (already in [0, 1]). Works for any user with history, including
 * users no model has seen, and for items no one has engaged with yet. Nothing before the catalog has embeddings.
 */
export function contentSource(deps: ContentSourceDeps): CandidateSource<RecallQuery, RecallCandidate> {
  return {
    id: sourceId('content'),
    timeoutMs: deps.timeoutMs,
    fetch: async (query, ctx) => {
      const quota = query.quotas.content;
      const dim = deps.content.dimension;
      if (quota <= 0 || dim === undefined) return [];
      const seeds = seedsOf(query, deps.index.ids);
      const mean = new Float32Array(dim);
      let n = 0;
      for (const item of seeds.items) {
        const embedding = item < 0 ? undefined : deps.index.itemAt(item)?.embedding;
        if (embedding === undefined || embedding.length !== dim) continue;
        const unit = normalised(embedding);
        if (unit === undefined) continue;
        for (let f = 0; f < dim; f++) mean[f] += unit[f];
        n++;
      }
      if (n === 0 || normalised(mean) === undefined) return [];
      const exclude = new Set(seeds.ids);
      const hits = await deps.content.vectors.search(CONTENT_COLLECTION, mean, { limit: quota + exclude.size });
      if (ctx.signal.aborted) return [];
      const items: number[] = [];
      const scores: number[] = [];
      for (const h of hits) {
        if (items.length >= quota) break;
        const item = deps.index.ids.index(h.id);
        if (item === undefined || exclude.has(h.id) || !deps.index.isServableAt(item)) continue;
        items.push(item);
        scores.push(Math.max(0, Math.min(1, h.score)));
      }
      return channelCandidates('content', deps.index.ids, items, scores);
    },
  };
}
