/** Maps pipeline component degradations to the stages and fallbacks the Recommend response reports. */
import type { Degradation as PipelineDegradation } from '@recsys/pipeline';

/** A degradation as reported to clients. */
export interface StageDegradation {
  stage: string;
  reason: string;
  fallback: string;
}

const STAGES: Record<string, { stage: string; fallback: string }> = {
  features: { stage: 'feature', fallback: 'default user and item features' },
  recall: { stage: 'recall', fallback: 'none: no candidates' },
  ranking: { stage: 'ranking', fallback: 'recall score' },
  reranking: { stage: 'reranking', fallback: 'score order with seen/unsafe rules, no diversity' },
};

/**
 * The response's degradations for a pipeline run. A component's failure is reported under its stage with that stage's
 * fallback; what a component reported itself (a downstream service's own degraded stages, e.g. `recall.fresh`) keeps
 * the stage and fallback it named.
 */
export function stageDegradations(degraded: readonly PipelineDegradation[]): StageDegradation[] {
  return degraded.map((d) => {
    if (d.stage !== undefined) return { stage: d.stage, reason: d.reason, fallback: d.fallback ?? 'skipped' };
    const known = STAGES[d.component];
    return { stage: known?.stage ?? d.component, reason: `${d.component}: ${d.reason}`, fallback: known?.fallback ?? 'skipped' };
  });
}
