import {
  checkSimilarityKind,
  cosineSimilarity,
  inverseFrequencyWeights,
  jaccardSimilarity,
  pearsonSimilarity,
  shrink,
  sparseSimilarity,
  type SparseVector,
} from './sparse-similarity';

const vec = (indices: number[], values: number[]): SparseVector => ({ indices: Int32Array.from(indices), values: Float32Array.from(values) });

// a = (1, 2, 3, ·) and b = (·, 2, 1, 1) over components 0..3: common components 1 and 2.
const a = vec([0, 1, 2], [1, 2, 3]);
const b = vec([1, 2, 3], [2, 1, 1]);

describe('cosineSimilarity', () => {
  it('divides the dot product over common components by the full norms', () => {
    // dot = 2·2 + 3·1 = 7; ‖a‖² = 14, ‖b‖² = 6.
    expect(cosineSimilarity(a, b)).toBeCloseTo(7 / Math.sqrt(84), 12);
    expect(cosineSimilarity(b, a)).toBe(cosineSimilarity(a, b));
    expect(cosineSimilarity(a, a)).toBeCloseTo(1, 12);
  });

  it('shrinks by n / (n + λ) with n the number of common components', () => {
    expect(cosineSimilarity(a, b, { shrinkage: 2 })).toBeCloseTo((7 / Math.sqrt(84)) * (2 / 4), 12);
  });

  it('multiplies IUF weights into the components first', () => {
    const iuf = [1, 2, 0.5, 1];
    // a' = (1, 4, 1.5, ·), b' = (·, 4, 0.5, 1): dot 16 + 0.75, ‖a'‖² 19.25, ‖b'‖² 17.25.
    expect(cosineSimilarity(a, b, { iuf })).toBeCloseTo(16.75 / Math.sqrt(19.25 * 17.25), 12);
  });

  it('is 0 without common components or with a zero vector', () => {
    expect(cosineSimilarity(vec([0], [1]), vec([1], [1]))).toBe(0);
    expect(cosineSimilarity(vec([], []), b)).toBe(0);
    expect(cosineSimilarity(vec([1], [0]), b)).toBe(0);
  });
});

describe('pearsonSimilarity', () => {
  it('centres each vector on the mean of all its values and sums over co-rated components', () => {
    // ā = 2, b̄ = 4/3. Component 1: (0)(2/3); component 2: (1)(−1/3). dot −1/3, Σca² 1, Σcb² 5/9 → −1/√5.
    expect(pearsonSimilarity(a, b)).toBeCloseTo(-1 / Math.sqrt(5), 12);
    expect(pearsonSimilarity(b, a)).toBe(pearsonSimilarity(a, b));
  });

  it('is 1 for vectors that move together and −1 for opposite ones, over their common part', () => {
    expect(pearsonSimilarity(vec([0, 1, 2], [1, 2, 3]), vec([0, 1, 2], [2, 4, 6]))).toBeCloseTo(1, 12);
    expect(pearsonSimilarity(vec([0, 1, 2], [1, 2, 3]), vec([0, 1, 2], [3, 2, 1]))).toBeCloseTo(-1, 12);
  });

  it('is 0 for a constant vector (binary data carries no Pearson signal) and shrinks', () => {
    expect(pearsonSimilarity(vec([0, 1, 2], [1, 1, 1]), a)).toBe(0);
    expect(pearsonSimilarity(a, b, { shrinkage: 1 })).toBeCloseTo((-1 / Math.sqrt(5)) * (2 / 3), 12);
  });

  it('weights before centring', () => {
    // a' = (2, 2, 6) mean 10/3; b' = (2, 2, 6) on components 0..2: identical → 1.
    expect(pearsonSimilarity(vec([0, 1, 2], [1, 2, 3]), vec([0, 1, 2], [1, 2, 3]), { iuf: [2, 1, 2] })).toBeCloseTo(1, 12);
    // a' = (1, 4, 1.5) mean 6.5/3, b' = (4, 0.5, 1) mean 5.5/3 over components (0,1,2) and (1,2,3).
    const ma = 6.5 / 3;
    const mb = 5.5 / 3;
    const dot = (4 - ma) * (4 - mb) + (1.5 - ma) * (0.5 - mb);
    const sa = (4 - ma) ** 2 + (1.5 - ma) ** 2;
    const sb = (4 - mb) ** 2 + (0.5 - mb) ** 2;
    expect(pearsonSimilarity(a, b, { iuf: [1, 2, 0.5, 1] })).toBeCloseTo(dot / Math.sqrt(sa * sb), 12);
  });
});

describe('jaccardSimilarity', () => {
  it('is |A ∩ B| / |A ∪ B| whatever the values', () => {
    expect(jaccardSimilarity(a, b)).toBe(0.5);
    expect(jaccardSimilarity(vec([0, 5], [9, 9]), vec([5, 7, 9], [1, 1, 1]))).toBe(0.25);
    expect(jaccardSimilarity(vec([], []), vec([], []))).toBe(0);
  });

  it('weighs components by IUF and shrinks', () => {
    // ∩ = {1, 2}: 2 + 0.5; ∪ = {0..3}: 1 + 2 + 0.5 + 1.
    expect(jaccardSimilarity(a, b, { iuf: [1, 2, 0.5, 1] })).toBeCloseTo(2.5 / 4.5, 12);
    expect(jaccardSimilarity(a, b, { shrinkage: 6 })).toBeCloseTo(0.5 * (2 / 8), 12);
  });
});

describe('helpers', () => {
  it('computes inverse frequency weights log(n / count), 0 for absent components', () => {
    expect(Array.from(inverseFrequencyWeights([1, 2, 4, 0], 4))).toEqual([Math.log(4), Math.log(2), 0, 0]);
    expect(() => inverseFrequencyWeights([5], 4)).toThrow(RangeError);
  });

  it('shrinks, dispatches by kind and rejects bad input', () => {
    expect(shrink(0.8, 3, 1)).toBeCloseTo(0.6, 12);
    expect(shrink(0.8, 3, 0)).toBe(0.8);
    expect(sparseSimilarity('jaccard', a, b)).toBe(0.5);
    expect(sparseSimilarity('pearson', a, b)).toBe(pearsonSimilarity(a, b));
    expect(() => checkSimilarityKind('dice')).toThrow(/unknown similarity "dice"/);
    expect(() => cosineSimilarity(a, b, { shrinkage: -1 })).toThrow(RangeError);
  });
});
