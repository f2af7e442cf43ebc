import { logLoss } from './log-loss';

describe('logLoss', () => {
  it('averages the cross-entropy by hand', () => {
    // −(ln 0.8 + ln(1 − 0.4)) / 2
    expect(logLoss([1, 0], [0.8, 0.4])).toBeCloseTo(-(Math.log(0.8) + Math.log(0.6)) / 2, 12);
  });

  it('is ln 2 for p = 0.5 and clips certain mistakes to a finite cost', () => {
    expect(logLoss([1, 0, 1], [0.5, 0.5, 0.5])).toBeCloseTo(Math.LN2, 12);
    const cost = logLoss([1], [0]);
    expect(Number.isFinite(cost)).toBe(true);
    expect(cost).toBeCloseTo(-Math.log(1e-15), 6);
  });

  it('is NaN for empty input and rejects mismatched lengths', () => {
    expect(logLoss([], [])).toBeNaN();
    expect(() => logLoss([1], [0.5, 0.5])).toThrow(RangeError);
  });
});
