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

    expect((await fs.readdir(path.dirname(snapshotPath))).sort()).toEqual([path.basename(snapshotPath), `${path.basename(snapshotPath)}.journal`]);
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

  it('journals only what changed: nothing when idle, one record of the changed keys otherwise', async () => {
    const snapshotPath = freshSnapshot();
    const journal = `${snapshotPath}.journal`;
    const store = await openStore({ snapshotPath });
    await store.setMany(Array.from({ length: 200 }, (_, i) => ({ key: `k${i}`, value: bytes(`value ${i}`.repeat(20)) })));
    await store.snapshot(); // the first is a full snapshot with an empty journal
    const snapshotStat = await fs.stat(snapshotPath);
    const emptyJournal = (await fs.stat(journal)).size;
    await store.snapshot();
    expect((await fs.stat(journal)).size).toBe(emptyJournal); // idle: nothing written
    await store.setMany([{ key: 'k1', value: bytes('changed') }, { key: 'new', value: bytes('n'), ttlMs: 60_000 }]);
    await store.delete(['k2']);
    store.setMeta('pos', '7');
    await store.snapshot();
    const grown = (await fs.stat(journal)).size - emptyJournal;
    expect(grown).toBeGreaterThan(0);
    expect(grown).toBeLessThan(100); // three keys and one metadata entry, not the 200 keys
    expect((await fs.stat(snapshotPath)).mtimeMs).toBe(snapshotStat.mtimeMs);
    const reopened = await openInMemoryFeatureStore({ snapshotPath, onWarning: () => undefined });
    expect((await reopened.getMany(['k0', 'k1', 'k2', 'new'])).map(asText)).toEqual(['value 0'.repeat(20), 'changed', undefined, 'n']);
    expect(reopened.getMeta('pos')).toBe('7');
    expect(reopened.size).toBe(200);
  });

  it('journals the last state of a key written, removed and written again between two snapshot calls', async () => {
    const snapshotPath = freshSnapshot();
    const store = await openStore({ snapshotPath });
    await store.setMany([{ key: 'kept', value: bytes('1') }, { key: 'gone', value: bytes('1') }]);
    await store.snapshot();
    await store.setMany([{ key: 'kept', value: bytes('2') }, { key: 'fresh', value: bytes('f') }]);
    await store.delete(['kept', 'gone', 'fresh']);
    await store.setMany([{ key: 'kept', value: bytes('3') }]);
    await store.transact(['kept'], ([kept]) => [{ key: 'kept', value: bytes(`${asText(kept)}4`) }]);
    await store.snapshot();
    const reopened = await openInMemoryFeatureStore({ snapshotPath });
    expect((await reopened.getMany(['kept', 'gone', 'fresh'])).map(asText)).toEqual(['34', undefined, undefined]);
    expect(reopened.size).toBe(1);
  });

  it('loads up to a torn journal record (a crash mid-append), warns, and writes a full snapshot next', async () => {
    const snapshotPath = freshSnapshot();
    const journal = `${snapshotPath}.journal`;
    const store = await openInMemoryFeatureStore({ snapshotPath });
    await store.setMany([{ key: 'a', value: bytes('1') }]);
    await store.snapshot();
    await store.setMany([{ key: 'a', value: bytes('2') }]);
    await store.snapshot();
    const afterTwo = (await fs.stat(journal)).size;
    await store.setMany([{ key: 'a', value: bytes('3') }, { key: 'b', value: bytes('3') }]);
    await store.close();
    // Cut the last record short, as a crash during its append would.
    await fs.truncate(journal, (await fs.stat(journal)).size - 3);
    const warnings: string[] = [];
    const reopened = await openInMemoryFeatureStore({ snapshotPath, onWarning: (m) => warnings.push(m) });
    expect((await reopened.getMany(['a', 'b'])).map(asText)).toEqual(['2', undefined]);
    expect(warnings).toEqual([expect.stringContaining('is not a whole journal')]);
    const before = (await fs.stat(snapshotPath)).size;
    await reopened.setMany([{ key: 'c', value: bytes('c') }]);
    await reopened.close();
    expect((await fs.stat(snapshotPath)).size).toBeGreaterThan(before); // full: a, c
    expect((await fs.stat(journal)).size).toBeLessThan(afterTwo); // a fresh, empty journal
    const third = await openInMemoryFeatureStore({ snapshotPath, onWarning: (m) => warnings.push(m) });
    expect((await third.getMany(['a', 'b', 'c'])).map(asText)).toEqual(['2', undefined, 'c']);
    expect(warnings).toHaveLength(1);
  });

  it('ignores a journal of an older snapshot generation (a compaction stopped before replacing it)', async () => {
    const snapshotPath = freshSnapshot();
    const journal = `${snapshotPath}.journal`;
    const store = await openInMemoryFeatureStore({ snapshotPath });
    await store.setMany([{ key: 'a', value: bytes('old') }]);
    await store.snapshot();
    await store.setMany([{ key: 'a', value: bytes('journaled') }]);
    await store.snapshot();
    const oldJournal = await fs.readFile(journal);
    await store.setMany([{ key: 'b', value: bytes('b') }]);
    await store.close();
    // A full snapshot of the next generation, with the previous generation's journal still beside it.
    const compacting = await openInMemoryFeatureStore({ snapshotPath, compactJournalFromBytes: 1 });
    await compacting.setMany([{ key: 'a', value: bytes('newest') }]);
    await compacting.close();
    await fs.writeFile(journal, oldJournal);
    const reopened = await openInMemoryFeatureStore({ snapshotPath, onWarning: () => undefined });
    expect((await reopened.getMany(['a', 'b'])).map(asText)).toEqual(['newest', 'b']);
  });

  it('compacts the journal into a full snapshot once it outgrows the snapshot', async () => {
    const snapshotPath = freshSnapshot();
    const journal = `${snapshotPath}.journal`;
    const store = await openStore({ snapshotPath, compactJournalFromBytes: 1 });
    await store.setMany([{ key: 'a', value: bytes('x'.repeat(100)) }]);
    await store.snapshot();
    const sizes: number[] = [];
    for (let i = 0; i < 6; i++) {
      await store.setMany([{ key: `k${i}`, value: bytes('y'.repeat(60)) }]);
      await store.snapshot();
      sizes.push((await fs.stat(journal)).size);
    }
    // The journal grows record by record, and falls back to its header when a compaction rewrote the snapshot.
    expect(sizes.some((size, i) => i > 0 && size < sizes[i - 1])).toBe(true);
    const reopened = await openInMemoryFeatureStore({ snapshotPath });
    expect(reopened.size).toBe(7);
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

  it('a sweep drops the keys that fell due, keeps those whose TTL was extended or cleared, and leaves later ones', async () => {
    let now = 1_000;
    const store = await openStore({ now: () => now, sweepEveryMs: 3_600_000 }); // the timer never fires here
    await store.setMany([
      { key: 'due', value: bytes('1'), ttlMs: 100 },
      { key: 'extended', value: bytes('2'), ttlMs: 100 },
      { key: 'cleared', value: bytes('3'), ttlMs: 100 },
      { key: 'later', value: bytes('4'), ttlMs: 10_000_000 },
      { key: 'forever', value: bytes('5') },
    ]);
    await store.setMany([
      { key: 'extended', value: bytes('2b'), ttlMs: 20_000_000 },
      { key: 'cleared', value: bytes('3b') },
    ]);
    now = 3_600_000; // the first bucket is due
    store.sweep();
    expect(store.size).toBe(4);
    expect((await store.getMany(['due', 'extended', 'cleared', 'later', 'forever'])).map(asText)).toEqual([undefined, '2b', '3b', '4', '5']);
    now = 10_801_000; // 'later' expired and its bucket is due; 'extended' (expiring at 20,001,000) stays
    store.sweep();
    expect(store.size).toBe(3);
    now = 21_600_000;
    store.sweep();
    expect(store.size).toBe(2);
    expect((await store.getMany(['cleared', 'forever'])).map(asText)).toEqual(['3b', '5']);
  });

  it('sweeps the TTL keys it loaded from a snapshot', async () => {
    const snapshotPath = freshSnapshot();
    let now = 0;
    const first = await openStore({ snapshotPath, now: () => now, sweepEveryMs: 1_000 });
    await first.setMany([
      { key: 'marker', value: bytes('m'), ttlMs: 5_000 },
      { key: 'kept', value: bytes('k') },
    ]);
    await first.close();
    const second = await openStore({ snapshotPath, now: () => now, sweepEveryMs: 1_000 });
    expect(second.size).toBe(2);
    now = 5_000;
    second.sweep();
    expect(second.size).toBe(1);
    expect((await second.getMany(['kept'])).map(asText)).toEqual(['k']);
  });

  it('reads hand out the arrays held, without copies; a later write replaces them and leaves earlier reads as they were', async () => {
    const store = await openStore({});
    const written = bytes('abc');
    await store.setMany([{ key: 'k', value: written }]);
    written.fill(0); // the store copied what was written
    const [first] = await store.getMany(['k']);
    const [again] = await store.getMany(['k']);
    expect(again).toBe(first);
    expect(store.sharesValues).toBe(true); // and says so
    await store.setMany([{ key: 'k', value: bytes('xyz') }]);
    expect([first].map(asText)).toEqual(['abc']);
    expect((await store.getMany(['k'])).map(asText)).toEqual(['xyz']);
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
