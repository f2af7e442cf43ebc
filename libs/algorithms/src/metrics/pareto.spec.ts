import fc from 'fast-check';
import { paretoFront } from './pareto';

describe('paretoFront', () => {
  it('keeps the non-dominated points of a hand-made set, in input order', () => {
    // Objectives: clicks (max), hides (min).
    const points = [
      [1.0, 0.2], // 0: dominated by 2 (more clicks, fewer hides)
      [2.0, 0.5], // 1: the most clicks
      [1.5, 0.1], // 2: a trade-off
      [0.5, 0.05], // 3: the fewest hides
      [1.5, 0.1], // 4: equal to 2: neither dominates the other
      [0.4, 0.05], // 5: dominated by 3 (same hides, fewer clicks)
    ];
    expect(paretoFront(points, ['max', 'min'])).toEqual([1, 2, 3, 4]);
  });

  it('keeps everything with one objective tied and nothing to choose, and the best with one objective', () => {
    expect(paretoFront([[1], [1], [1]], ['max'])).toEqual([0, 1, 2]);
    expect(paretoFront([[1], [3], [2]], ['max'])).toEqual([1]);
    expect(paretoFront([[1], [3], [2]], ['min'])).toEqual([0]);
    expect(paretoFront([], ['max'])).toEqual([]);
  });

  it('rejects a point of the wrong width or with a NaN', () => {
    expect(() => paretoFront([[1, 2], [1]], ['max', 'max'])).toThrow('point 1 has 1 values for 2 objectives');
    expect(() => paretoFront([[1, Number.NaN]], ['max', 'max'])).toThrow('point 0, objective 1 is NaN');
  });

  it('no point of the front is dominated, and every point off it is dominated by one on it', () => {
    const point = fc.tuple(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 5 }));
    fc.assert(
      fc.property(fc.array(point, { maxLength: 30 }), (points) => {
        const senses = ['max', 'min', 'max'] as const;
        const front = new Set(paretoFront(points, senses));
        const dominates = (a: number[], b: number[]) =>
          a[0] >= b[0] && a[1] <= b[1] && a[2] >= b[2] && (a[0] > b[0] || a[1] < b[1] || a[2] > b[2]);
        points.forEach((p, i) => {
          const dominated = points.some((q) => dominates(q, p));
          expect(front.has(i)).toBe(!dominated);
          if (dominated) expect([...front].some((k) => dominates(points[k], p))).toBe(true);
        });
      }),
    );
  });
});
