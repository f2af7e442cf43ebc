import fc from 'fast-check';
import { aucScore } from './auc';

/** Reference: fraction of (positive, negative) pairs ordered correctly, ties counting one half. */
function pairwiseAuc(labels: number[], scores: number[]): number {
  let wins = 0;
  let pairs = 0;
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] !== 1) continue;
    for (let j = 0; j < labels.length; j++) {
      if (labels[j] !== 0) continue;
      pairs++;
      if (scores[i] > scores[j]) wins += 1;
      else if (scores[i] === scores[j]) wins += 0.5;
    }
  }
  return wins / pairs;
}

describe('aucScore', () => {
  it('computes the hand example with ties: 6 of 9 pairs = 2/3', () => {
    // Positives 0.9, 0.5, 0.3; negatives 0.9, 0.3, 0.1.
    // 0.9 beats 0.3, 0.1 and ties 0.9 → 2.5; 0.5 beats 0.3, 0.1 → 2; 0.3 beats 0.1 and ties 0.3 → 1.5.
    expect(aucScore([1, 0, 1, 0, 1, 0], [0.9, 0.9, 0.5, 0.3, 0.3, 0.1])).toBeCloseTo(2 / 3, 12);
  });

  it('gives 1 for a perfect ranking, 0 for a reversed one and 0.5 when all scores tie', () => {
    expect(aucScore([0, 0, 1, 1], [0.1, 0.2, 0.3, 0.4])).toBe(1);
    expect(aucScore([1, 1, 0, 0], [0.1, 0.2, 0.3, 0.4])).toBe(0);
    expect(aucScore([1, 0, 1, 0], [0.5, 0.5, 0.5, 0.5])).toBe(0.5);
  });

  it('is NaN when a class is missing', () => {
    expect(aucScore([1, 1], [0.2, 0.3])).toBeNaN();
    expect(aucScore([], [])).toBeNaN();
  });

  it('agrees with the pairwise definition on random data with many ties', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 1 }), fc.integer({ min: 0, max: 5 })), { minLength: 2, maxLength: 60 }),
        (rows) => {
          const labels = rows.map((r) => r[0]);
          const scores = rows.map((r) => r[1] / 5);
          fc.pre(labels.includes(0) && labels.includes(1));
          expect(aucScore(labels, scores)).toBeCloseTo(pairwiseAuc(labels, scores), 12);
        },
      ),
    );
  });

  it('rejects labels other than 0/1 and mismatched lengths', () => {
    expect(() => aucScore([2, 0], [0.1, 0.2])).toThrow(RangeError);
    expect(() => aucScore([1, 0], [0.1])).toThrow(RangeError);
  });
});
