// The sliding windows of the windowed counters: each a ring of fixed-width time buckets.

/** One sliding window: `buckets` buckets of `bucketMs` each. */
export interface WindowSpec {
  /** Suffix of the feature names, e.g. `1h` in `item_clicks_1h`. */
  readonly name: string;
  /** Width of one bucket, ms. */
  readonly bucketMs: number;
  /** Buckets in the window, the current (partial) one included. */
  readonly buckets: number;
}

/**
 * The windows of every windowed counter. A window's value at time `t` sums the events whose bucket
 * (`floor(eventTime / bucketMs)`) lies in `(floor(t / bucketMs) − buckets, floor(t / bucketMs)]`: the current
 * partial bucket plus the `buckets − 1` full ones before it, so the `1h` window covers between 55 and 60 minutes.
 * Buckets after the bucket of `t` are never counted; the current bucket is counted whole. Values are exact for any
 * `t` at or after the newest event counted (a newer bucket drops the buckets it pushes out of every window), which
 * is how they are read: online at the service's clock, offline at a read's snapshot time after replaying only what
 * that read saw. Bucket indexes are since the Unix epoch (UTC).
 */
export const WINDOWS: readonly WindowSpec[] = Object.freeze([
  { name: '1h', bucketMs: 5 * 60_000, buckets: 12 },
  { name: '24h', bucketMs: 3_600_000, buckets: 24 },
  { name: '7d', bucketMs: 24 * 3_600_000, buckets: 7 },
]);

/** Index of each window in {@link WINDOWS} by name. */
export const WINDOW = Object.freeze({ '1h': 0, '24h': 1, '7d': 2 } as const);

/** The bucket of time `tMs` in `window`. */
export function bucketOf(window: WindowSpec, tMs: number): number {
  return Math.floor(tMs / window.bucketMs);
}
