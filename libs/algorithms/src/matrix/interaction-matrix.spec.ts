import { hasEntry, InteractionMatrixBuilder, nnz, rowItems } from './interaction-matrix';

describe('InteractionMatrixBuilder', () => {
  it('builds CSR rows sorted by item with ids both ways', () => {
    const b = new InteractionMatrixBuilder();
    b.add('u1', 'b', 2, 20);
    b.add('u2', 'a', 1, 10);
    b.add('u1', 'a', 5, 30);
    const m = b.build();
    expect(m.nUsers).toBe(2);
    expect(m.nItems).toBe(2);
    expect(m.userIds).toEqual(['u1', 'u2']);
    expect(m.itemIds).toEqual(['b', 'a']);
    expect(Array.from(m.indptr)).toEqual([0, 2, 3]);
    expect(Array.from(rowItems(m, 0))).toEqual([0, 1]);
    expect(Array.from(m.values)).toEqual([2, 5, 1]);
    expect(m.itemIndex.get('a')).toBe(1);
    expect(nnz(m)).toBe(3);
    expect(hasEntry(m, 1, 1)).toBe(true);
    expect(hasEntry(m, 1, 0)).toBe(false);
  });

  it.each([
    ['last', 7],
    ['sum', 10],
    ['max', 7],
  ] as const)('merges duplicates with policy %s', (policy, expected) => {
    const b = new InteractionMatrixBuilder(policy);
    b.add('u', 'i', 3, 100);
    b.add('u', 'i', 7, 200);
    const m = b.build();
    expect(nnz(m)).toBe(1);
    expect(m.values[0]).toBe(expected);
    expect(m.timestamps[0]).toBe(200);
  });

  it('keeps the latest value for "last" whatever the insertion order', () => {
    const b = new InteractionMatrixBuilder('last');
    b.add('u', 'i', 9, 500);
    b.add('u', 'i', 1, 100);
    expect(b.build().values[0]).toBe(9);
  });

  it('keeps declared users without interactions as empty rows', () => {
    const b = new InteractionMatrixBuilder();
    b.addUser('lonely');
    b.add('u', 'i', 1);
    const m = b.build();
    expect(m.nUsers).toBe(2);
    expect(rowItems(m, 0).length).toBe(0);
  });

  it('grows past its initial capacity', () => {
    const b = new InteractionMatrixBuilder();
    for (let k = 0; k < 5000; k++) b.add(`u${k % 10}`, `i${k}`, 1);
    expect(nnz(b.build())).toBe(5000);
  });
});
