import { createRandom, deriveSeed, sampleCumulative, upperBound } from './random';

describe('createRandom', () => {
  it('repeats its sequence for a seed and differs across seeds', () => {
    const a = createRandom(42);
    const b = createRandom(42);
    const c = createRandom(43);
    const xs = Array.from({ length: 100 }, () => a.next());
    expect(Array.from({ length: 100 }, () => b.next())).toEqual(xs);
    expect(Array.from({ length: 100 }, () => c.next())).not.toEqual(xs);
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
  });

  it('draws normals, gammas and betas with the right means', () => {
    const rng = createRandom(7);
    const n = 20_000;
    const mean = (f: () => number) => Array.from({ length: n }, f).reduce((s, x) => s + x, 0) / n;
    expect(mean(() => rng.normal())).toBeCloseTo(0, 1);
    expect(mean(() => rng.normal() ** 2)).toBeCloseTo(1, 1);
    expect(mean(() => rng.gamma(3))).toBeCloseTo(3, 1);
    expect(mean(() => rng.gamma(0.5))).toBeCloseTo(0.5, 1);
    expect(mean(() => rng.beta(2, 6))).toBeCloseTo(0.25, 2);
  });

  it('derives distinct stream seeds per label', () => {
    expect(deriveSeed(1, 'users')).toBe(deriveSeed(1, 'users'));
    expect(deriveSeed(1, 'users')).not.toBe(deriveSeed(1, 'pins'));
    expect(deriveSeed(1, 'users')).not.toBe(deriveSeed(2, 'users'));
  });
});

describe('prefix sampling', () => {
  it('counts entries <= a value and samples only inside the prefix, never zero weights', () => {
    expect(upperBound([1, 2, 2, 5], 2)).toBe(3);
    expect(upperBound([1, 2, 2, 5], 0)).toBe(0);
    const cumulative = [1, 1, 3, 6]; // weights 1, 0, 2, 3
    const seen = new Set<number>();
    for (let i = 0; i < 100; i++) seen.add(sampleCumulative(cumulative, 3, i / 100));
    expect([...seen].sort()).toEqual([0, 2]);
    expect(sampleCumulative(cumulative, 4, 0.999)).toBe(3);
  });
});
