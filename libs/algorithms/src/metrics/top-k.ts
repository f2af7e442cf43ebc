// Ranking from scores: the top K items by partial selection, and the rank of an item, under one tie-break.

/**
 * The ranking order every metric assumes: higher score first; equal scores by lower item index first.
 * Returns a negative number when item `a` (score `sa`) ranks before item `b` (score `sb`).
 */
export function compareRanked(sa: number, a: number, sb: number, b: number): number {
  return sa !== sb ? (sa > sb ? -1 : 1) : a - b;
}

/**
 * The `k` best items of `scores` (index = item) in ranking order (higher score first, then lower item index),
 * skipping the items in `exclude` (sorted ascending, e.g. a user's training row). Returns fewer than `k` items
 * when fewer are eligible. Partial selection with a bounded heap: O(n log k) time, O(k) memory, no full sort.
 * Throws a RangeError on a NaN score (a model bug that would otherwise make the order arbitrary).
 */
export function topK(scores: ArrayLike<number>, k: number, exclude: ArrayLike<number> = EMPTY): Int32Array {
  checkK(k);
  checkSorted(exclude, 'exclude');
  const n = scores.length;
  // A min-heap of the worst kept item at the root: lower score is worse; on equal scores the higher index is.
  const heapItem = new Int32Array(k);
  const heapScore = new Float64Array(k);
  let size = 0;
  let e = 0;
  for (let i = 0; i < n; i++) {
    const s = scores[i];
    if (Number.isNaN(s)) throw new RangeError(`score of item ${i} is NaN`);
    while (e < exclude.length && exclude[e] < i) e++;
    if (e < exclude.length && exclude[e] === i) continue;
    if (size < k) {
      // Sift up.
      let c = size++;
      while (c > 0) {
        const p = (c - 1) >> 1;
        if (!worse(s, i, heapScore[p], heapItem[p])) break;
        heapItem[c] = heapItem[p];
        heapScore[c] = heapScore[p];
        c = p;
      }
      heapItem[c] = i;
      heapScore[c] = s;
    } else if (s > heapScore[0]) {
      // Items arrive in ascending index order, so an equal score never beats the root: only a higher one does.
      let c = 0;
      for (;;) {
        const l = 2 * c + 1;
        if (l >= size) break;
        const r = l + 1;
        const w = r < size && worse(heapScore[r], heapItem[r], heapScore[l], heapItem[l]) ? r : l;
        if (!worse(heapScore[w], heapItem[w], s, i)) break;
        heapItem[c] = heapItem[w];
        heapScore[c] = heapScore[w];
        c = w;
      }
      heapItem[c] = i;
      heapScore[c] = s;
    }
  }
  const order = Array.from({ length: size }, (_, j) => j);
  order.sort((x, y) => compareRanked(heapScore[x], heapItem[x], heapScore[y], heapItem[y]));
  const out = new Int32Array(size);
  for (let j = 0; j < size; j++) out[j] = heapItem[order[j]];
  return out;
}

/**
 * The 1-based rank of `item` among the items of `scores` not in `exclude` (sorted ascending), in ranking order:
 * one plus the number of eligible items with a higher score, or an equal score and a lower index. O(n).
 */
export function rankAmong(scores: ArrayLike<number>, item: number, exclude: ArrayLike<number> = EMPTY): number {
  checkSorted(exclude, 'exclude');
  if (!Number.isInteger(item) || item < 0 || item >= scores.length) throw new RangeError(`item ${item} is not in 0..${scores.length - 1}`);
  const si = scores[item];
  if (Number.isNaN(si)) throw new RangeError(`score of item ${item} is NaN`);
  let ahead = 0;
  let e = 0;
  for (let j = 0; j < scores.length; j++) {
    while (e < exclude.length && exclude[e] < j) e++;
    if (e < exclude.length && exclude[e] === j) continue;
    const s = scores[j];
    if (s > si || (s === si && j < item)) ahead++;
  }
  return ahead + 1;
}

/**
 * The 1-based rank, among the items not in `exclude`, of the best-ranked item of `relevant` (both sorted
 * ascending): the rank whose reciprocal is the reciprocal rank over the full ranking. Relevant items that are
 * excluded do not count. Returns 0 when no relevant item is eligible. O(n + |relevant|).
 */
export function firstRelevantRank(scores: ArrayLike<number>, relevant: ArrayLike<number>, exclude: ArrayLike<number> = EMPTY): number {
  checkSorted(relevant, 'relevant');
  checkSorted(exclude, 'exclude');
  let best = -1;
  let e = 0;
  for (let r = 0; r < relevant.length; r++) {
    const i = relevant[r];
    while (e < exclude.length && exclude[e] < i) e++;
    if (e < exclude.length && exclude[e] === i) continue;
    if (best < 0 || compareRanked(scores[i], i, scores[best], best) < 0) best = i;
  }
  return best < 0 ? 0 : rankAmong(scores, best, exclude);
}

/** Whether `sorted` (ascending) contains `x`: binary search, O(log n). */
export function sortedContains(sorted: ArrayLike<number>, x: number): boolean {
  let lo = 0;
  let hi = sorted.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const v = sorted[mid];
    if (v === x) return true;
    if (v < x) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}

/** Throws a RangeError unless `items` is strictly ascending (sorted and free of duplicates). O(n). */
export function checkSorted(items: ArrayLike<number>, name: string): void {
  for (let j = 1; j < items.length; j++) {
    if (!(items[j] > items[j - 1])) throw new RangeError(`${name} must be sorted ascending without duplicates (position ${j})`);
  }
}

/** Throws a RangeError unless `k` is a positive integer. */
export function checkK(k: number): void {
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`k must be a positive integer, got ${k}`);
}

const EMPTY = new Int32Array(0);

/** Whether (sa, a) ranks after (sb, b). */
function worse(sa: number, a: number, sb: number, b: number): boolean {
  return compareRanked(sa, a, sb, b) > 0;
}
