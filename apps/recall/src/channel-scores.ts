/** Channel-score helpers shared by the recall sources: every channel score lies in [0, 1]. */
import type { SparseScores } from '@recsys/algorithms';
import type { ItemIds } from './state/item-ids';
import type { RecallIndex } from './state/recall-index';
import { ChannelHit, type ChannelName, type RecallCandidate } from './types';

/**
 * Scores relative to the best one: `max(0, score) / max`, so the channel's top item scores 1; 0 for all when no
 * score is positive. Returns a new array of the first `n` scores.
 */
export function scaledToBest(scores: ArrayLike<number>, n = scores.length): Float64Array {
  let best = 0;
  for (let r = 0; r < n; r++) if (scores[r] > best) best = scores[r];
  const out = new Float64Array(n);
  if (best > 0) for (let r = 0; r < n; r++) out[r] = Math.max(0, scores[r]) / best;
  return out;
}

/** Rank-based scores for an ordered list of `n` items: `1 − rank / max(quota, n)` (the first item scores 1). */
export function byRank(n: number, quota: number): Float64Array {
  const out = new Float64Array(n);
  const of = Math.max(quota, n);
  for (let r = 0; r < n; r++) out[r] = 1 - r / of;
  return out;
}

/**
 * Candidates of one channel from the first `n` item indexes of `items` with their channel scores, in the given
 * order (one {@link ChannelHit} per item).
 */
export function channelCandidates(channel: ChannelName, ids: ItemIds, items: ArrayLike<number>, scores: ArrayLike<number>, n = items.length): RecallCandidate[] {
  const out: RecallCandidate[] = new Array(n);
  for (let r = 0; r < n; r++) out[r] = new ChannelHit(ids.id(items[r]), channel, scores[r]);
  return out;
}

/**
 * The channel's candidates from a model's sparse scores: the `quota` best written entries with a positive score
 * whose item (`modelItems[j]`, an item index of `index`) is servable and not excluded, best first (ties by lower model
 * index), scored relative to the best; resets the scores. O(t log quota) for t written entries.
 */
export function topOfScores(
  channel: ChannelName,
  index: RecallIndex,
  scores: SparseScores,
  modelItems: Int32Array,
  quota: number,
  exclude?: ReadonlySet<number>,
): RecallCandidate[] {
  const picked = new Int32Array(Math.max(1, quota));
  const values = new Float64Array(Math.max(1, quota));
  const n = scores.drainTop(quota, (j) => index.isServableAt(modelItems[j]) && !(exclude?.has(modelItems[j]) ?? false), picked, values);
  for (let r = 0; r < n; r++) picked[r] = modelItems[picked[r]];
  return channelCandidates(channel, index.ids, picked, scaledToBest(values, n), n);
}
