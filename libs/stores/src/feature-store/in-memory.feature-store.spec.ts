import { existsSync, mkdtempSync, promises as fs, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { featureStoreContract } from '../contracts/feature-store.contract';
import { openInMemoryFeatureStore, type InMemoryFeatureStore, type InMemoryFeatureStoreOptions } from './in-memory.feature-store';

const root = mkdtempSync(path.join(tmpdir(), 'recsys-feature-store-'));
let fileCount = 0;
const freshSnapshot = (): string => path.join(root, `store-${++fileCount}`, 'features.snapshot');

afterAll(() => rmSync(root, { recursive: true, force: true }));

// One process holds an embedded store, so its "second client" is the same instance.
const sameStore = { openSecond: <T>(first: T): T => first };
featureStoreContract('InMemoryFeatureStore (memory only)', () => openInMemoryFeatureStore(), sameStore);
featureStoreContract('InMemoryFeatureStore (with snapshots)', () => openInMemoryFeatureStore({ snapshotPath: freshSnapshot() }), sameStore);

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
const asText = (v: Uint8Array | undefined): string | undefined => (v === undefined ? undefined : new TextDecoder().decode(v));
const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('InMemoryFeatureStore', () => {
  const open: InMemoryFeatureStore[] = [];

  async function openStore(options: InMemoryFeatureStoreOptions): Promise<InMemoryFeatureStore> {
    const store = await openInMemoryFeatureStore(options);
    open.push(store);
    return store;
  }

  afterEach(async () => {
    await Promise.all(open.splice(0).map((store) => store.close()));
  });

  it('starts empty when the snapshot file does not exist', async () => {
    const snapshotPath = freshSnapshot();
    const store = await openStore({ snapshotPath });
    expect(store.size).toBe(0);
    expect(await store.getMany(['a'])).toEqual([undefined]);
    expect(existsSync(snapshotPath)).toBe(false);
  });

  it('round-trips values, metadata and absolute expiry times through a snapshot', async () => {
    const snapshotPath = freshSnapshot();
    let now = 1_000_000;
    const clock = (): number => now;
    const store = await openStore({ snapshotPath, now: clock });
    await store.setMany([
      { key: 'user:1', value: bytes('one') },
      { key: 'item:2', value: new Uint8Array([0, 255, 7]) },
      { key: 'soon', value: bytes('soon'), ttlMs: 500 },
      { key: 'gone', value: bytes('gone'), ttlMs: 10 },
    ]);
    store.setMeta('events.offset', '4096');
    now += 100;
    await store.snapshot();

    const reopened = await openStore({ snapshotPath, now: clock });
    expect(reopened.size).toBe(3);
    expect(reopened.getMeta('events.offset')).toBe('4096');
    expect(reopened.getMeta('other')).toBeUndefined();
    const [one, two, soon, gone] = await reopened.getMany(['user:1', 'item:2', 'soon', 'gone']);
    expect(asText(one)).toBe('one');
    expect(Array.from(two ?? [])).toEqual([0, 255, 7]);
    expect(asText(soon)).toBe('soon');
    expect(gone).toBeUndefined();

    now = 1_000_000 + 500;
    const later = await openStore({ snapshotPath, now: clock });
    expect(await later.getMany(['soon', 'user:1']).then((v) => v.map(asText))).toEqual([undefined, 'one']);
  });

  it('snapshots on close and leaves no temporary files', async () => {
    const snapshotPath = freshSnapshot();
    const store = await openInMemoryFeatureStore({ snapshotPath });
    await store.setMany([{ key: 'k', value: bytes('v') }]);
    store.setMeta('m', 'n');
    await store.close();
    await expect(store.getMany(['k'])).rejects.toThrow(/closed/);

    expect(await fs.readdir(path.dirname(snapshotPath))).toEqual([path.basename(snapshotPath)]);
    const reopened = await openStore({ snapshotPath });
    expect((await reopened.getMany(['k'])).map(asText)).toEqual(['v']);
    expect(reopened.getMeta('m')).toBe('n');
  });

  it('writes periodic snapshots when snapshotEveryMs is set', async () => {
    const snapshotPath = freshSnapshot();
    const store = await openStore({ snapshotPath, snapshotEveryMs: 20 });
    await store.setMany([{ key: 'periodic', value: bytes('yes') }]);
    const deadline = Date.now() + 5_000;
    let seen: string | undefined;
    while (seen === undefined && Date.now() < deadline) {
      await delay(20);
      if (existsSync(snapshotPath)) {
        const copy = await openInMemoryFeatureStore({ snapshotPath });
        seen = asText((await copy.getMany(['periodic']))[0]);
        // Closing the copy would snapshot over the file; it is only read here, so drop it without closing.
      }
    }
    expect(seen).toBe('yes');
  });

  it('rejects a corrupt snapshot with an error naming the file', async () => {
    const snapshotPath = freshSnapshot();
    const store = await openInMemoryFeatureStore({ snapshotPath });
    await store.setMany([{ key: 'a', value: bytes('alpha') }]);
    await store.close();
    const good = await fs.readFile(snapshotPath);

    const flipped = Buffer.from(good);
    flipped[flipped.length - 6] ^= 0x10;
    await fs.writeFile(snapshotPath, flipped);
    await expect(openInMemoryFeatureStore({ snapshotPath })).rejects.toThrow(`feature-store snapshot ${snapshotPath} is corrupt: checksum mismatch`);

    await fs.writeFile(snapshotPath, good.subarray(0, 10));
    await expect(openInMemoryFeatureStore({ snapshotPath })).rejects.toThrow(`feature-store snapshot ${snapshotPath} is corrupt`);

    await fs.writeFile(snapshotPath, 'not a snapshot at all, just text');
    await expect(openInMemoryFeatureStore({ snapshotPath })).rejects.toThrow(/bad magic/);
  });

  it('expires lazily on read and sweeps expired entries out of memory', async () => {
    let now = 0;
    const store = await openStore({ now: () => now, sweepEveryMs: 10 });
    await store.setMany([
      { key: 'a', value: bytes('a'), ttlMs: 100 },
      { key: 'b', value: bytes('b'), ttlMs: 100 },
      { key: 'c', value: bytes('c'), ttlMs: 1_000 },
    ]);
    now = 99;
    expect((await store.getMany(['a', 'b', 'c'])).map(asText)).toEqual(['a', 'b', 'c']);
    now = 100;
    expect(store.size).toBe(3);
    expect((await store.getMany(['a'])).map(asText)).toEqual([undefined]);
    expect(store.size).toBe(2);
    const deadline = Date.now() + 5_000;
    while (store.size !== 1 && Date.now() < deadline) await delay(10);
    expect(store.size).toBe(1);
    expect((await store.getMany(['c'])).map(asText)).toEqual(['c']);
  });

  it('returns copies, so a caller mutating a read value does not change the store', async () => {
    const store = await openStore({});
    await store.setMany([{ key: 'k', value: bytes('abc') }]);
    const [first] = await store.getMany(['k']);
    first?.fill(0);
    expect((await store.getMany(['k'])).map(asText)).toEqual(['abc']);
  });

  it('rejects invalid writes as bad requests naming the field', async () => {
    const store = await openStore({});
    await expect(store.setMany([{ key: 'k', value: bytes('v'), ttlMs: 0 }])).rejects.toThrow('writes[0].ttlMs');
    await expect(store.setMany([{ key: 'ok', value: bytes('v') }, { key: 'k', value: 'v' as unknown as Uint8Array }])).rejects.toThrow(
      'writes[1].value',
    );
    expect(await store.getMany(['ok'])).toEqual([undefined]);
  });
});
