import fc from 'fast-check';
import { DiversityCandidate, SlidingWindowOptions, slidingWindowDiversity } from './sliding-window';

const c = (id: string, topic: string, creator: string, score: number): DiversityCandidate => ({ id, topic, creator, score });

describe('slidingWindowDiversity', () => {
  it('defers items that would repeat a topic or exhaust a creator in the window (hand example)', () => {
    const candidates = [
      c('a', 'T1', 'C1', 10),
      c('b', 'T1', 'C2', 9),
      c('c', 'T2', 'C1', 8),
      c('d', 'T3', 'C1', 7),
      c('e', 'T2', 'C3', 6),
      c('f', 'T4', 'C4', 5),
    ];
    // pos0 a; pos1 b repeats T1 → c; pos2 b (T1), d (C1 twice already), e (T2) blocked → f;
    // pos3 a left the window → b; pos4 c left → d. e did not fit in 5 positions.
    const result = slidingWindowDiversity(candidates, { window: 3, maxPerTopic: 1, maxPerCreator: 2, size: 5 });
    expect(result.selected.map((x) => x.id)).toEqual(['a', 'c', 'f', 'b', 'd']);
    expect(result.removed.map((x) => x.id)).toEqual(['e']);
    expect(result.relaxedPositions).toEqual([]);
  });

  it('places the best remaining candidate when nothing satisfies the limits', () => {
    const candidates = [c('x', 'T', 'A', 3), c('y', 'T', 'B', 2), c('z', 'T', 'C', 1)];
    const result = slidingWindowDiversity(candidates, { window: 2, maxPerTopic: 1, maxPerCreator: 1, size: 2 });
    expect(result.selected.map((x) => x.id)).toEqual(['x', 'y']);
    expect(result.relaxedPositions).toEqual([1]);
    expect(result.removed.map((x) => x.id)).toEqual(['z']);
  });

  it('keeps score order (stable on ties) when the limits cannot bind, and carries extra fields', () => {
    const candidates = [
      { ...c('p', 'T', 'A', 1), extra: 1 },
      { ...c('q', 'T', 'A', 2), extra: 2 },
      { ...c('r', 'T', 'A', 1), extra: 3 },
    ];
    const result = slidingWindowDiversity(candidates, { window: 3, maxPerTopic: 3, maxPerCreator: 3, size: 10 });
    expect(result.selected.map((x) => x.id)).toEqual(['q', 'p', 'r']);
    expect(result.selected[0].extra).toBe(2);
    expect(result.removed).toEqual([]);
  });

  it('returns an empty page for size 0 or no candidates and rejects bad limits', () => {
    expect(slidingWindowDiversity([c('a', 'T', 'A', 1)], { window: 2, maxPerTopic: 1, maxPerCreator: 1, size: 0 }).removed).toHaveLength(1);
    expect(slidingWindowDiversity([], { window: 2, maxPerTopic: 1, maxPerCreator: 1, size: 5 }).selected).toEqual([]);
    expect(() => slidingWindowDiversity([], { window: 0, maxPerTopic: 1, maxPerCreator: 1, size: 1 })).toThrow(RangeError);
    expect(() => slidingWindowDiversity([], { window: 2, maxPerTopic: 0, maxPerCreator: 1, size: 1 })).toThrow(RangeError);
  });

  describe('properties', () => {
    const candidateArb = fc.record({
      topic: fc.constantFrom('t0', 't1', 't2', 't3'),
      creator: fc.constantFrom('c0', 'c1', 'c2'),
      score: fc.integer({ min: 0, max: 20 }),
    });
    const inputArb = fc.tuple(
      fc.array(candidateArb, { maxLength: 40 }).map((rows) => rows.map((r, i) => ({ id: `i${i}`, ...r }))),
      fc.record({
        window: fc.integer({ min: 1, max: 6 }),
        maxPerTopic: fc.integer({ min: 1, max: 3 }),
        maxPerCreator: fc.integer({ min: 1, max: 3 }),
        size: fc.integer({ min: 0, max: 45 }),
      }),
    );

    const fits = (cand: DiversityCandidate, before: DiversityCandidate[], o: SlidingWindowOptions) =>
      before.filter((x) => x.topic === cand.topic).length < o.maxPerTopic && before.filter((x) => x.creator === cand.creator).length < o.maxPerCreator;

    it('limits hold in every window without a relaxed position, and relaxation happens only when nothing fits', () => {
      fc.assert(
        fc.property(inputArb, ([candidates, o]) => {
          const { selected, removed, relaxedPositions } = slidingWindowDiversity(candidates, o);
          expect(selected).toHaveLength(Math.min(o.size, candidates.length));
          expect(new Set([...selected, ...removed]).size).toBe(candidates.length);
          expect([...selected, ...removed].every((x) => candidates.includes(x))).toBe(true);
          for (let i = 1; i < removed.length; i++) expect(removed[i - 1].score).toBeGreaterThanOrEqual(removed[i].score);

          const relaxed = new Set(relaxedPositions);
          // Each position: the best candidate that fits, or the best remaining when none fits.
          for (let p = 0; p < selected.length; p++) {
            const before = selected.slice(Math.max(0, p - o.window + 1), p);
            const remaining = candidates.filter((x) => !selected.slice(0, p).includes(x));
            const feasible = remaining.filter((x) => fits(x, before, o));
            const pool = feasible.length > 0 ? feasible : remaining;
            expect(relaxed.has(p)).toBe(feasible.length === 0);
            expect(selected[p].score).toBe(Math.max(...pool.map((x) => x.score)));
            if (feasible.length > 0) expect(fits(selected[p], before, o)).toBe(true);
          }
          // Every window of `window` consecutive positions without relaxation respects both limits.
          for (let s = 0; s + Math.min(o.window, selected.length) <= selected.length && selected.length > 0; s++) {
            const win = selected.slice(s, s + o.window);
            if (win.some((_, k) => relaxed.has(s + k))) continue;
            const most = (key: 'topic' | 'creator') => Math.max(...win.map((x) => win.filter((y) => y[key] === x[key]).length));
            expect(most('topic')).toBeLessThanOrEqual(o.maxPerTopic);
            expect(most('creator')).toBeLessThanOrEqual(o.maxPerCreator);
          }
        }),
        { numRuns: 300 },
      );
    });

    it('never relaxes when every candidate has its own topic and creator', () => {
      fc.assert(
        fc.property(fc.array(fc.integer({ min: 0, max: 100 }), { maxLength: 30 }), fc.integer({ min: 1, max: 5 }), (scores, window) => {
          const candidates = scores.map((s, i) => c(`i${i}`, `t${i}`, `c${i}`, s));
          const result = slidingWindowDiversity(candidates, { window, maxPerTopic: 1, maxPerCreator: 1, size: candidates.length });
          expect(result.relaxedPositions).toEqual([]);
        }),
      );
    });
  });
});
