import fc from 'fast-check';
import { RecentIdSet } from './recent-ids';

describe('RecentIdSet', () => {
  it('remembers the last `capacity` distinct ids, forgetting the oldest first', () => {
    const set = new RecentIdSet(3);
    expect(set.add('a')).toBe(true);
    expect(set.add('b')).toBe(true);
    expect(set.add('a')).toBe(false);
    expect(set.add('c')).toBe(true);
    expect(set.add('d')).toBe(true); // forgets a
    expect(set.has('a')).toBe(false);
    expect([set.has('b'), set.has('c'), set.has('d')]).toEqual([true, true, true]);
    expect(set.add('a')).toBe(true); // forgets b
    expect(set.has('b')).toBe(false);
    expect(set.size).toBe(3);
    const none = new RecentIdSet(0);
    expect(none.add('x')).toBe(true);
    expect(none.add('x')).toBe(true);
  });

  it('agrees with a reference set and queue, across many evictions (the table stays findable)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 20 }), fc.array(fc.integer({ min: 0, max: 60 }), { maxLength: 400 }), (capacity, adds) => {
        const set = new RecentIdSet(capacity);
        const order: string[] = [];
        const held = new Set<string>();
        for (const n of adds) {
          const id = `ev_${n}`;
          const fresh = !held.has(id);
          expect(set.add(id)).toBe(fresh);
          if (!fresh) continue;
          held.add(id);
          order.push(id);
          if (order.length > capacity) held.delete(order.shift() as string);
        }
        for (let n = 0; n <= 60; n++) expect(set.has(`ev_${n}`)).toBe(held.has(`ev_${n}`));
        expect(set.size).toBe(held.size);
      }),
    );
  });
});
