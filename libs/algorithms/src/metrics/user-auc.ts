// AUC of one user's scores (held-out positives against every other scored item) and AUC of two pooled score sets.
import { checkSorted } from './top-k';

/**
 * Per-user AUC: the probability that one of the user's `positives` scores above one of the user's negatives,
 * ties counting one half. `scores` holds a score per item (index = item); `positives` and `exclude` are item
 * indexes sorted ascending. The negatives are every item in neither list (under full ranking: all items the user
 * has not interacted with). Returns NaN when there is no positive or no negative. Agrees with
 * {@link aucScore} on the same labels; throws on a NaN score. O(n log |positives|) time, O(|positives|) memory.
 */
export function userAuc(scores: ArrayLike<number>, positives: ArrayLike<number>, exclude: ArrayLike<number> = EMPTY): number {
  checkSorted(positives, 'positives');
  checkSorted(exclude, 'exclude');
  const p = positives.length;
  if (p === 0) return NaN;
  const pos = new Float64Array(p);
  for (let j = 0; j < p; j++) {
    const s = scores[positives[j]];
    if (s === undefined || Number.isNaN(s)) throw new RangeError(`score of positive item ${positives[j]} is ${s}`);
    pos[j] = s;
  }
  pos.sort();
  const lowest = pos[0];
  // Sum over every item, then take out the positives and the excluded items: the hot loop has no membership tests.
  // The sums are whole or half numbers, so the subtraction is exact.
  let wins = 0;
  const n = scores.length;
  let last = NaN;
  let lastWins = 0;
  for (let i = 0; i < n; i++) {
    const s = scores[i];
    if (s < lowest) wins += p;
    else if (s === last) wins += lastWins; // count-like scores repeat a lot
    else {
      lastWins = winsOver(pos, s);
      last = s;
      wins += lastWins;
    }
  }
  for (let j = 0; j < p; j++) wins -= winsOver(pos, pos[j]);
  let negatives = n - p;
  let q = 0;
  for (let e = 0; e < exclude.length; e++) {
    const i = exclude[e];
    while (q < p && positives[q] < i) q++;
    if (q < p && positives[q] === i) continue; // a positive stays a positive
    if (i < 0 || i >= n) continue;
    wins -= winsOver(pos, scores[i]);
    negatives--;
  }
  return negatives === 0 ? NaN : wins / (p * negatives);
}

/**
 * AUC of two score sets: the probability that a score drawn from `positive` exceeds one drawn from `negative`,
 * ties counting one half (the Mann–Whitney statistic, as {@link aucScore} computes from labels). Used for the
 * global AUC, where (user, item) pairs of all users are pooled. Sorts both arrays IN PLACE (native typed-array
 * sort) and merges: O(n log n), no extra memory. Returns NaN when either set is empty; throws on NaN scores.
 */
export function aucOfScoreSets(positive: Float32Array | Float64Array, negative: Float32Array | Float64Array): number {
  if (positive.length === 0 || negative.length === 0) return NaN;
  positive.sort();
  negative.sort();
  // Typed-array sort puts NaN last.
  if (Number.isNaN(positive[positive.length - 1]) || Number.isNaN(negative[negative.length - 1])) throw new RangeError('a score is NaN');
  let wins = 0;
  let below = 0; // negatives strictly below the current positive score
  let notAbove = 0; // negatives at or below it
  for (let j = 0; j < positive.length; j++) {
    const s = positive[j];
    while (below < negative.length && negative[below] < s) below++;
    if (notAbove < below) notAbove = below;
    while (notAbove < negative.length && negative[notAbove] <= s) notAbove++;
    wins += below + 0.5 * (notAbove - below);
  }
  return wins / (positive.length * negative.length);
}

const EMPTY = new Int32Array(0);

/** Of the ascending positive scores `pos`: those above s, plus half of those tying it. Throws on a NaN s. */
function winsOver(pos: Float64Array, s: number): number {
  const p = pos.length;
  // Fast paths first: most items score below every positive or above every one.
  if (s < pos[0]) return p;
  if (s > pos[p - 1]) return 0;
  if (s !== s) throw new RangeError('a score is NaN');
  // Few positives: a linear scan beats binary search (whose branches the CPU cannot predict).
  const below = p <= LINEAR_SCAN_MAX ? linearLowerBound(pos, s) : lowerBound(pos, s);
  let notAbove = below;
  while (notAbove < p && pos[notAbove] === s) notAbove++;
  return p - notAbove + 0.5 * (notAbove - below);
}

/** Up to this many positives, {@link userAuc} locates a score among them by a linear scan. */
const LINEAR_SCAN_MAX = 32;

/** First position in ascending `a` whose value is ≥ x, scanning from the start. */
function linearLowerBound(a: Float64Array, x: number): number {
  let i = 0;
  while (i < a.length && a[i] < x) i++;
  return i;
}

/** First position in ascending `a` whose value is ≥ x. */
function lowerBound(a: Float64Array, x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
