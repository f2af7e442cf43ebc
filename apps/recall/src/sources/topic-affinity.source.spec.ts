// Quota allocation over weighted topics (largest remainder).
import { allocate } from './topic-affinity.source';

describe('allocate', () => {
  it('splits a quota in proportion to the weights, summing to the quota', () => {
    expect(allocate(8, [3, 1])).toEqual([6, 2]);
    expect(allocate(10, [1, 1, 1])).toEqual([4, 3, 3]);
    expect(allocate(5, [5, 3, 2])).toEqual([3, 1, 1]);
    expect(allocate(0, [2, 1])).toEqual([0, 0]);
  });

  it('gives nothing when every weight is zero', () => {
    expect(allocate(4, [0, 0])).toEqual([0, 0]);
  });
});
