// Mean binary cross-entropy of predicted probabilities.

/**
 * Mean log-loss `−mean(y·ln p + (1−y)·ln(1−p))` of probabilities `probs` for labels in [0, 1].
 * Probabilities are clipped to [eps, 1 − eps] so a confident mistake costs ln(1/eps) rather than infinity.
 * Returns NaN for empty input. O(n).
 */
export function logLoss(labels: ArrayLike<number>, probs: ArrayLike<number>, eps = 1e-15): number {
  const n = labels.length;
  if (probs.length !== n) throw new RangeError(`${n} labels but ${probs.length} probabilities`);
  if (n === 0) return NaN;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const p = Math.min(Math.max(probs[i], eps), 1 - eps);
    const y = labels[i];
    sum -= y * Math.log(p) + (1 - y) * Math.log(1 - p);
  }
  return sum / n;
}
