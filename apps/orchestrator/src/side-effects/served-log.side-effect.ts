/** After responding, publishes the impression and served-feature log of the page to the event bus. */
import { ServedEvent, surfaceToWire } from '@recsys/contracts';
import type { PipelineResult, SideEffect } from '@recsys/pipeline';
import { TOPICS, type EventBus } from '@recsys/stores';
import { context, propagation } from '@opentelemetry/api';
import { itemFeaturesToWire } from '../gateways/wire';
import type { PinCandidate, RecommendQuery } from '../query';
import { finalPage } from '../selectors/page.selector';

/** Creates the served-log side effect. */
export function servedLogSideEffect(deps: { bus: EventBus }): SideEffect<RecommendQuery, PinCandidate> {
  return {
    id: 'served-log',
    run: async (q: RecommendQuery, result: PipelineResult<PinCandidate>) => {
      const event: ServedEvent = {
        requestId: q.requestId,
        userId: q.userId,
        surface: surfaceToWire(q.surface),
        timestampMs: String(q.nowMs),
        items: finalPage(q, result.candidates).map((c, position) => ({
          itemId: c.id,
          position,
          channels: c.channels.map((h) => ({ ...h })),
          scores: { recall: c.recallScore, preRank: c.preRankScore ?? 0, rank: c.rankScore ?? 0, rerank: c.rerankScore ?? 0, tasks: { ...(c.tasks ?? {}) } },
          features: itemFeaturesToWire(c.features),
        })),
        experimentArms: { ...q.arms },
        degraded: result.degraded.map((d) => ({ stage: d.component, reason: d.reason, fallback: '' })),
      };
      const headers: Record<string, string> = {};
      propagation.inject(context.active(), headers);
      await deps.bus.publish(TOPICS.served, [{ key: q.userId, value: ServedEvent.encode(event).finish(), headers }]);
    },
  };
}
