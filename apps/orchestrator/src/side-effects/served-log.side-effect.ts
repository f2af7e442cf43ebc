/** After responding, publishes the impression and served-feature log of the page to the event bus. */
import { ServedEvent, hasBit, surfaceToWire, type FeatureVector } from '@recsys/contracts';
import type { PipelineResult, SideEffect } from '@recsys/pipeline';
import { TOPICS, type EventBus } from '@recsys/stores';
import { context, propagation } from '@opentelemetry/api';
import { stageDegradations } from '../degradations';
import { scoredFeatureColumns } from '../gateways/wire';
import { channelsOf, tasksOf, topicOf, type PinCandidate, type RecommendQuery } from '../query';

/** A page item's features as a wire feature vector keyed by name (a page is small; the ranked columns hold the rest). */
function featureVectorOf(c: PinCandidate): FeatureVector {
  const { features: batch, featureRow: row } = c;
  if (!batch || row === undefined) return { values: {}, defaulted: [] };
  const width = batch.names.length;
  const values: Record<string, number> = {};
  const defaulted: string[] = [];
  batch.names.forEach((name, j) => {
    values[name] = batch.values[row * width + j];
    if (hasBit(batch.defaulted, row * width + j)) defaulted.push(name);
  });
  return { values, defaulted };
}

/**
 * Creates the served-log side effect: the page (items, channels, stage scores, features, primary topics) and the
 * served-feature log — the user features and topic affinity and, as columns, every candidate the ranking model scored
 * with the item features it was scored with, plus the feature-state snapshots both reads saw, so `recsys features
 * verify` can recompute them offline and `recsys export-training-set --from-log` can train on exactly these values.
 */
export function servedLogSideEffect(deps: { bus: EventBus }): SideEffect<RecommendQuery, PinCandidate> {
  return {
    id: 'served-log',
    run: async (q: RecommendQuery, result: PipelineResult<PinCandidate, RecommendQuery>) => {
      // The ranked candidates: the page and those the selectors after ranking removed.
      const ranked = [...result.candidates, ...result.removed.map((r) => r.candidate)].filter((c) => c.rankScore !== undefined && c.features !== undefined);
      const scored = scoredFeatureColumns(ranked);
      const event: ServedEvent = {
        requestId: q.requestId,
        userId: q.userId,
        surface: surfaceToWire(q.surface),
        timestampMs: String(q.nowMs),
        items: result.candidates.map((c, position) => ({
          itemId: c.id,
          position,
          channels: channelsOf(c),
          scores: { recall: c.recallScore, preRank: c.preRankScore ?? 0, rank: c.rankScore ?? 0, rerank: c.rerankScore ?? 0, tasks: tasksOf(c) },
          features: featureVectorOf(c),
          topic: topicOf(c),
        })),
        experimentArms: { ...q.arms },
        degraded: stageDegradations(result.degraded),
        userFeatures: q.user ? { values: { ...q.user.features.values }, defaulted: [...q.user.features.defaulted] } : undefined,
        userSnapshot: q.user?.snapshot,
        itemSnapshot: scored.batch?.snapshot,
        itemFeatureNames: [...scored.names],
        ranked: [],
        rankedItemIds: scored.itemIds,
        rankedValues: scored.values,
        rankedDefaulted: Buffer.from(scored.defaulted.buffer, scored.defaulted.byteOffset, scored.defaulted.byteLength),
        userTopicAffinity: q.user ? { values: { ...q.user.topicAffinity } } : undefined,
      };
      const headers: Record<string, string> = {};
      propagation.inject(context.active(), headers);
      await deps.bus.publish(TOPICS.served, [{ key: q.userId, value: ServedEvent.encode(event).finish(), headers }]);
    },
  };
}
