/** Asks the recall service for merged multi-channel candidates, as columns. */
import type { CandidateSource } from '@recsys/pipeline';
import type { Downstreams } from '../gateways/clients';
import { candidatesOfRecall, contextToWire, recallBatchFromWire, surfaceToWire } from '../gateways/wire';
import type { PinCandidate, RecommendQuery } from '../query';

/**
 * Creates the recall source: one candidate per row of the answer; channel degradations recall reports are reported as the
 * source's own. Asks for the arm's `recallLimit` when an experiment sets one, else `limit`.
 */
export function recallSource(deps: { recall: Downstreams['recall']; limit: number }): CandidateSource<RecommendQuery, PinCandidate> {
  return {
    id: 'recall',
    fetch: async (q, ctx) => {
      const res = await deps.recall.recallColumns(
        {
          userId: q.userId,
          surface: surfaceToWire(q.surface),
          context: contextToWire(q),
          channelQuotas: { ...(q.params.channelQuotas ?? {}) },
          limit: q.params.recallLimit ?? deps.limit,
        },
        { signal: ctx.signal, deadlineMs: ctx.deadlineMs },
      );
      for (const d of res.degraded) ctx.degrade(d.reason, { stage: d.stage, fallback: d.fallback });
      return candidatesOfRecall(recallBatchFromWire(res));
    },
  };
}
