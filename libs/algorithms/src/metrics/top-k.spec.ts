import fc from 'fast-check';
import { compareRanked, firstRelevantRank, rankAmong, topK } from './top-k';

describe('topK', () => {
  // Items 1 and 4 tie at 0.9, items 0, 2 and 5 tie at 0.5: ties go to the lower item index.
  const scores = Float32Array.from([0.5, 0.9, 0.5, 0.1, 0.9, 0.5]);

  it('orders by higher score, then lower item index', () => {
    expect(Array.from(topK(scores, 3))).toEqual([1, 4, 0]);
    expect(Array.from(topK(scores, 5))).toEqual([1, 4, 0, 2, 5]);
  });

  it('skips excluded items and returns the whole eligible list when k is larger', () => {
    expect(Array.from(topK(scores, 3, [1]))).toEqual([4, 0, 2]);
    expect(Array.from(topK(scores, 10))).toEqual([1, 4, 0, 2, 5, 3]);
    expect(Array.from(topK(scores, 10, [0, 1, 2, 3, 4, 5]))).toEqual([]);
  });

  it('rejects NaN scores, a bad k and an unsorted exclusion list', () => {
    expect(() => topK([0.1, NaN], 1)).toThrow(RangeError);
    expect(() => topK(scores, 0)).toThrow(RangeError);
    expect(() => topK(scores, 2, [3, 1])).toThrow(RangeError);
  });

  it('equals a full sort by the ranking order, cut at k (random scores with many ties)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 0, maxLength: 80 }),
        fc.integer({ min: 1, max: 30 }),
        fc.array(fc.integer({ min: 0, max: 79 }), { maxLength: 20 }),
        (raw, k, ex) => {
          const s = Float32Array.from(raw.map((v) => v / 4));
          const exclude = Int32Array.from([...new Set(ex)].sort((a, b) => a - b));
          const excluded = new Set(exclude);
          const expected = Array.from({ length: s.length }, (_, i) => i)
            .filter((i) => !excluded.has(i))
            .sort((a, b) => compareRanked(s[a], a, s[b], b))
            .slice(0, k);
          expect(Array.from(topK(s, k, exclude))).toEqual(expected);
          for (let r = 0; r < expected.length; r++) expect(rankAmong(s, expected[r], exclude)).toBe(r + 1);
        },
      ),
    );
  });
});

describe('rankAmong and firstRelevantRank', () => {
  const scores = [0.5, 0.9, 0.5, 0.1, 0.9, 0.5];

  it('counts the higher-scored and the tied lower-indexed items ahead', () => {
    expect(rankAmong(scores, 2)).toBe(4); // behind 1, 4 (0.9) and 0 (0.5, lower index)
    expect(rankAmong(scores, 2, [0])).toBe(3);
    expect(rankAmong(scores, 1)).toBe(1);
    expect(rankAmong(scores, 3)).toBe(6);
  });

  it('finds the rank of the best relevant item, ignoring excluded ones', () => {
    expect(firstRelevantRank(scores, [2, 5])).toBe(4);
    expect(firstRelevantRank(scores, [2, 5], [0, 2])).toBe(3);
    expect(firstRelevantRank(scores, [2], [2])).toBe(0);
    expect(firstRelevantRank(scores, [3, 4])).toBe(2);
  });
});
