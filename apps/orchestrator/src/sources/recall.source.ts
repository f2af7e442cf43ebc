/** Asks the recall service for merged multi-channel candidates. */
import type { CandidateSource } from '@recsys/pipeline';
import type { Downstreams } from '../gateways/clients';
import { candidateFromWire, contextToWire, surfaceToWire } from '../gateways/wire';
import type { PinCandidate, RecommendQuery } from '../query';

/** Creates the recall source; channel degradations reported by recall are added to the query's report. */
export function recallSource(deps: { recall: Downstreams['recall']; limit: number }): CandidateSource<RecommendQuery, PinCandidate> {
  return {
    id: 'recall',
    fetch: async (q, ctx) => {
      const res = await deps.recall.recall(
        {
          userId: q.userId,
          surface: surfaceToWire(q.surface),
          context: contextToWire(q),
          channelQuotas: { ...(q.params.channelQuotas ?? {}) },
          limit: deps.limit,
        },
        { signal: ctx.signal, deadlineMs: ctx.deadlineMs },
      );
      q.recallDegraded?.push(...res.degraded.map((d) => ({ stage: d.stage, reason: d.reason, fallback: d.fallback })));
      return res.candidates.map(candidateFromWire);
    },
  };
}
