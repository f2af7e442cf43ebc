// Catalog-level metrics of recommendation lists: coverage, novelty and the Gini coefficient of item exposure.

/**
 * Exposure of each item: how many of `lists` (e.g. every evaluated user's top-K) contain it. Items are indexes
 * in 0..nItems-1. Returns a Float64Array of length `nItems`. O(total list length + nItems).
 */
export function exposureCounts(lists: Iterable<ArrayLike<number>>, nItems: number): Float64Array {
  const counts = new Float64Array(nItems);
  for (const list of lists) {
    for (let r = 0; r < list.length; r++) {
      const i = list[r];
      if (!Number.isInteger(i) || i < 0 || i >= nItems) throw new RangeError(`item ${i} is not in 0..${nItems - 1}`);
      counts[i]++;
    }
  }
  return counts;
}

/**
 * Catalog coverage: the share of the catalog that was recommended at least once, i.e. the number of items with
 * positive `exposure` (one entry per catalog item, see {@link exposureCounts}) over the catalog size. In [0, 1];
 * 0 for an empty catalog. O(nItems).
 */
export function catalogCoverage(exposure: ArrayLike<number>): number {
  if (exposure.length === 0) return 0;
  let covered = 0;
  for (let i = 0; i < exposure.length; i++) if (exposure[i] > 0) covered++;
  return covered / exposure.length;
}

/**
 * Novelty of recommendations in bits: the mean over every recommended slot of −log2(share of the item in the
 * training interactions), i.e. the exposure-weighted mean of −log2(popularity[i] / Σ popularity). `popularity`
 * holds the training interaction count of each item. An item never seen in training is counted as seen once
 * (so its novelty is finite and equal to the rarest seen item's). Returns 0 when nothing was recommended and
 * NaN when there was no training interaction at all. O(nItems).
 */
export function novelty(exposure: ArrayLike<number>, popularity: ArrayLike<number>): number {
  if (exposure.length !== popularity.length) throw new RangeError(`${exposure.length} exposure entries but ${popularity.length} popularity entries`);
  let total = 0;
  for (let i = 0; i < popularity.length; i++) {
    if (!(popularity[i] >= 0)) throw new RangeError(`popularity of item ${i} must be ≥ 0, got ${popularity[i]}`);
    total += popularity[i];
  }
  let slots = 0;
  let bits = 0;
  for (let i = 0; i < exposure.length; i++) {
    const x = exposure[i];
    if (x === 0) continue;
    if (!(x > 0)) throw new RangeError(`exposure of item ${i} must be ≥ 0, got ${x}`);
    slots += x;
    bits -= x * Math.log2(Math.max(popularity[i], 1) / total);
  }
  if (slots === 0) return 0;
  return total > 0 ? bits / slots : NaN;
}

/**
 * Gini coefficient of non-negative `values` (e.g. item exposure, one entry per catalog item INCLUDING the
 * never-recommended ones, whose zeros are what make a concentrated exposure unequal): 0 when all are equal, up
 * to (n−1)/n when one item takes everything. Computed as Σ_i (2i − n − 1)·x_(i) / (n·Σx) over the values sorted
 * ascending (i 1-based). Returns 0 when every value is 0 (nothing to be unequal about) or the input is empty.
 * Sorts a copy: O(n log n).
 */
export function giniCoefficient(values: ArrayLike<number>): number {
  const n = values.length;
  const sorted = Float64Array.from(values);
  sorted.sort();
  if (n > 0 && !(sorted[0] >= 0)) throw new RangeError('values must be non-negative numbers');
  if (n > 0 && Number.isNaN(sorted[n - 1])) throw new RangeError('values must be non-negative numbers');
  let total = 0;
  let weighted = 0;
  for (let i = 0; i < n; i++) {
    total += sorted[i];
    weighted += (2 * (i + 1) - n - 1) * sorted[i];
  }
  return total === 0 ? 0 : weighted / (n * total);
}
