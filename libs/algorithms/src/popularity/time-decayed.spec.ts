import fc from 'fast-check';
import { TimeDecayedPopularity } from './time-decayed';

const HOUR = 3_600_000;

describe('TimeDecayedPopularity', () => {
  it('scores a key at half its weight after one half-life', () => {
    const pop = new TimeDecayedPopularity({ halfLifeMs: HOUR });
    pop.add('a', 10, 0);
    expect(pop.score('a', HOUR)).toBeCloseTo(5, 12);
    expect(pop.score('missing', HOUR)).toBe(0);
  });

  it('ranks recent engagement above older, larger engagement once it decays', () => {
    const pop = new TimeDecayedPopularity({ halfLifeMs: HOUR });
    pop.add('old', 10, 0); // worth 10·2^−3 = 1.25 at 3h
    pop.add('new', 2, 3 * HOUR); // worth 2 at 3h
    pop.add('mid', 3, HOUR); // worth 3·2^−2 = 0.75 at 3h
    const top = pop.top(3, 3 * HOUR);
    expect(top.map((t) => t.key)).toEqual(['new', 'old', 'mid']);
    expect(top.map((t) => t.score)).toEqual([2, 1.25, 0.75].map((v) => expect.closeTo(v, 12)));
  });

  it('re-orders a key when it is updated and honours n and the filter', () => {
    const pop = new TimeDecayedPopularity({ halfLifeMs: HOUR });
    for (const [k, w] of [['a', 1], ['b', 2], ['c', 3], ['d', 4]] as const) pop.add(k, w, 0);
    pop.add('a', 10, 0);
    expect(pop.top(2, 0).map((t) => t.key)).toEqual(['a', 'd']);
    expect(pop.top(2, 0, (k) => k !== 'a').map((t) => t.key)).toEqual(['d', 'c']);
    expect(pop.top(10, 0)).toHaveLength(4);
    expect(pop.top(0, 0)).toEqual([]);
  });

  it('never returns keys whose score is zero or negative', () => {
    const pop = new TimeDecayedPopularity({ halfLifeMs: HOUR });
    pop.add('pos', 1, 0);
    pop.add('neg', -1, 0);
    pop.add('zero', 1, 0);
    pop.add('zero', -1, 0);
    expect(pop.top(5, 0).map((t) => t.key)).toEqual(['pos']);
  });

  it('deletes and prunes keys', () => {
    const pop = new TimeDecayedPopularity({ halfLifeMs: HOUR });
    pop.add('a', 1, 0);
    pop.add('b', 100, 0);
    pop.add('c', 10, 0);
    expect(pop.delete('b')).toBe(true);
    expect(pop.delete('b')).toBe(false);
    expect(pop.top(5, 0).map((t) => t.key)).toEqual(['c', 'a']);
    expect(pop.prune(HOUR, 1)).toBe(1); // a is worth 0.5 < 1
    expect(pop.size).toBe(1);
    pop.add('d', 1, 0);
    expect(pop.top(5, 0).map((t) => t.key)).toEqual(['c', 'd']);
  });

  it('agrees with a brute-force ranking under random positive adds, deletes and filters', () => {
    const keys = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l'];
    const op = fc.oneof(
      fc.record({ kind: fc.constant('add' as const), key: fc.constantFrom(...keys), weight: fc.double({ min: 0.01, max: 10, noNaN: true }), t: fc.integer({ min: 0, max: 48 }) }),
      fc.record({ kind: fc.constant('delete' as const), key: fc.constantFrom(...keys) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 120 }), fc.integer({ min: 1, max: 8 }), fc.integer({ min: 12, max: 60 }), fc.integer({ min: 0, max: 3 }), (ops, n, nowHours, mod) => {
        const pop = new TimeDecayedPopularity({ halfLifeMs: HOUR });
        const reference = new Map<string, [number, number][]>();
        for (const o of ops) {
          if (o.kind === 'add') {
            pop.add(o.key, o.weight, o.t * (HOUR / 4));
            reference.set(o.key, [...(reference.get(o.key) ?? []), [o.weight, o.t * (HOUR / 4)]]);
          } else {
            pop.delete(o.key);
            reference.delete(o.key);
          }
        }
        const now = nowHours * HOUR;
        const filter = (k: string) => mod === 0 || k.charCodeAt(0) % mod !== 0;
        // Every add happened at or before `now` (t ≤ 12 h), so each contribution simply decays to `now`.
        const expected = [...reference]
          .filter(([k]) => filter(k))
          .map(([k, adds]) => ({ key: k, score: adds.reduce((s, [w, t]) => s + w * Math.pow(2, -(now - t) / HOUR), 0) }))
          .sort((a, b) => b.score - a.score)
          .slice(0, n);
        const got = pop.top(n, now, filter);
        expect(got.length).toBe(expected.length);
        got.forEach((g, i) => {
          expect(g.score).toBeCloseTo(expected[i].score, 6);
          expect(g.score).toBeCloseTo(pop.score(g.key, now), 12);
          expect(filter(g.key)).toBe(true);
        });
      }),
    );
  });
});
