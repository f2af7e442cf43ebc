import { mkdtempSync, promises as fs, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { vectorStoreContract } from '../contracts/vector-store.contract';
import { openHnswVectorStore, type HnswVectorStore, type HnswVectorStoreOptions } from './hnsw.vector-store';

const root = mkdtempSync(path.join(tmpdir(), 'recsys-hnsw-'));
let dirCount = 0;
const freshDir = (): string => path.join(root, `store-${++dirCount}`);

afterAll(() => rmSync(root, { recursive: true, force: true }));

vectorStoreContract('HnswVectorStore (memory only)', () => openHnswVectorStore());
vectorStoreContract('HnswVectorStore (persisted, small initial capacity)', () => openHnswVectorStore({ dir: freshDir(), initialCapacity: 8 }));
// exactSearchThreshold 0: every filtered search walks the graph (and falls back to a scan only when it finds too few).
vectorStoreContract('HnswVectorStore (filtered searches always walk the graph)', () => openHnswVectorStore({ exactSearchThreshold: 0 }));

/** Deterministic pseudo-random unit-free vectors (a linear congruential generator). */
function vectors(n: number, dimension: number, seed: number): number[][] {
  let s = seed;
  const next = (): number => {
    s = (Math.imul(s, 1_664_525) + 1_013_904_223) >>> 0;
    return s / 4_294_967_296 - 0.5;
  };
  return Array.from({ length: n }, () => Array.from({ length: dimension }, next));
}

function exactTop(data: number[][], query: number[], k: number): number[] {
  return data
    .map((v, i) => ({ i, d: v.reduce((sum, x, j) => sum + (x - query[j]) ** 2, 0) }))
    .sort((a, b) => a.d - b.d)
    .slice(0, k)
    .map((e) => e.i);
}

describe('HnswVectorStore', () => {
  const open: HnswVectorStore[] = [];

  async function openStore(options: HnswVectorStoreOptions = {}): Promise<HnswVectorStore> {
    const store = await openHnswVectorStore(options);
    open.push(store);
    return store;
  }

  afterEach(async () => {
    await Promise.all(open.splice(0).map((store) => store.close()));
  });

  it('round-trips collections, points, payloads, deletions and label allocation through flush and reopen', async () => {
    const dir = freshDir();
    const store = await openHnswVectorStore({ dir });
    await store.ensureCollection('pins', { dimension: 3, distance: 'cosine' });
    await store.ensureCollection('empty', { dimension: 2, distance: 'euclid' });
    await store.upsert('pins', [
      { id: 'a', vector: [1, 0, 0], payload: { topic: 'food', tags: ['x'] } },
      { id: 'b', vector: [0, 1, 0], payload: { topic: 'travel' } },
      { id: 'c', vector: [0, 0, 1] },
    ]);
    await store.delete('pins', ['b']);
    await store.close();

    const reopened = await openStore({ dir });
    expect(await reopened.count('pins')).toBe(2);
    expect(await reopened.count('empty')).toBe(0);
    expect(reopened.stats('pins')).toMatchObject({ spec: { dimension: 3, distance: 'cosine' }, count: 2, slots: 3 });
    expect(await reopened.get('pins', ['a', 'b', 'c']).then((r) => r.map((p) => p?.payload))).toEqual([{ topic: 'food', tags: ['x'] }, undefined, {}]);
    const hits = await reopened.search('pins', [1, 0.1, 0], { limit: 5, withPayload: true, filter: { must: [{ key: 'topic', equals: 'food' }] } });
    expect(hits.map((h) => h.id)).toEqual(['a']);
    expect(hits[0].score).toBeCloseTo(1 / Math.sqrt(1.01), 5);
    // A new point reuses the deleted point's graph slot and gets a label never handed out before.
    await reopened.upsert('pins', [{ id: 'd', vector: [1, 1, 0] }]);
    expect(reopened.stats('pins')).toMatchObject({ count: 3, slots: 3 });
    expect((await reopened.search('pins', [0, 0, 1], { limit: 1 }))[0].id).toBe('c');
    expect((await reopened.search('pins', [1, 1, 0], { limit: 1 }))[0].id).toBe('d');
  });

  it('writes each changed collection as a manifest plus one index file, leaving no temporary or stale files', async () => {
    const dir = freshDir();
    const store = await openStore({ dir });
    await store.ensureCollection('one', { dimension: 2, distance: 'dot' });
    await store.upsert('one', [{ id: 'p', vector: [1, 2] }]);
    await store.flush();
    const first = (await fs.readdir(path.join(dir, 'one'))).sort();
    expect(first).toHaveLength(2);
    expect(first[0]).toBe('collection.json');
    expect(first[1]).toMatch(/^index-[0-9a-z]+-[0-9a-f]{8}\.hnsw$/);
    const manifest = JSON.parse(await fs.readFile(path.join(dir, 'one', 'collection.json'), 'utf8'));
    expect(manifest).toMatchObject({ format: 'recsys.hnsw-collection', version: 1, name: 'one', dimension: 2, distance: 'dot', nextLabel: 1, indexFile: first[1], points: [[0, 'p', {}]] });

    await store.flush();
    expect((await fs.readdir(path.join(dir, 'one'))).sort()).toEqual(first);
    await store.upsert('one', [{ id: 'q', vector: [3, 4] }]);
    await store.flush();
    const second = (await fs.readdir(path.join(dir, 'one'))).sort();
    expect(second).toHaveLength(2);
    expect(second[1]).not.toBe(first[1]);

    expect(await store.dropCollection('one')).toBe(true);
    expect(await fs.readdir(dir)).toEqual([]);
  });

  it('rejects a damaged index or manifest with an error naming the file, and ignores directories without a manifest', async () => {
    const dir = freshDir();
    const store = await openHnswVectorStore({ dir });
    await store.ensureCollection('c', { dimension: 2, distance: 'euclid' });
    await store.upsert('c', [{ id: 'p', vector: [1, 2] }]);
    await store.close();
    await fs.mkdir(path.join(dir, 'leftover'));
    const manifestPath = path.join(dir, 'c', 'collection.json');
    const manifest = JSON.parse(await fs.readFile(manifestPath, 'utf8'));
    const indexPath = path.join(dir, 'c', manifest.indexFile);
    const good = await fs.readFile(indexPath);
    expect((await openStore({ dir })).stats('c').count).toBe(1);

    const flipped = Buffer.from(good);
    flipped[flipped.length - 3] ^= 0x40;
    await fs.writeFile(indexPath, flipped);
    await expect(openHnswVectorStore({ dir })).rejects.toThrow(`vector-store collection ${manifestPath} is corrupt: index file ${manifest.indexFile} checksum mismatch`);
    await fs.writeFile(indexPath, good.subarray(0, 20));
    await expect(openHnswVectorStore({ dir })).rejects.toThrow(/has 20 bytes, the manifest says/);
    await fs.writeFile(indexPath, good);
    await fs.writeFile(manifestPath, JSON.stringify({ ...manifest, version: 9 }));
    await expect(openHnswVectorStore({ dir })).rejects.toThrow(/unsupported manifest version 9/);
    await fs.writeFile(manifestPath, '{ not json');
    await expect(openHnswVectorStore({ dir })).rejects.toMatchObject({ category: 'internal' });
  });

  it('grows a full index and reuses the slots of deleted points', async () => {
    const store = await openStore({ initialCapacity: 4 });
    await store.ensureCollection('grow', { dimension: 4, distance: 'euclid' });
    const data = vectors(100, 4, 1);
    await store.upsert('grow', data.slice(0, 3).map((vector, i) => ({ id: `v${i}`, vector })));
    expect(store.stats('grow')).toMatchObject({ count: 3, capacity: 4, slots: 3 });
    await store.upsert('grow', data.slice(3, 5).map((vector, i) => ({ id: `v${i + 3}`, vector })));
    expect(store.stats('grow')).toMatchObject({ count: 5, capacity: 8, slots: 5 });
    await store.upsert('grow', data.slice(5).map((vector, i) => ({ id: `v${i + 5}`, vector })));
    expect(store.stats('grow')).toMatchObject({ count: 100, capacity: 100, slots: 100 });
    for (const i of [0, 4, 5, 63, 99]) expect((await store.search('grow', data[i], { limit: 1 }))[0].id).toBe(`v${i}`);

    await store.delete('grow', Array.from({ length: 30 }, (_, i) => `v${i}`));
    expect(store.stats('grow')).toMatchObject({ count: 70, capacity: 100, slots: 100 });
    const fresh = vectors(40, 4, 2);
    await store.upsert('grow', fresh.map((vector, i) => ({ id: `w${i}`, vector })));
    // 30 vacated slots reused, 10 appended (the index doubles to make room for them).
    expect(store.stats('grow')).toMatchObject({ count: 110, capacity: 200, slots: 110 });
    for (const i of [0, 29, 39]) expect((await store.search('grow', fresh[i], { limit: 1 }))[0].id).toBe(`w${i}`);
    expect((await store.search('grow', data[0], { limit: 110 })).map((h) => h.id)).not.toContain('v0');
  });

  it('search beam width: a wider ef finds the exact neighbours of a 5,000-point graph at least as often', async () => {
    const data = vectors(5_000, 16, 3);
    const queries = vectors(50, 16, 4);
    const store = await openStore({ m: 4, efConstruction: 16, ef: 1 });
    await store.ensureCollection('ef', { dimension: 16, distance: 'euclid' });
    await store.upsert('ef', data.map((vector, i) => ({ id: String(i), vector })));
    const recall = async (ef?: number): Promise<number> => {
      let found = 0;
      for (const q of queries) {
        const truth = new Set(exactTop(data, q, 10).map(String));
        const hits = await store.search('ef', q, { limit: 10, ...(ef === undefined ? {} : { ef }) });
        found += hits.filter((h) => truth.has(h.id)).length;
      }
      return found / (10 * queries.length);
    };
    const narrow = await recall();
    const wide = await recall(400);
    expect(wide).toBeGreaterThanOrEqual(0.99);
    expect(narrow).toBeLessThan(wide);
  });

  it('refuses bad options and calls after close', async () => {
    await expect(openHnswVectorStore({ ef: 0 })).rejects.toThrow('ef: must be a positive integer');
    await expect(openHnswVectorStore({ m: 1.5 })).rejects.toThrow('m: must be a positive integer');
    await expect(openHnswVectorStore({ exactSearchThreshold: -1 })).rejects.toThrow('exactSearchThreshold: must be a non-negative integer');
    const store = await openHnswVectorStore();
    await store.ensureCollection('c', { dimension: 1, distance: 'dot' });
    await store.close();
    await expect(store.count('c')).rejects.toMatchObject({ category: 'unavailable' });
  });
});
