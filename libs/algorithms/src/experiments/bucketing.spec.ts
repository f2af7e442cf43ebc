import { hashString, mix32 } from '../random/hash';
import { bucketOf } from './bucketing';

/** Pearson's chi-square statistic of observed counts against a uniform expectation. */
function chiSquare(counts: number[]): number {
  const total = counts.reduce((a, b) => a + b, 0);
  const expected = total / counts.length;
  return counts.reduce((sum, c) => sum + (c - expected) ** 2 / expected, 0);
}

const BUCKETS = 100;
/** df = 99: mean 99, sd ≈ 14; 200 is beyond seven standard deviations, so only a broken hash exceeds it. */
const CHI_SQUARE_BOUND = 200;

function counts(assign: (id: string) => number): number[] {
  const c = new Array<number>(BUCKETS).fill(0);
  for (let i = 0; i < 10_000; i++) c[assign(`user-${i}`)]++;
  return c;
}

describe('bucketOf', () => {
  it('is fmix32(FNV-1a("layer:userId")) modulo the bucket count', () => {
    expect(bucketOf('u1', 'ranking', 1000)).toBe(mix32(hashString('ranking:u1')) % 1000);
  });

  it('is stable across calls', () => {
    expect(bucketOf('user-42', 'layer-a', 100)).toBe(bucketOf('user-42', 'layer-a', 100));
  });

  it('spreads 10,000 ids roughly uniformly over 100 buckets', () => {
    expect(chiSquare(counts((id) => bucketOf(id, 'layer-a', BUCKETS)))).toBeLessThan(CHI_SQUARE_BOUND);
  });

  it('uses a bound that a constant assignment fails', () => {
    expect(chiSquare(counts(() => 0))).toBeGreaterThan(CHI_SQUARE_BOUND);
  });

  it('assigns independently across layers (plain FNV-1a mod 2 would not)', () => {
    let plainSame = 0;
    for (let i = 0; i < 1000; i++) if (hashString(`a:user-${i}`) % 2 === hashString(`b:user-${i}`) % 2) plainSame++;
    expect(plainSame).toBe(0);

    let same = 0;
    for (let i = 0; i < 10_000; i++) if (bucketOf(`user-${i}`, 'a', 2) === bucketOf(`user-${i}`, 'b', 2)) same++;
    // Independent layers agree about half of the time; aligned layers would agree always.
    expect(same).toBeGreaterThan(4700);
    expect(same).toBeLessThan(5300);
  });

  it('rejects a bucket count that is not a positive integer', () => {
    expect(() => bucketOf('u', 'l', 0)).toThrow(RangeError);
    expect(() => bucketOf('u', 'l', 1.5)).toThrow(RangeError);
  });
});
