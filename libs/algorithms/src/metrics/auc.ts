// ROC AUC by the rank-sum (Mann–Whitney) statistic, with tied scores given their average rank.

/**
 * The area under the ROC curve of `scores` for binary `labels` (1 positive, 0 negative): the probability
 * that a random positive scores above a random negative, ties counting one half. Computed as
 * `(R⁺ − n⁺(n⁺+1)/2) / (n⁺·n⁻)` where R⁺ is the sum of the positives' ranks and tied scores share their
 * average rank. Returns NaN when either class is absent (AUC is undefined). O(n log n).
 */
export function aucScore(labels: ArrayLike<number>, scores: ArrayLike<number>): number {
  const n = labels.length;
  if (scores.length !== n) throw new RangeError(`${n} labels but ${scores.length} scores`);
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    if (labels[i] !== 0 && labels[i] !== 1) throw new RangeError(`label ${i} must be 0 or 1, got ${labels[i]}`);
    if (Number.isNaN(scores[i])) throw new RangeError(`score ${i} is NaN`);
    order[i] = i;
  }
  order.sort((a, b) => scores[a] - scores[b]);

  let positives = 0;
  let rankSum = 0;
  for (let start = 0; start < n; ) {
    let end = start + 1;
    while (end < n && scores[order[end]] === scores[order[start]]) end++;
    // Ranks start..end-1 (0-based) share the average 1-based rank.
    const averageRank = (start + 1 + end) / 2;
    for (let k = start; k < end; k++) {
      if (labels[order[k]] === 1) {
        positives++;
        rankSum += averageRank;
      }
    }
    start = end;
  }
  const negatives = n - positives;
  if (positives === 0 || negatives === 0) return NaN;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}
