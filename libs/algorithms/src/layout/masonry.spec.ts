import { masonryLayout } from './masonry';

describe('masonryLayout', () => {
  it('places each item in the shortest column (hand example, two columns)', () => {
    // heights 1, 2, 0.5, 1, 0.25:
    // i0 → col0 (tie → lowest) [1, 0]; i1 → col1 [1, 2]; i2 → col0 [1.5, 2]; i3 → col0 [2.5, 2]; i4 → col1 [2.5, 2.25]
    const layout = masonryLayout(
      [
        { id: 'i0', aspectRatio: 1 },
        { id: 'i1', aspectRatio: 0.5 },
        { id: 'i2', aspectRatio: 2 },
        { id: 'i3', aspectRatio: 1 },
        { id: 'i4', aspectRatio: 4 },
      ],
      2,
    );
    expect(layout.placements.map((p) => p.column)).toEqual([0, 1, 0, 0, 1]);
    expect(layout.placements.map((p) => p.top)).toEqual([0, 0, 1, 1.5, 2]);
    expect(layout.placements.map((p) => p.height)).toEqual([1, 2, 0.5, 1, 0.25]);
    expect(layout.columnHeights).toEqual([2.5, 2.25]);
  });

  it('fills equal items round-robin, ties going to the lowest index', () => {
    const items = Array.from({ length: 7 }, (_, i) => ({ id: `x${i}`, aspectRatio: 1 }));
    const layout = masonryLayout(items, 3);
    expect(layout.placements.map((p) => p.column)).toEqual([0, 1, 2, 0, 1, 2, 0]);
    expect(layout.columnHeights).toEqual([3, 2, 2]);
  });

  it('treats heights equal up to rounding as ties', () => {
    // Column 0 reaches 0.1 + 0.2 = 0.30000000000000004, column 1 reaches 0.3: the next item goes to column 0.
    const layout = masonryLayout(
      [
        { id: 'a', aspectRatio: 10 },
        { id: 'b', aspectRatio: 1 / 0.3 },
        { id: 'c', aspectRatio: 5 },
        { id: 'd', aspectRatio: 1 },
      ],
      2,
    );
    expect(layout.placements.map((p) => p.column)).toEqual([0, 1, 0, 0]);
  });

  it('rejects bad columns and aspect ratios', () => {
    expect(() => masonryLayout([], 0)).toThrow(RangeError);
    expect(() => masonryLayout([{ id: 'a', aspectRatio: 0 }], 2)).toThrow(RangeError);
    expect(() => masonryLayout([{ id: 'a', aspectRatio: Number.NaN }], 2)).toThrow(RangeError);
  });
});
