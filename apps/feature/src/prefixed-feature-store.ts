// A FeatureStore view that puts a fixed prefix in front of every key (FEATURE_KEY_PREFIX), so deployments and test
// runs can share one Redis without seeing each other's records, markers or watermarks.
import type { FeatureStore, TransactOptions, TransactWrite } from '@recsys/stores';

/**
 * `store` with `prefix` added to every key of every call (reads, writes, deletes and transactions; the values and
 * the round trips are the store's own: one `getMany` stays one MGET). An empty prefix returns `store` itself.
 * `close` closes the underlying store.
 */
export function withKeyPrefix(store: FeatureStore, prefix: string): FeatureStore {
  if (prefix === '') return store;
  const key = (k: string): string => prefix + k;
  const write = <W extends TransactWrite>(w: W): W => ({ ...w, key: prefix + w.key });
  const options = (o: TransactOptions | undefined): TransactOptions | undefined => {
    if (o === undefined) return undefined;
    const { watch, onUnreadable } = o;
    return {
      ...o,
      watch: watch?.map(key),
      onUnreadable: onUnreadable && ((k: string) => onUnreadable(k.startsWith(prefix) ? k.slice(prefix.length) : k)),
    };
  };
  return {
    getMany: (keys) => store.getMany(keys.map(key)),
    setMany: (writes) => store.setMany(writes.map(write)),
    delete: (keys) => store.delete(keys.map(key)),
    transact: (keys, compute, o) => store.transact(keys.map(key), (values) => compute(values).map(write), options(o)),
    close: () => store.close(),
  };
}
