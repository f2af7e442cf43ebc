import { averagePrecisionAtK, countHits, hitRateAtK, ndcgAtK, precisionAtK, recallAtK, reciprocalRank } from './ranking';

// One user: list [5, 2, 9, 1, 7] (best first), relevant {1, 2, 3}. Hits at positions 2 (item 2) and 4 (item 1).
const ranked = Int32Array.from([5, 2, 9, 1, 7]);
const relevant = Int32Array.from([1, 2, 3]);
const LOG2_3 = Math.log2(3); // discount of position 2
const IDEAL_3 = 1 + 1 / LOG2_3 + 1 / 2; // ideal DCG of 3 relevant items: positions 1, 2, 3

describe('ranking metrics on a hand example', () => {
  it('HitRate@K', () => {
    expect(hitRateAtK(ranked, relevant, 1)).toBe(0);
    expect(hitRateAtK(ranked, relevant, 2)).toBe(1);
    expect(hitRateAtK(ranked, relevant, 10)).toBe(1);
  });

  it('Precision@K divides by K, also when K is larger than the list', () => {
    expect(precisionAtK(ranked, relevant, 3)).toBeCloseTo(1 / 3, 12);
    expect(precisionAtK(ranked, relevant, 5)).toBeCloseTo(0.4, 12);
    expect(precisionAtK(ranked, relevant, 10)).toBeCloseTo(0.2, 12);
  });

  it('Recall@K divides by |relevant|', () => {
    expect(recallAtK(ranked, relevant, 3)).toBeCloseTo(1 / 3, 12);
    expect(recallAtK(ranked, relevant, 5)).toBeCloseTo(2 / 3, 12);
    expect(recallAtK(ranked, relevant, 10)).toBeCloseTo(2 / 3, 12);
    // Two relevant items, K = 1, one hit: plain recall is 1/2 (the truncated variant would say 1).
    expect(recallAtK([4], [4, 8], 1)).toBe(0.5);
  });

  it('NDCG@K with the ideal DCG over min(K, |relevant|) positions', () => {
    // @3: one hit at position 2 → 1/log2(3) = 0.6309; ideal 1 + 0.6309 + 0.5 = 2.1309 → 0.2961.
    expect(ndcgAtK(ranked, relevant, 3)).toBeCloseTo(1 / LOG2_3 / IDEAL_3, 12);
    expect(ndcgAtK(ranked, relevant, 3)).toBeCloseTo(0.29608, 5);
    // @5 and @10: hits at 2 and 4 → 0.6309 + 1/log2(5) = 1.0616 → 0.4982.
    expect(ndcgAtK(ranked, relevant, 5)).toBeCloseTo((1 / LOG2_3 + 1 / Math.log2(5)) / IDEAL_3, 12);
    expect(ndcgAtK(ranked, relevant, 10)).toBeCloseTo(0.49819, 5);
    // @1: ideal is one position; no hit → 0. A perfect list scores 1 even when |relevant| > K.
    expect(ndcgAtK(ranked, relevant, 1)).toBe(0);
    expect(ndcgAtK([1, 2], relevant, 2)).toBeCloseTo(1, 12);
  });

  it('reciprocal rank', () => {
    expect(reciprocalRank(ranked, relevant)).toBe(0.5);
    expect(reciprocalRank(ranked, relevant, 1)).toBe(0);
    expect(reciprocalRank([9, 7], relevant)).toBe(0);
  });

  it('average precision @K divides by min(K, |relevant|)', () => {
    // @5: precision 1/2 at position 2 and 2/4 at position 4 → (0.5 + 0.5) / min(5, 3) = 1/3.
    expect(averagePrecisionAtK(ranked, relevant, 5)).toBeCloseTo(1 / 3, 12);
    // @3: 0.5 / 3; @2: 0.5 / min(2, 3) = 0.25.
    expect(averagePrecisionAtK(ranked, relevant, 3)).toBeCloseTo(1 / 6, 12);
    expect(averagePrecisionAtK(ranked, relevant, 2)).toBeCloseTo(0.25, 12);
    expect(averagePrecisionAtK(ranked, relevant, 10)).toBeCloseTo(1 / 3, 12);
    expect(averagePrecisionAtK([2, 1], relevant, 2)).toBeCloseTo(1, 12);
  });

  it('is NaN for a user without relevant items (the harness skips such users)', () => {
    const none = new Int32Array(0);
    for (const f of [hitRateAtK, precisionAtK, recallAtK, ndcgAtK, averagePrecisionAtK, countHits]) expect(f(ranked, none, 5)).toBeNaN();
    expect(reciprocalRank(ranked, none)).toBeNaN();
  });

  it('rejects unsorted relevant items and a bad K', () => {
    expect(() => recallAtK(ranked, [3, 1], 5)).toThrow(RangeError);
    expect(() => ndcgAtK(ranked, [1, 1], 5)).toThrow(RangeError);
    expect(() => precisionAtK(ranked, relevant, 0)).toThrow(RangeError);
    expect(() => hitRateAtK(ranked, relevant, 2.5)).toThrow(RangeError);
  });
});
