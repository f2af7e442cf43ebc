// Channel-score helpers: hand-computed selections and scalings.
import { byRank, scaledToBest, topOfDense } from './channel-scores';

describe('channel scores', () => {
  it('takes the n best positive accepted entries of a dense vector, ties by lower index', () => {
    const scores = Float32Array.from([0, 2, 0.5, 2, -1, 3]);
    const ids = ['a', 'b', 'c', 'd', 'e', 'f'];
    expect(topOfDense(scores, ids, 3, () => true)).toEqual([
      { id: 'f', score: 3 },
      { id: 'b', score: 2 },
      { id: 'd', score: 2 },
    ]);
    expect(topOfDense(scores, ids, 10, (id) => id !== 'f')).toEqual([
      { id: 'b', score: 2 },
      { id: 'd', score: 2 },
      { id: 'c', score: 0.5 },
    ]);
    expect(topOfDense(scores, ids, 0, () => true)).toEqual([]);
  });

  it('scales to the best score, flooring negatives at 0', () => {
    expect(scaledToBest([{ id: 'a', score: 4 }, { id: 'b', score: 1 }, { id: 'c', score: -2 }])).toEqual([
      { id: 'a', score: 1 },
      { id: 'b', score: 0.25 },
      { id: 'c', score: 0 },
    ]);
    expect(scaledToBest([{ id: 'a', score: -1 }])).toEqual([{ id: 'a', score: 0 }]);
  });

  it('scores by rank against the quota', () => {
    expect(byRank(['a', 'b'], 4)).toEqual([
      { id: 'a', score: 1 },
      { id: 'b', score: 0.75 },
    ]);
  });
});
