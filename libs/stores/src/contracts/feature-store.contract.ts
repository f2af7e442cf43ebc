// Contract suite every FeatureStore adapter must pass (in-memory embedded, Redis in production); call it from a spec.
import { randomBytes } from 'node:crypto';
import type { FeatureStore, FeatureWrite, MergeOperator } from '../ports';

const TEST_TIMEOUT_MS = 30_000;
const encoder = new TextEncoder();

function bytes(s: string): Uint8Array {
  return encoder.encode(s);
}

function asText(value: Uint8Array | undefined): string | undefined {
  return value === undefined ? undefined : new TextDecoder().decode(value);
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Options of {@link featureStoreContract}. */
export interface FeatureStoreContractOptions {
  /**
   * A second client of the same store as `first`, for the tests of concurrent clients. Default: `open()` again, which
   * is right for a server (two Redis clients); an embedded store whose `open()` gives an independent store returns
   * `first` itself.
   */
  openSecond?: (first: FeatureStore) => Promise<FeatureStore> | FeatureStore;
  /** Called after each test with that test's key prefix, e.g. to remove its keys from a shared server. */
  cleanUp?: (prefix: string) => Promise<void>;
}

/** A decimal counter stored as text; a missing key counts 0. */
function counterOf(value: Uint8Array | undefined): number {
  return value === undefined ? 0 : Number(asText(value));
}

/**
 * A merge operator for the contract (and adapter specs): decimal text, summed. A stored value that is not an integer is unreadable.
 * Its Lua twin runs in the Redis commit script.
 */
export const DECIMAL_SUM: MergeOperator = {
  name: 'contract_decimal_sum',
  merge(current, delta) {
    if (current === undefined) return { value: delta, unreadable: false };
    const text = asText(current)!;
    if (!/^-?\d+$/.test(text)) return { value: delta, unreadable: true };
    return { value: bytes(String(Number(text) + Number(asText(delta)))), unreadable: false };
  },
  lua: `local function merge(current, delta)
  if not current then return delta, false end
  if not string.match(current, '^-?%d+$') then return delta, true end
  return string.format('%d', tonumber(current) + tonumber(delta)), false
end`,
};

/**
 * Defines the FeatureStore contract tests (jest `describe`/`it`) for one adapter. `open` is called before each test
 * and the store closed after it; keys carry a fresh random prefix per test, so a shared server (Redis) works.
 * TTL tests wait on the real clock (a few hundred ms).
 */
export function featureStoreContract(name: string, open: () => Promise<FeatureStore>, options: FeatureStoreContractOptions = {}): void {
  describe(`FeatureStore contract: ${name}`, () => {
    let store: FeatureStore;
    let prefix: string;
    const k = (key: string): string => `${prefix}${key}`;
    const seconds: FeatureStore[] = [];

    async function secondClient(): Promise<FeatureStore> {
      const second = options.openSecond === undefined ? await open() : await options.openSecond(store);
      if (second !== store) seconds.push(second);
      return second;
    }

    beforeEach(async () => {
      store = await open();
      prefix = `contract:${randomBytes(5).toString('hex')}:`;
    });

    // Removing a test's keys (5,000 of them after the batch test) can outlast jest's default 5 s on a loaded machine.
    afterEach(async () => {
      await Promise.all(seconds.splice(0).map((second) => second.close()));
      await store.close();
      await options.cleanUp?.(prefix);
    }, 30_000);

    it(
      'getMany answers in request order with undefined for missing keys, duplicates included',
      async () => {
        await store.setMany([
          { key: k('a'), value: bytes('A') },
          { key: k('b'), value: bytes('B') },
        ]);
        const values = await store.getMany([k('b'), k('missing'), k('a'), k('b'), k('other')]);
        expect(values.map(asText)).toEqual(['B', undefined, 'A', 'B', undefined]);
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'empty requests are answered without error',
      async () => {
        await expect(store.getMany([])).resolves.toEqual([]);
        await expect(store.setMany([])).resolves.toBeUndefined();
        await expect(store.delete([])).resolves.toBeUndefined();
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'round-trips arbitrary bytes, including an empty value and every byte value',
      async () => {
        const all = new Uint8Array(256).map((_, i) => i);
        await store.setMany([
          { key: k('all'), value: all },
          { key: k('empty'), value: new Uint8Array(0) },
          { key: k('unicode ключ ✓'), value: bytes('✓') },
        ]);
        const [gotAll, gotEmpty, gotUnicode] = await store.getMany([k('all'), k('empty'), k('unicode ключ ✓')]);
        expect(Array.from(gotAll ?? [])).toEqual(Array.from(all));
        expect(gotEmpty).toBeDefined();
        expect(gotEmpty).toHaveLength(0);
        expect(asText(gotUnicode)).toBe('✓');
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'a later write replaces the value; the store keeps its own copy of written bytes',
      async () => {
        const value = bytes('first');
        await store.setMany([{ key: k('x'), value }]);
        value.fill(0);
        expect((await store.getMany([k('x')])).map(asText)).toEqual(['first']);
        await store.setMany([{ key: k('x'), value: bytes('second') }]);
        expect((await store.getMany([k('x')])).map(asText)).toEqual(['second']);
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'delete removes the listed keys and ignores missing ones',
      async () => {
        await store.setMany(['a', 'b', 'c'].map((key) => ({ key: k(key), value: bytes(key) })));
        await store.delete([k('a'), k('c'), k('never-written')]);
        expect((await store.getMany([k('a'), k('b'), k('c')])).map(asText)).toEqual([undefined, 'b', undefined]);
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'a key expires after its TTL; keys without TTL (or rewritten without one) stay',
      async () => {
        await store.setMany([
          { key: k('short'), value: bytes('short'), ttlMs: 150 },
          { key: k('long'), value: bytes('long'), ttlMs: 60_000 },
          { key: k('forever'), value: bytes('forever') },
          { key: k('renewed'), value: bytes('old'), ttlMs: 150 },
        ]);
        await store.setMany([{ key: k('renewed'), value: bytes('renewed') }]);
        const keys = [k('short'), k('long'), k('forever'), k('renewed')];
        expect((await store.getMany(keys)).map(asText)).toEqual(['short', 'long', 'forever', 'renewed']);
        await delay(400);
        expect((await store.getMany(keys)).map(asText)).toEqual([undefined, 'long', 'forever', 'renewed']);
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'handles batches of 5,000 keys in one call each',
      async () => {
        const n = 5_000;
        const writes = Array.from({ length: n }, (_, i) => ({ key: k(`bulk:${i}`), value: bytes(`value-${i}`) }));
        await store.setMany(writes);
        // A deterministic shuffle of the written keys with a missing key after every 50th.
        const order: string[] = [];
        for (let i = 0; i < n; i++) {
          const j = (i * 2_719) % n;
          order.push(`bulk:${j}`);
          if (i % 50 === 0) order.push(`bulk:missing:${i}`);
        }
        const values = await store.getMany(order.map(k));
        expect(values).toHaveLength(order.length);
        const expected = order.map((key) => (key.includes('missing') ? undefined : `value-${key.slice('bulk:'.length)}`));
        expect(values.map(asText)).toEqual(expected);
        await store.delete(writes.slice(0, 2_500).map((w) => w.key));
        const after = await store.getMany([k('bulk:0'), k('bulk:2499'), k('bulk:2500'), k('bulk:4999')]);
        expect(after.map(asText)).toEqual([undefined, undefined, 'value-2500', 'value-4999']);
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'transact hands compute the current values in request order and applies its writes, also to keys outside `keys`',
      async () => {
        await store.setMany([
          { key: k('a'), value: bytes('A') },
          { key: k('b'), value: bytes('B') },
        ]);
        const seen: (string | undefined)[][] = [];
        const attempts = await store.transact([k('b'), k('missing'), k('a'), k('b')], (values) => {
          seen.push(values.map(asText));
          return [
            { key: k('a'), value: bytes(`${asText(values[2])}+`) },
            { key: k('outside'), value: bytes('written') },
          ];
        });
        expect(attempts).toBe(1);
        expect(seen).toEqual([['B', undefined, 'A', 'B']]);
        expect((await store.getMany([k('a'), k('b'), k('outside')])).map(asText)).toEqual(['A+', 'B', 'written']);
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'transact with no keys, or with no writes, resolves after one attempt',
      async () => {
        await expect(store.transact([], (values) => [{ key: k('blind'), value: bytes(String(values.length)) }])).resolves.toBe(1);
        await expect(store.transact([k('blind')], () => [])).resolves.toBe(1);
        expect((await store.getMany([k('blind')])).map(asText)).toEqual(['0']);
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'transact writes honour ttlMs',
      async () => {
        await store.transact([k('t')], () => [
          { key: k('t'), value: bytes('short'), ttlMs: 150 },
          { key: k('u'), value: bytes('kept') },
        ]);
        expect((await store.getMany([k('t'), k('u')])).map(asText)).toEqual(['short', 'kept']);
        await delay(400);
        expect((await store.getMany([k('t'), k('u')])).map(asText)).toEqual([undefined, 'kept']);
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'a transaction writing thousands of keys applies every value and TTL (also empty and binary values)',
      async () => {
        const n = 3_000;
        const all = new Uint8Array(256).map((_, i) => i);
        await store.transact([k('big:0')], () =>
          Array.from({ length: n }, (_, i) => ({
            key: k(`big:${i}`),
            value: i === 1 ? new Uint8Array(0) : i === 2 ? all : bytes(`v${i}`),
            ...(i % 2 === 0 ? { ttlMs: i === 0 ? 150 : 60_000 } : {}),
          })),
        );
        const keys = Array.from({ length: n }, (_, i) => k(`big:${i}`));
        const values = await store.getMany(keys);
        expect(values[1]).toHaveLength(0);
        expect(Array.from(values[2] ?? [])).toEqual(Array.from(all));
        expect(values.slice(3).map(asText)).toEqual(keys.slice(3).map((_, i) => `v${i + 3}`));
        await delay(400);
        const after = await store.getMany([k('big:0'), k('big:4'), k('big:5')]);
        expect(after.map(asText)).toEqual([undefined, 'v4', 'v5']);
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'a compute that throws, or returns an invalid write, rejects transact and writes nothing',
      async () => {
        await store.setMany([{ key: k('n'), value: bytes('1') }]);
        const boom = new Error('compute failed');
        await expect(store.transact([k('n')], () => { throw boom; })).rejects.toBe(boom);
        await expect(
          store.transact([k('n')], () => [
            { key: k('n'), value: bytes('2') },
            { key: k('other'), value: 'not bytes' as unknown as Uint8Array },
          ]),
        ).rejects.toMatchObject({ category: 'bad-request' });
        expect((await store.getMany([k('n'), k('other')])).map(asText)).toEqual(['1', undefined]);
        // The store is still usable for transactions after a failed one.
        await expect(store.transact([k('n')], ([n]) => [{ key: k('n'), value: bytes(String(counterOf(n) + 1)) }])).resolves.toBe(1);
        expect((await store.getMany([k('n')])).map(asText)).toEqual(['2']);
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'after close every call rejects with unavailable, and close can be called again',
      async () => {
        await store.close();
        await expect(store.getMany([k('a')])).rejects.toMatchObject({ category: 'unavailable' });
        await expect(store.setMany([{ key: k('a'), value: bytes('A') }])).rejects.toMatchObject({ category: 'unavailable' });
        await expect(store.delete([k('a')])).rejects.toMatchObject({ category: 'unavailable' });
        await expect(store.transact([k('a')], () => [])).rejects.toMatchObject({ category: 'unavailable' });
        await expect(store.close()).resolves.toBeUndefined();
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'transact merges a delta into each merged key (the delta alone for a missing key) with its TTL, alongside writes',
      async () => {
        await store.setMany([{ key: k('sum'), value: bytes('40') }, { key: k('read'), value: bytes('r') }]);
        const attempts = await store.transact(
          [k('read')],
          ([read]) => [
            { key: k('sum'), delta: bytes('2') },
            { key: k('fresh'), delta: bytes('7'), ttlMs: 300 },
            { key: k('plain'), value: read! },
          ],
          { merge: DECIMAL_SUM },
        );
        expect(attempts).toBe(1);
        expect((await store.getMany([k('sum'), k('fresh'), k('plain')])).map(asText)).toEqual(['42', '7', 'r']);
        await delay(600);
        expect((await store.getMany([k('sum'), k('fresh')])).map(asText)).toEqual(['42', undefined]);
      },
      TEST_TIMEOUT_MS,
    );

    it(
      "a merge with the caller's merged value of the value it read stores that value when the key did not change",
      async () => {
        await store.setMany([{ key: k('m'), value: bytes('40') }]);
        // The operator would store 42; the caller's value shows which path ran.
        await store.transact([k('m'), k('none')], () => [{ key: k('m'), delta: bytes('2'), merged: bytes('42 (caller)') }, { key: k('none'), delta: bytes('3'), merged: bytes('3 (caller)') }], {
          merge: DECIMAL_SUM,
        });
        expect((await store.getMany([k('m'), k('none')])).map(asText)).toEqual(['42 (caller)', '3 (caller)']);
        await expect(store.transact([], () => [{ key: k('m'), delta: bytes('1'), merged: bytes('1') }], { merge: DECIMAL_SUM })).rejects.toMatchObject({
          category: 'bad-request',
          field: 'compute result[0].merged',
        });
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'merges from concurrent transactions of two clients all count, and never make a transaction retry',
      async () => {
        const second = await secondClient();
        const n = 60;
        const sum = k('shared-sum');
        // Each transaction also reads and writes a key of its own client, watched, as a partition's watermark is.
        const attempts = await Promise.all(
          Array.from({ length: n }, (_, i) => {
            const own = k(`own-${i % 2}`);
            return (i % 2 === 0 ? store : second).transact([own], () => [{ key: own, value: bytes(String(i)) }, { key: sum, delta: bytes(String(i + 1)) }], {
              merge: DECIMAL_SUM,
              watch: [],
            });
          }),
        );
        expect((await store.getMany([sum])).map(asText)).toEqual([String((n * (n + 1)) / 2)]);
        expect(attempts).toEqual(Array.from({ length: n }, () => 1));
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'a merge replaces a stored value the operator cannot read and reports its key',
      async () => {
        await store.setMany([{ key: k('junk'), value: bytes('junk') }, { key: k('ok'), value: bytes('1') }]);
        const unreadable: string[] = [];
        await store.transact([], () => [{ key: k('ok'), delta: bytes('1') }, { key: k('junk'), delta: bytes('5') }], {
          merge: DECIMAL_SUM,
          onUnreadable: (key) => unreadable.push(key),
        });
        expect(unreadable).toEqual([k('junk')]);
        expect((await store.getMany([k('ok'), k('junk')])).map(asText)).toEqual(['2', '5']);
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'a merge without an operator, or a key merged twice or both written and merged, rejects and writes nothing',
      async () => {
        const bad = [
          { writes: [{ key: k('x'), value: bytes('1') }, { key: k('m'), delta: bytes('1') }], merge: undefined, field: 'compute result[1]' },
          { writes: [{ key: k('m'), delta: bytes('1') }, { key: k('m'), delta: bytes('2') }], merge: DECIMAL_SUM, field: 'compute result[1].key' },
          { writes: [{ key: k('m'), value: bytes('1') }, { key: k('m'), delta: bytes('2') }], merge: DECIMAL_SUM, field: 'compute result[0].key' },
        ];
        for (const { writes, merge, field } of bad) {
          await expect(store.transact([], () => writes, { merge })).rejects.toMatchObject({ category: 'bad-request', field });
        }
        expect((await store.getMany([k('x'), k('m')])).map(asText)).toEqual([undefined, undefined]);
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'concurrent read-modify-write transactions from two clients lose no update',
      async () => {
        const second = await secondClient();
        const n = 50;
        const counter = k('counter');
        const increment = (values: (Uint8Array | undefined)[]): FeatureWrite[] => [{ key: counter, value: bytes(String(counterOf(values[0]) + 1)) }];
        // Issued all at once, alternating between the clients, so their transactions interleave on the server.
        const attempts = await Promise.all(Array.from({ length: n }, (_, i) => (i % 2 === 0 ? store : second).transact([counter], increment)));
        expect((await store.getMany([counter])).map(asText)).toEqual([String(n)]);
        expect((await second.getMany([counter])).map(asText)).toEqual([String(n)]);
        for (const used of attempts) expect(used).toBeGreaterThanOrEqual(1);
      },
      TEST_TIMEOUT_MS,
    );
  });
}
