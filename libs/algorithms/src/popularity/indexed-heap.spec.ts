import fc from 'fast-check';
import { IndexedHeap } from './indexed-heap';

/** A heap over slots 0..n-1 keyed by `keys[slot]` (higher first, ties by lower slot). */
function heapOver(keys: number[]): IndexedHeap {
  return new IndexedHeap((a, b) => (keys[a] !== keys[b] ? keys[a] > keys[b] : a < b));
}

const byKey = (keys: number[]) => (a: number, b: number) => keys[b] - keys[a] || a - b;

describe('IndexedHeap', () => {
  it('pops in order, removes and re-sifts slots whose key changed', () => {
    const keys = [5, 1, 9, 3, 7];
    const heap = heapOver(keys);
    for (let s = 0; s < keys.length; s++) heap.push(s);
    expect(heap.peek()).toBe(2);
    keys[1] = 10;
    heap.update(1);
    expect(heap.remove(4)).toBe(true);
    expect(heap.remove(4)).toBe(false);
    expect(heap.has(4)).toBe(false);
    const order: number[] = [];
    for (let s = heap.pop(); s >= 0; s = heap.pop()) order.push(s);
    expect(order).toEqual([1, 2, 0, 3]);
    expect(heap.size).toBe(0);
    expect(heap.peek()).toBe(-1);
  });

  it('walks best first with a cursor without changing the heap', () => {
    const keys = [4, 8, 2, 8, 6, 0];
    const heap = heapOver(keys);
    for (let s = 0; s < keys.length; s++) heap.push(s);
    const cursor = heap.cursor();
    const walked: number[] = [];
    expect(cursor.peek()).toBe(1);
    for (let s = cursor.next(); s >= 0; s = cursor.next()) walked.push(s);
    expect(walked).toEqual([1, 3, 4, 0, 2, 5]);
    expect(heap.size).toBe(6);
    expect(heap.cursor().next()).toBe(1);
  });

  it('agrees with sorting under random pushes, removals and key changes', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('push' as const), slot: fc.integer({ min: 0, max: 40 }), key: fc.integer({ min: -5, max: 5 }) }),
      fc.record({ kind: fc.constant('remove' as const), slot: fc.integer({ min: 0, max: 40 }) }),
      fc.record({ kind: fc.constant('rekey' as const), slot: fc.integer({ min: 0, max: 40 }), key: fc.integer({ min: -5, max: 5 }) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 200 }), fc.integer({ min: 0, max: 45 }), (ops, take) => {
        const keys = new Array<number>(41).fill(0);
        const heap = heapOver(keys);
        const present = new Set<number>();
        for (const o of ops) {
          if (o.kind === 'push') {
            keys[o.slot] = o.key;
            heap.push(o.slot);
            present.add(o.slot);
          } else if (o.kind === 'remove') {
            expect(heap.remove(o.slot)).toBe(present.delete(o.slot));
          } else {
            keys[o.slot] = o.key;
            heap.update(o.slot);
          }
        }
        const expected = [...present].sort(byKey(keys));
        const cursor = heap.cursor();
        const walked: number[] = [];
        for (let i = 0; i < take; i++) {
          const s = cursor.next();
          if (s < 0) break;
          walked.push(s);
        }
        expect(walked).toEqual(expected.slice(0, take));
        const popped: number[] = [];
        for (let s = heap.pop(); s >= 0; s = heap.pop()) popped.push(s);
        expect(popped).toEqual(expected);
      }),
    );
  });
});
