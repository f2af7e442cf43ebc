// Engagement metrics of an experiment, per user: one tally of what a user did, and the metrics read from it. Logged
// traffic (`recsys experiment analyze`) and simulated traffic fill the same tally, so both are analysed by one code.
import { emptyEngagementCounts, RecsysError, type EngagementCounts } from '@recsys/domain';
import { analyzeExperiment, type AnalyzeInput, type ExperimentReport, type RatioArm, type ValueArm } from './analysis';

/** What one user did over a window. */
export type EngagementTally = EngagementCounts;

/** An engagement event's type, as logged (`impression`, `click`, `save`, `share`, `hide`, `dwell`). */
export type TallyEventType = 'impression' | 'click' | 'save' | 'share' | 'hide' | 'dwell';

/** A tally of nothing. */
export const emptyTally: () => EngagementTally = emptyEngagementCounts;

/** Adds one logged event to `tally` (a `dwell` event adds its dwell time). */
export function addToTally(tally: EngagementTally, type: TallyEventType, dwellMs = 0): void {
  switch (type) {
    case 'impression':
      tally.impressions++;
      break;
    case 'click':
      tally.clicks++;
      break;
    case 'save':
      tally.saves++;
      break;
    case 'share':
      tally.shares++;
      break;
    case 'hide':
      tally.hides++;
      break;
    case 'dwell':
      tally.dwellMs += Math.max(0, dwellMs);
      break;
  }
}

/** How a metric is read from a user's tally. */
export type EngagementMetric =
  | { readonly kind: 'mean'; readonly description: string; readonly value: (t: EngagementTally) => number }
  | { readonly kind: 'proportion'; readonly description: string; readonly value: (t: EngagementTally) => 0 | 1 }
  | {
      readonly kind: 'ratio';
      readonly description: string;
      readonly numerator: (t: EngagementTally) => number;
      readonly denominator: (t: EngagementTally) => number;
    };

/** The engagement metrics an experiment can be analysed on, by name. */
export const ENGAGEMENT_METRICS = {
  ctr: { kind: 'ratio', description: 'clicks per impression (Σ clicks / Σ impressions over users)', numerator: (t) => t.clicks, denominator: (t) => t.impressions },
  'save-rate': { kind: 'ratio', description: 'saves per impression', numerator: (t) => t.saves, denominator: (t) => t.impressions },
  'hide-rate': { kind: 'ratio', description: 'hides per impression', numerator: (t) => t.hides, denominator: (t) => t.impressions },
  clicks: { kind: 'mean', description: 'clicks per user', value: (t) => t.clicks },
  saves: { kind: 'mean', description: 'saves per user', value: (t) => t.saves },
  dwell: { kind: 'mean', description: 'close-up dwell per user, ms', value: (t) => t.dwellMs },
  saver: { kind: 'proportion', description: 'share of users who saved at least one pin', value: (t) => (t.saves > 0 ? 1 : 0) },
  clicker: { kind: 'proportion', description: 'share of users who clicked at least one pin', value: (t) => (t.clicks > 0 ? 1 : 0) },
} as const satisfies Record<string, EngagementMetric>;

/** Name of an engagement metric. */
export type EngagementMetricName = keyof typeof ENGAGEMENT_METRICS;

/** The metric named `name`; a bad request naming `field` and the known names otherwise. */
export function engagementMetric(name: string, field = 'metric'): EngagementMetric {
  const metric = (ENGAGEMENT_METRICS as Record<string, EngagementMetric>)[name];
  if (metric === undefined) throw RecsysError.badRequest(field, `unknown metric "${name}"; known: ${Object.keys(ENGAGEMENT_METRICS).join(', ')}`);
  return metric;
}

/** One arm's users: each user's tally in the experiment window and, for CUPED, in the pre-period (parallel). */
export interface TallyArm {
  readonly tallies: readonly EngagementTally[];
  readonly pre?: readonly EngagementTally[];
}

/** Options of {@link analyzeEngagement}. */
export interface EngagementAnalysisOptions {
  readonly expectedShares?: readonly [number, number];
  readonly alpha?: number;
  readonly srmThreshold?: number;
}

/**
 * Analyses `metric` between two arms of users ({@link analyzeExperiment}): a mean or proportion per user (with CUPED
 * on the same metric in the pre-period when both arms carry `pre`), or a ratio by the delta method (no CUPED).
 */
export function analyzeEngagement(metric: EngagementMetric, control: TallyArm, treatment: TallyArm, opts: EngagementAnalysisOptions = {}): ExperimentReport {
  const settings = { expectedShares: opts.expectedShares, alpha: opts.alpha, srmThreshold: opts.srmThreshold };
  if (metric.kind === 'ratio') {
    const arm = (a: TallyArm): RatioArm => ({ numerator: a.tallies.map(metric.numerator), denominator: a.tallies.map(metric.denominator) });
    return analyzeExperiment({ ...settings, metric: 'ratio', control: arm(control), treatment: arm(treatment) });
  }
  const withPre = control.pre !== undefined && treatment.pre !== undefined;
  const arm = (a: TallyArm): ValueArm => ({ values: a.tallies.map(metric.value), covariate: withPre ? a.pre?.map(metric.value) : undefined });
  const input: AnalyzeInput = { ...settings, metric: metric.kind, control: arm(control), treatment: arm(treatment) };
  return analyzeExperiment(input);
}
