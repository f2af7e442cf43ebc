import { CounterArena } from './counter-arena';

describe('CounterArena', () => {
  it('allocates zeroed rows and keeps values when it grows', () => {
    const arena = new CounterArena(3, 1);
    const a = arena.allocate();
    arena.data[a + 2] = 7;
    const b = arena.allocate();
    const c = arena.allocate();
    arena.data[c] = 1.5;
    expect([a, b, c]).toEqual([0, 3, 6]);
    expect(arena.rows).toBe(3);
    expect(arena.read(a)).toEqual([0, 0, 7]);
    expect(arena.read(b)).toEqual([0, 0, 0]);
    expect(arena.read(c, 1)).toEqual([1.5]);
  });
});
