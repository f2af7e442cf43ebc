/** Maps pipeline component degradations to the stages and fallbacks the Recommend response reports. */
import type { Degradation as PipelineDegradation } from '@recsys/pipeline';

/** A degradation as reported to clients. */
export interface StageDegradation {
  stage: string;
  reason: string;
  fallback: string;
}

const STAGES: Record<string, { stage: string; fallback: string }> = {
  'feature/user': { stage: 'feature', fallback: 'default user features' },
  'feature/items': { stage: 'feature', fallback: 'default item features' },
  recall: { stage: 'recall', fallback: 'none: no candidates' },
  'ranking/pre-rank': { stage: 'ranking', fallback: 'recall score' },
  'ranking/rank': { stage: 'ranking', fallback: 'pre-rank score' },
  reranking: { stage: 'reranking', fallback: 'score order with seen/unsafe rules, no diversity' },
};

/** The response's degradations for a pipeline run. */
export function stageDegradations(degraded: readonly PipelineDegradation[]): StageDegradation[] {
  return degraded.map((d) => {
    const known = STAGES[d.component];
    return { stage: known?.stage ?? d.component, reason: `${d.component}: ${d.reason}`, fallback: known?.fallback ?? 'skipped' };
  });
}
