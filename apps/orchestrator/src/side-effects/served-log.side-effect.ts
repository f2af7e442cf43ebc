/** After responding, publishes the impression and served-feature log of the page to the event bus. */
import { ServedEvent, surfaceToWire } from '@recsys/contracts';
import type { PipelineResult, SideEffect } from '@recsys/pipeline';
import { TOPICS, type EventBus } from '@recsys/stores';
import { context, propagation } from '@opentelemetry/api';
import { itemFeaturesToWire } from '../gateways/wire';
import type { PinCandidate, RecommendQuery } from '../query';
import { finalPage } from '../selectors/page.selector';

/**
 * Creates the served-log side effect: the page (items, channels, stage scores, features) and the served-feature log —
 * the user features and every candidate the ranking model scored with the item features it was scored with, plus
 * the feature-state snapshots both reads saw, so `recsys features verify` can recompute them offline.
 */
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
        ...rankedFeatureLog(q, result.candidates),
      };
      const headers: Record<string, string> = {};
      propagation.inject(context.active(), headers);
      await deps.bus.publish(TOPICS.served, [{ key: q.userId, value: ServedEvent.encode(event).finish(), headers }]);
    },
  };
}

/** The served-feature part of a ServedEvent: user features, and item features of every ranked candidate. */
function rankedFeatureLog(
  q: RecommendQuery,
  candidates: readonly PinCandidate[],
): Pick<ServedEvent, 'userFeatures' | 'userSnapshot' | 'itemSnapshot' | 'itemFeatureNames' | 'ranked' | 'rankedItemIds' | 'rankedDefaulted'> {
  const ranked = candidates.filter((c) => c.rankScore !== undefined && c.features !== undefined);
  const names = ranked[0]?.features?.names ?? [];
  return {
    userFeatures: q.user ? { values: { ...q.user.features.values }, defaulted: [...q.user.features.defaulted] } : undefined,
    userSnapshot: q.user?.snapshot,
    itemSnapshot: ranked[0]?.features?.snapshot,
    itemFeatureNames: [...names],
    ranked: ranked
      .filter((c) => c.features?.names === names)
      .map((c) => ({ itemId: c.id, values: [...(c.features?.values ?? [])], defaulted: [...(c.features?.defaulted ?? [])] })),
    rankedItemIds: [],
    rankedDefaulted: Buffer.alloc(0),
  };
}
