// Sample moments of per-user arrays: mean, unbiased variance and covariance (two-pass, for accuracy).

/** Size, mean and unbiased (n − 1) variance of a sample. */
export interface Moments {
  /** Number of observations. */
  readonly n: number;
  /** The sample mean. */
  readonly mean: number;
  /** The unbiased sample variance Σ(x − x̄)² / (n − 1); 0 when n < 2. */
  readonly variance: number;
}

/** The moments of `values`, in two passes (mean first, then squared deviations: no catastrophic cancellation). O(n). */
export function momentsOf(values: ArrayLike<number>): Moments {
  const n = values.length;
  const mean = meanOf(values);
  let ss = 0;
  for (let i = 0; i < n; i++) {
    const d = values[i] - mean;
    ss += d * d;
  }
  return { n, mean, variance: n > 1 ? ss / (n - 1) : 0 };
}

/** The arithmetic mean of `values`; NaN when empty. O(n). */
export function meanOf(values: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i];
  return sum / values.length;
}

/** Σ(x − meanX)(y − meanY) over parallel arrays of equal length: the co-deviation sum (not yet divided). O(n). */
export function coDeviation(x: ArrayLike<number>, y: ArrayLike<number>, meanX: number, meanY: number): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += (x[i] - meanX) * (y[i] - meanY);
  return s;
}

/** The unbiased sample covariance of parallel arrays x and y (n − 1 in the denominator); 0 when n < 2. O(n). */
export function covarianceOf(x: ArrayLike<number>, y: ArrayLike<number>): number {
  const n = x.length;
  return n > 1 ? coDeviation(x, y, meanOf(x), meanOf(y)) / (n - 1) : 0;
}
