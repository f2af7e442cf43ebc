import { DecayedCounter, addDecayed, decayFactor, decayedValue } from './decayed-counter';

const HOUR = 3_600_000;

describe('DecayedCounter', () => {
  it('halves after one half-life and quarters after two', () => {
    const c = new DecayedCounter(HOUR);
    c.add(8, 0);
    expect(c.valueAt(0)).toBe(8);
    expect(c.valueAt(HOUR)).toBeCloseTo(4, 12);
    expect(c.valueAt(2 * HOUR)).toBeCloseTo(2, 12);
  });

  it('sums decayed contributions: 4 at t=0 and 1 at t=h is 3 at t=h', () => {
    const c = new DecayedCounter(HOUR);
    c.add(4, 0);
    c.add(1, HOUR);
    expect(c.valueAt(HOUR)).toBeCloseTo(3, 12);
    expect(c.state()).toEqual({ value: 3, atMs: HOUR });
  });

  it('does not depend on the order of additions', () => {
    const inOrder = new DecayedCounter(HOUR);
    const reversed = new DecayedCounter(HOUR);
    const adds: [number, number][] = [[1, 0], [2, 0.5 * HOUR], [-0.5, 2 * HOUR], [3, 3 * HOUR]];
    for (const [w, t] of adds) inOrder.add(w, t);
    for (const [w, t] of [...adds].reverse()) reversed.add(w, t);
    expect(reversed.valueAt(5 * HOUR)).toBeCloseTo(inOrder.valueAt(5 * HOUR), 12);
  });

  it('is 0 before any addition and never inflates when read before the last update', () => {
    const c = new DecayedCounter(HOUR);
    expect(c.valueAt(123)).toBe(0);
    c.add(2, 10 * HOUR);
    expect(c.valueAt(9 * HOUR)).toBe(2);
  });

  it('exposes the pure helpers', () => {
    expect(decayFactor(HOUR, HOUR)).toBe(0.5);
    expect(decayedValue(10, 0, 3 * HOUR, HOUR)).toBeCloseTo(1.25, 12);
    expect(addDecayed(2, HOUR, 4, 0, HOUR)).toEqual({ value: 4, atMs: HOUR });
  });

  it('rejects a non-positive half-life', () => {
    expect(() => new DecayedCounter(0)).toThrow(RangeError);
  });
});
