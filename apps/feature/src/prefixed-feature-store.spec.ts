// FEATURE_KEY_PREFIX: every key of every call goes to the store with the prefix; nothing else changes.
import { InMemoryFeatureStore } from '@recsys/stores';
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
});
