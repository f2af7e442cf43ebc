// Channel-score helpers: hand-computed scalings and candidates.
import { byRank, channelCandidates, scaledToBest } from './channel-scores';
import { ItemIds } from './state/item-ids';
import type { RecallCandidate } from './types';

describe('channel scores', () => {
  it('scales to the best score, flooring negatives at 0', () => {
    expect(Array.from(scaledToBest([4, 1, -2]))).toEqual([1, 0.25, 0]);
    expect(Array.from(scaledToBest([-1]))).toEqual([0]);
    expect(Array.from(scaledToBest([2, 8, 4], 2))).toEqual([0.25, 1]);
  });

  it('scores by rank against the quota', () => {
    expect(Array.from(byRank(2, 4))).toEqual([1, 0.75]);
    expect(Array.from(byRank(3, 2))).toEqual([1, 1 - 1 / 3, 1 - 2 / 3]);
  });

  it('makes one candidate per item with its channel hit', () => {
    const ids = new ItemIds();
    const a = ids.intern('a');
    const b = ids.intern('b');
    const view = (c: RecallCandidate) => ({ id: c.id, channels: c.channels.map((h) => ({ channel: h.channel, score: h.score })), recallScore: c.recallScore });
    expect(channelCandidates('fresh', ids, [b, a], [1, 0.5]).map(view)).toEqual([
      { id: 'b', channels: [{ channel: 'fresh', score: 1 }], recallScore: 1 },
      { id: 'a', channels: [{ channel: 'fresh', score: 0.5 }], recallScore: 0.5 },
    ]);
    expect(channelCandidates('fresh', ids, [b, a], [1, 0.5], 1)).toHaveLength(1);
  });
});
