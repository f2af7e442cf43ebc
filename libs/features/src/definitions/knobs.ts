// The tunable constants of the feature definitions, in one place. They are constants, not options, so the
// stream processor and offline replay cannot disagree about them.

/**
 * Beta prior of every smoothed rate: `rate = (successes + alpha) / (trials + alpha + beta)`.
 * alpha 1, beta 20 puts the prior mean at 1/21 ≈ 4.8% (a typical feed click-through rate) with the weight of
 * 21 pseudo-impressions, so an item with 1 click in 2 impressions scores 2/23 ≈ 8.7%, not 50%.
 */
export const RATE_PRIOR = { alpha: 1, beta: 20 } as const;

/** Half-life of user×topic affinity, ms: 7 days. */
export const AFFINITY_HALF_LIFE_MS = 7 * 24 * 3_600_000;

/** How many recent positive interactions are kept per user. */
export const RECENT_ITEMS_LIMIT = 50;

/** Share of an event's affinity weight credited to the item's primary topic and to each other topic. */
export const TOPIC_SHARE = { primary: 1, secondary: 0.5 } as const;

/** Recency features (`*_hours_since_engaged`) are capped at this many hours: 30 days. */
export const RECENCY_CAP_HOURS = 720;

/** The smoothed rate `(successes + alpha) / (trials + alpha + beta)` under {@link RATE_PRIOR}. */
export function smoothedRate(successes: number, trials: number): number {
  return (successes + RATE_PRIOR.alpha) / (trials + RATE_PRIOR.alpha + RATE_PRIOR.beta);
}
