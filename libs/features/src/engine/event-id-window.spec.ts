import { EventIdWindow } from './event-id-window';

const HOUR = 3_600_000;

describe('EventIdWindow', () => {
  it('accepts a new id once and reports repeats as duplicates, whatever their timestamp', () => {
    const w = new EventIdWindow(24 * HOUR, HOUR);
    expect(w.offer('e1', 10 * HOUR)).toBe('new');
    expect(w.offer('e1', 10 * HOUR)).toBe('duplicate');
    expect(w.offer('e1', 11 * HOUR)).toBe('duplicate');
    expect(w.offer('e2', 10 * HOUR)).toBe('new');
    expect(w.size).toBe(2);
  });

  it('reports events older than the window as late', () => {
    const w = new EventIdWindow(24 * HOUR, HOUR);
    w.offer('now', 100 * HOUR);
    expect(w.offer('old', 70 * HOUR)).toBe('late');
    expect(w.offer('recent', 80 * HOUR)).toBe('new');
  });

  it('forgets ids whose bucket left the window, bounding memory', () => {
    const w = new EventIdWindow(2 * HOUR, HOUR); // 3 slots: ids live 2–3 hours
    w.offer('a', 0);
    w.offer('b', HOUR);
    expect(w.size).toBe(2);
    w.offer('c', 2 * HOUR);
    expect(w.size).toBe(3);
    w.offer('d', 3 * HOUR); // bucket 0 leaves
    expect(w.size).toBe(3);
    expect(w.offer('a', 0)).toBe('late');
    expect(w.offer('b', HOUR)).toBe('duplicate');
    w.offer('z', 100 * HOUR); // a long jump empties everything
    expect(w.size).toBe(1);
  });

  it('handles timestamps before the epoch', () => {
    const w = new EventIdWindow(24 * HOUR, HOUR);
    expect(w.offer('neg', -5 * HOUR)).toBe('new');
    expect(w.offer('neg', -5 * HOUR)).toBe('duplicate');
  });

  it('rejects non-positive window sizes', () => {
    expect(() => new EventIdWindow(0, HOUR)).toThrow(RangeError);
    expect(() => new EventIdWindow(HOUR, 0)).toThrow(RangeError);
  });
});
