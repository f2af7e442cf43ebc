import fc from 'fast-check';
import { aucScore } from './auc';
import { aucOfScoreSets, userAuc } from './user-auc';

describe('userAuc', () => {
  // Items 0..5; positives 0, 2, 4 score 0.9, 0.5, 0.3; negatives 1, 3, 5 score 0.9, 0.3, 0.1.
  const scores = Float32Array.from([0.9, 0.9, 0.5, 0.3, 0.3, 0.1]);

  it('computes the hand example with ties: 6 of 9 pairs = 2/3', () => {
    expect(userAuc(scores, [0, 2, 4])).toBeCloseTo(2 / 3, 7);
  });

  it('leaves excluded items out of the negatives', () => {
    // Without negative 1 (0.9): 0.9 beats 2, 0.5 beats 2, 0.3 ties 0.3 and beats 0.1 → 5.5 of 6.
    expect(userAuc(scores, [0, 2, 4], [1])).toBeCloseTo(5.5 / 6, 7);
  });

  it('throws on a NaN score, of a positive or of a negative', () => {
    expect(() => userAuc([NaN, 0.2, 0.3], [0])).toThrow(RangeError);
    expect(() => userAuc([0.1, NaN, 0.3], [0])).toThrow(RangeError);
  });

  it('is NaN without positives or without negatives', () => {
    expect(userAuc(scores, [])).toBeNaN();
    expect(userAuc([0.2, 0.4], [0, 1])).toBeNaN();
    expect(userAuc([0.2, 0.4, 0.1], [0], [1, 2])).toBeNaN();
  });

  it('agrees with aucScore over the non-excluded items', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 5 })), { minLength: 2, maxLength: 60 }), (rows) => {
        // 0 negative, 1 positive, 2 excluded.
        const s = rows.map((r) => r[1] / 5);
        const positives = rows.flatMap((r, i) => (r[0] === 1 ? [i] : []));
        const exclude = rows.flatMap((r, i) => (r[0] === 2 ? [i] : []));
        const kept = rows.flatMap((r, i) => (r[0] === 2 ? [] : [i]));
        const expected = aucScore(kept.map((i) => rows[i][0]), kept.map((i) => s[i]));
        const got = userAuc(s, positives, exclude);
        if (Number.isNaN(expected)) expect(got).toBeNaN();
        else expect(got).toBeCloseTo(expected, 12);
      }),
    );
  });
  it('agrees with aucScore with many positives (the binary-search path) and many ties', () => {
    const scores = Array.from({ length: 400 }, (_, i) => ((i * 37) % 23) / 23);
    const positives = Array.from({ length: 400 }, (_, i) => i).filter((i) => i % 3 === 0); // 134 positives
    const exclude = Array.from({ length: 400 }, (_, i) => i).filter((i) => i % 7 === 1);
    const kept = Array.from({ length: 400 }, (_, i) => i).filter((i) => i % 7 !== 1 || i % 3 === 0);
    const expected = aucScore(kept.map((i) => (i % 3 === 0 ? 1 : 0)), kept.map((i) => scores[i]));
    expect(userAuc(scores, positives, exclude.filter((i) => i % 3 !== 0))).toBeCloseTo(expected, 12);
  });
});

describe('aucOfScoreSets', () => {
  it('computes the hand example with ties', () => {
    expect(aucOfScoreSets(Float64Array.from([0.9, 0.5, 0.3]), Float64Array.from([0.9, 0.3, 0.1]))).toBeCloseTo(2 / 3, 12);
    expect(aucOfScoreSets(Float64Array.from([1]), new Float64Array(0))).toBeNaN();
  });

  it('agrees with aucScore on random pooled scores with ties', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 6 }), { minLength: 1, maxLength: 50 }), fc.array(fc.integer({ min: 0, max: 6 }), { minLength: 1, maxLength: 50 }), (p, n) => {
        const expected = aucScore([...p.map(() => 1), ...n.map(() => 0)], [...p, ...n]);
        expect(aucOfScoreSets(Float32Array.from(p), Float32Array.from(n))).toBeCloseTo(expected, 12);
      }),
    );
  });

  it('rejects NaN scores', () => {
    expect(() => aucOfScoreSets(Float32Array.from([0.1, NaN]), Float32Array.from([0.2]))).toThrow(RangeError);
  });
});
