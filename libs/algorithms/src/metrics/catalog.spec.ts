import { catalogCoverage, exposureCounts, giniCoefficient, novelty } from './catalog';

describe('catalog metrics', () => {
  // Three top-2 lists over a catalog of 5 items: exposure [2, 3, 1, 0, 0].
  const exposure = exposureCounts([[0, 1], [1, 2], [1, 0]], 5);

  it('counts exposure per item', () => {
    expect(Array.from(exposure)).toEqual([2, 3, 1, 0, 0]);
    expect(() => exposureCounts([[5]], 5)).toThrow(RangeError);
  });

  it('coverage: distinct recommended items over the catalog size', () => {
    expect(catalogCoverage(exposure)).toBe(3 / 5);
    expect(catalogCoverage(new Float64Array(0))).toBe(0);
  });

  it('novelty: exposure-weighted mean of −log2(training share)', () => {
    // Training counts [4, 2, 1, 0, 1], total 8: item 0 is 1 bit (×2), item 1 is 2 bits (×3), item 2 is 3 bits (×1).
    const popularity = [4, 2, 1, 0, 1];
    expect(novelty(exposure, popularity)).toBeCloseTo((2 * 1 + 3 * 2 + 1 * 3) / 6, 12);
    // An item unseen in training counts as seen once: −log2(1/8) = 3 bits.
    expect(novelty([0, 0, 0, 1, 0], popularity)).toBeCloseTo(3, 12);
    expect(novelty([0, 0, 0, 0, 0], popularity)).toBe(0);
    expect(() => novelty([1], [1, 2])).toThrow(RangeError);
  });

  it('Gini of exposure over all catalog items, zeros included', () => {
    // Sorted [0, 0, 1, 2, 3], n = 5, total 6: Σ(2i − n − 1)x = 0·1 + 2·2 + 4·3 = 16 → 16 / 30.
    expect(giniCoefficient(exposure)).toBeCloseTo(16 / 30, 12);
    expect(giniCoefficient([3, 3, 3])).toBe(0);
    expect(giniCoefficient([0, 0, 0, 4])).toBeCloseTo(0.75, 12);
    expect(giniCoefficient([0, 0])).toBe(0);
    expect(giniCoefficient([])).toBe(0);
    expect(() => giniCoefficient([1, -1])).toThrow(RangeError);
  });
});
