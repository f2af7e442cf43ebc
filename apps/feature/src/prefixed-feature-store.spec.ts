// FEATURE_KEY_PREFIX: every key of every call goes to the store with the prefix; nothing else changes.
import { InMemoryFeatureStore, type MergeOperator } from '@recsys/stores';
import { withKeyPrefix } from './prefixed-feature-store';

const bytes = (...values: number[]) => new Uint8Array(values);

describe('withKeyPrefix', () => {
  it('is the store itself for an empty prefix', () => {
    const store = new InMemoryFeatureStore();
    expect(withKeyPrefix(store, '')).toBe(store);
  });

  it('prefixes the keys of reads, writes, deletes and transactions', async () => {
    const raw = new InMemoryFeatureStore();
    const a = withKeyPrefix(raw, 'a:');
    const b = withKeyPrefix(raw, 'b:');
    await a.setMany([{ key: 'k', value: bytes(1) }, { key: 'ttl', value: bytes(2), ttlMs: 60_000 }]);
    expect(await raw.getMany(['a:k', 'a:ttl', 'k'])).toEqual([bytes(1), bytes(2), undefined]);
    expect(await a.getMany(['k', 'ttl'])).toEqual([bytes(1), bytes(2)]);
    expect(await b.getMany(['k'])).toEqual([undefined]);

    let seen: (Uint8Array | undefined)[] = [];
    const attempts = await a.transact(['k', 'missing'], (values) => {
      seen = values;
      return [{ key: 'k', value: bytes(3) }, { key: 'other', value: bytes(4) }];
    });
    expect(attempts).toBe(1);
    expect(seen).toEqual([bytes(1), undefined]);
    expect(await raw.getMany(['a:k', 'a:other', 'other'])).toEqual([bytes(3), bytes(4), undefined]);

    await a.delete(['k']);
    expect(await raw.getMany(['a:k', 'a:other'])).toEqual([undefined, bytes(4)]);
    await a.close();
    await expect(raw.getMany(['a:other'])).rejects.toMatchObject({ category: 'unavailable' });
  });

  it('prefixes merged keys and the watched keys, and reports unreadable merged keys without the prefix', async () => {
    const raw = new InMemoryFeatureStore();
    const a = withKeyPrefix(raw, 'a:');
    // Sums one-byte values; a stored value longer than one byte is unreadable.
    const sum: MergeOperator = {
      name: 'spec_byte_sum',
      merge: (current, delta) =>
        current === undefined ? { value: delta, unreadable: false } : current.length !== 1 ? { value: delta, unreadable: true } : { value: bytes(current[0] + delta[0]), unreadable: false },
      lua: '',
    };
    await raw.setMany([{ key: 'a:n', value: bytes(40) }, { key: 'a:bad', value: bytes(1, 2) }, { key: 'n', value: bytes(7) }]);
    const unreadable: string[] = [];
    await a.transact(['n'], ([n]) => [{ key: 'n', delta: bytes(2), merged: bytes(n![0] + 2) }, { key: 'bad', delta: bytes(5) }, { key: 'fresh', delta: bytes(9) }], {
      watch: ['n'],
      merge: sum,
      onUnreadable: (key) => unreadable.push(key),
    });
    expect(await raw.getMany(['a:n', 'a:bad', 'a:fresh', 'n'])).toEqual([bytes(42), bytes(5), bytes(9), bytes(7)]);
    expect(unreadable).toEqual(['bad']);
  });
});
