import fc from 'fast-check';
import { DecayedScoreHeap } from './decayed-score-heap';

const HOUR = 3_600_000;

describe('DecayedScoreHeap', () => {
  it('scores, ranks and lists only positive keys, ties by the tie-break', () => {
    const heap = new DecayedScoreHeap({ halfLifeMs: HOUR, tieBreak: (a, b) => a > b });
    heap.add(7, 4, 0); // worth 2 at 1h
    heap.add(3, 2, HOUR);
    heap.add(9, 2, HOUR);
    heap.add(5, 1, 0);
    heap.add(5, -1, 0); // 0: never listed
    heap.add(1, -3, 0);
    const { keys, scores } = heap.top(10, HOUR);
    // 7, 9 and 3 all score 2 at 1h: the anchors of 9 and 3 are equal (the tie-break puts the higher key first); 7's
    // anchor is log2(4) + 0 = 2 = log2(2) + 1, equal too.
    expect(Array.from(keys)).toEqual([9, 7, 3]);
    expect(Array.from(scores)).toEqual([2, 2, 2]);
    expect(heap.score(1, 0)).toBe(-3);
    expect(heap.size).toBe(5);
  });

  it('mirrors another key state with set, deletes, and walks with a cursor', () => {
    const heap = new DecayedScoreHeap({ halfLifeMs: HOUR, dense: true });
    heap.add(0, 1, 0);
    heap.add(2, 3, 0);
    heap.set(4, 8, 0);
    expect(heap.valueOf(4)).toBe(8);
    expect(heap.timeOf(4)).toBe(0);
    expect(heap.timeOf(3)).toBe(Number.NEGATIVE_INFINITY);
    heap.set(4, 0.5, 0);
    expect(heap.delete(0)).toBe(true);
    expect(heap.delete(0)).toBe(false);
    expect(heap.has(0)).toBe(false);
    const cursor = heap.cursor();
    expect(cursor.peekAnchor()).toBeCloseTo(Math.log2(3), 12);
    expect([cursor.next(), cursor.next(), cursor.next()]).toEqual([2, 4, -1]);
    const seen: number[] = [];
    heap.forEachKey((k) => seen.push(k));
    expect(seen.sort()).toEqual([2, 4]);
  });

  it.each([
    [true, 512],
    [false, 512],
    [true, 3],
    [false, 1],
  ])('agrees with a brute-force ranking under random adds, sets, deletes and filters (dense %s, block %i)', (dense, block) => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('add' as const), key: fc.integer({ min: 0, max: 30 }), weight: fc.double({ min: -2, max: 10, noNaN: true }), t: fc.integer({ min: 0, max: 48 }) }),
      fc.record({ kind: fc.constant('set' as const), key: fc.integer({ min: 0, max: 30 }), value: fc.double({ min: -2, max: 10, noNaN: true }), t: fc.integer({ min: 0, max: 48 }) }),
      fc.record({ kind: fc.constant('delete' as const), key: fc.integer({ min: 0, max: 30 }) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 150 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 0, max: 3 }), (ops, n, mod) => {
        const heap = new DecayedScoreHeap({ halfLifeMs: HOUR, dense, block });
        const reference = new Map<number, { value: number; at: number }>();
        for (const o of ops) {
          const at = o.kind === 'delete' ? 0 : o.t * (HOUR / 4);
          if (o.kind === 'add') {
            heap.add(o.key, o.weight, at);
            const r = reference.get(o.key);
            if (!r) reference.set(o.key, { value: o.weight, at });
            else if (at >= r.at) reference.set(o.key, { value: r.value * Math.pow(2, -(at - r.at) / HOUR) + o.weight, at });
            else reference.set(o.key, { value: r.value + o.weight * Math.pow(2, -(r.at - at) / HOUR), at: r.at });
          } else if (o.kind === 'set') {
            heap.set(o.key, o.value, at);
            reference.set(o.key, { value: o.value, at });
          } else {
            expect(heap.delete(o.key)).toBe(reference.delete(o.key));
          }
        }
        const now = 12 * HOUR;
        const accept = (k: number) => mod === 0 || k % (mod + 1) !== 0;
        const anchor = (r: { value: number; at: number }) => Math.log2(r.value) + r.at / HOUR;
        const expected = [...reference]
          .filter(([k, r]) => r.value > 0 && accept(k))
          .sort(([ka, a], [kb, b]) => anchor(b) - anchor(a) || ka - kb)
          .slice(0, n);
        const { keys, scores } = heap.top(n, now, accept);
        expect(Array.from(keys)).toEqual(expected.map(([k]) => k));
        expected.forEach(([, r], i) => expect(scores[i]).toBeCloseTo(r.value * Math.pow(2, -(now - r.at) / HOUR), 9));
        expect(heap.size).toBe(reference.size);
        // The cursor walks the same order, and every listed key is found again.
        const cursor = heap.cursor();
        const walked: number[] = [];
        for (let k = cursor.next(); k >= 0; k = cursor.next()) walked.push(k);
        expect(walked.filter(accept).slice(0, n)).toEqual(Array.from(keys));
        expect(walked.length).toBe([...reference.values()].filter((r) => r.value > 0).length);
        for (const k of reference.keys()) expect(heap.has(k)).toBe(true);
      }),
    );
  });
});
