/** Builds the page with the re-ranking service: seen and unsafe filters, diversity, grid layout. */
import type { Selector } from '@recsys/pipeline';
import type { Downstreams } from '../gateways/clients';
import { candidateToWire } from '../gateways/wire';
import type { PinCandidate, RecommendQuery } from '../query';
import { seenItemIds } from './seen';

/** Creates the re-rank selector; when it fails the page selector applies the rules locally without diversity. */
export function rerankSelector(deps: { reranking: Downstreams['reranking'] }): Selector<RecommendQuery, PinCandidate> {
  return {
    id: 'reranking',
    select: async (q, candidates, ctx) => {
      if (candidates.length === 0) return [];
      const res = await deps.reranking.rerank(
        {
          userId: q.userId,
          candidates: candidates.map((c) => ({
            candidate: candidateToWire(c),
            creatorId: c.creatorId ?? '',
            topic: c.topic ?? '',
            aspectRatio: c.aspectRatio || 1,
            unsafe: c.unsafe ?? false,
          })),
          pageSize: q.pageSize,
          seenItemIds: [...seenItemIds(q)],
          columns: 0,
        },
        { signal: ctx.signal, deadlineMs: ctx.deadlineMs },
      );
      const byId = new Map(candidates.map((c) => [c.id, c]));
      return res.items.flatMap((placed, i) => {
        const original = byId.get(placed.candidate?.itemId ?? '');
        return original ? [{ ...original, column: placed.column, rerankScore: placed.candidate?.scores?.rerank ?? res.items.length - i }] : [];
      });
    },
  };
}
