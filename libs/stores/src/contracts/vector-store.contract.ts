// Contract suite every VectorStore adapter must pass (HNSW embedded, Qdrant in production); call it from a spec.
import { randomBytes } from 'node:crypto';
import type { VectorCollectionSpec, VectorDistance, VectorHit, VectorPayload, VectorPoint, VectorStore } from '../ports';

const TEST_TIMEOUT_MS = 60_000;

function unique(prefix: string): string {
  return `${prefix}-${randomBytes(5).toString('hex')}`;
}

/** A small seeded generator (mulberry32), so every run uses the same vectors. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function randomVectors(n: number, dimension: number, seed: number): number[][] {
  const next = seeded(seed);
  return Array.from({ length: n }, () => Array.from({ length: dimension }, () => Math.fround(next() * 2 - 1)));
}

/** The reference score of the port (see VectorHit) in float64 over float32-rounded inputs. */
function referenceScore(distance: VectorDistance, a: readonly number[], b: readonly number[]): number {
  const x = a.map(Math.fround);
  const y = b.map(Math.fround);
  let dot = 0;
  let nx = 0;
  let ny = 0;
  let sq = 0;
  for (let i = 0; i < x.length; i++) {
    dot += x[i] * y[i];
    nx += x[i] * x[i];
    ny += y[i] * y[i];
    sq += (x[i] - y[i]) ** 2;
  }
  if (distance === 'dot') return dot;
  if (distance === 'cosine') return dot / Math.sqrt(nx * ny);
  return -Math.sqrt(sq);
}

/** Ids of the `limit` best points by reference score among those `accept` admits, best first. */
function bruteForce(
  distance: VectorDistance,
  points: readonly { id: string; vector: readonly number[]; payload?: VectorPayload }[],
  query: readonly number[],
  limit: number,
  accept: (payload: VectorPayload) => boolean = () => true,
): string[] {
  return points
    .filter((p) => accept(p.payload ?? {}))
    .map((p) => ({ id: p.id, score: referenceScore(distance, query, p.vector) }))
    .sort((a, b) => b.score - a.score)
    .slice(0, limit)
    .map((p) => p.id);
}

const ids = (hits: readonly VectorHit[]): string[] => hits.map((h) => h.id);

function expectDescending(hits: readonly VectorHit[]): void {
  for (let i = 1; i < hits.length; i++) expect(hits[i].score).toBeLessThanOrEqual(hits[i - 1].score + 1e-6);
}

async function expectRejection(promise: Promise<unknown>, category: string, message?: string | RegExp): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeDefined();
  expect(error).toMatchObject({ name: 'RecsysError', category });
  if (message !== undefined) expect((error as Error).message).toMatch(message);
}

/**
 * Defines the VectorStore contract tests (jest `describe`/`it`) for one adapter. `open` is called before each test
 * and the store closed after it. Collection names carry a fresh random suffix and every collection a test creates
 * is dropped after it, so a shared server (Qdrant) works. Scores are compared with hand-computed values to 4
 * decimals (adapters compute in float32); result sets of small collections are compared with exact brute force.
 */
export function vectorStoreContract(name: string, open: () => Promise<VectorStore>): void {
  describe(`VectorStore contract: ${name}`, () => {
    let store: VectorStore;
    let created: string[];

    beforeEach(async () => {
      store = await open();
      created = [];
    });

    afterEach(async () => {
      for (const c of created) await store.dropCollection(c).catch(() => undefined);
      await store.close();
    });

    async function collection(spec: VectorCollectionSpec, prefix = 'contract'): Promise<string> {
      const c = unique(prefix);
      created.push(c);
      expect(await store.ensureCollection(c, spec)).toBe(true);
      return c;
    }

    it(
      'ensureCollection creates once, accepts the same spec again and refuses another spec',
      async () => {
        const c = await collection({ dimension: 3, distance: 'cosine' });
        expect(await store.ensureCollection(c, { dimension: 3, distance: 'cosine' })).toBe(false);
        expect(await store.count(c)).toBe(0);
        await expectRejection(store.ensureCollection(c, { dimension: 4, distance: 'cosine' }), 'bad-request', /dimension 3 and distance cosine, not dimension 4/);
        await expectRejection(store.ensureCollection(c, { dimension: 3, distance: 'dot' }), 'bad-request', /not dimension 3 and distance dot/);
        await expectRejection(store.ensureCollection(unique('c'), { dimension: 0, distance: 'dot' }), 'bad-request', /^spec\.dimension: /);
        await expectRejection(
          store.ensureCollection(unique('c'), { dimension: 3, distance: 'manhattan' as VectorDistance }),
          'bad-request',
          /^spec\.distance: must be one of cosine, dot, euclid/,
        );
        await expectRejection(store.ensureCollection('no/slashes', { dimension: 3, distance: 'dot' }), 'bad-request', /^collection: /);
      },
      TEST_TIMEOUT_MS,
    );

    const cases: { distance: VectorDistance; points: number[][]; query: number[]; order: string[]; scores: number[] }[] = [
      // dot: q·a = 1, q·b = 1.5, q·c = 0, q·d = −1
      { distance: 'dot', points: [[1, 0, 0], [0.5, 0.5, 0], [0, 0, 1], [-1, 0, 0]], query: [1, 2, 0], order: ['b', 'a', 'c', 'd'], scores: [1.5, 1, 0, -1] },
      // cosine: cos(q, a) = 1/√2, cos(q, b) = 1, cos(q, c) = 0, cos(q, d) = −1/√2 (lengths do not matter)
      { distance: 'cosine', points: [[1, 0, 0], [1, 1, 0], [0, 0, 2], [-3, 0, 0]], query: [1, 1, 0], order: ['b', 'a', 'c', 'd'], scores: [1, Math.SQRT1_2, 0, -Math.SQRT1_2] },
      // euclid: ‖q − a‖ = 1, ‖q − b‖ = √0.5, ‖q − c‖ = √3, ‖q − d‖ = √13, scores their negations
      { distance: 'euclid', points: [[1, 0, 0], [0.5, 0.5, 0], [0, 0, 1], [3, 4, 0]], query: [1, 1, 0], order: ['b', 'a', 'c', 'd'], scores: [-Math.SQRT1_2, -1, -Math.sqrt(3), -Math.sqrt(13)] },
    ];
    for (const { distance, points, query, order, scores } of cases) {
      it(
        `search ranks by the ${distance} score, best first, with the documented score`,
        async () => {
          const c = await collection({ dimension: 3, distance });
          await store.upsert(c, points.map((vector, i) => ({ id: 'abcd'[i], vector })));
          const all = await store.search(c, query, { limit: 10 });
          expect(ids(all)).toEqual(order);
          all.forEach((hit, i) => expect(hit.score).toBeCloseTo(scores[i], 4));
          expect(all.every((h) => h.payload === undefined)).toBe(true);
          const top2 = await store.search(c, new Float32Array(query), { limit: 2 });
          expect(ids(top2)).toEqual(order.slice(0, 2));
        },
        TEST_TIMEOUT_MS,
      );
    }

    it(
      'scores are non-increasing, each stored vector finds itself first, and small collections match brute force',
      async () => {
        const c = await collection({ dimension: 8, distance: 'euclid' });
        const vectors = randomVectors(300, 8, 11);
        const points = vectors.map((vector, i) => ({ id: `p${i}`, vector }));
        await store.upsert(c, points);
        for (let q = 0; q < 300; q += 15) {
          const hits = await store.search(c, vectors[q], { limit: 10 });
          expect(hits).toHaveLength(10);
          expectDescending(hits);
          expect(hits[0].id).toBe(`p${q}`);
          expect(hits[0].score).toBeCloseTo(0, 5);
          expect(ids(hits)).toEqual(bruteForce('euclid', points, vectors[q], 10));
        }
        const empty = await collection({ dimension: 8, distance: 'euclid' });
        expect(await store.search(empty, vectors[0], { limit: 5 })).toEqual([]);
        expect(await store.search(c, vectors[0], { limit: 1_000 })).toHaveLength(300);
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'withPayload attaches each hit’s payload ({} when it has none)',
      async () => {
        const c = await collection({ dimension: 2, distance: 'dot' });
        await store.upsert(c, [
          { id: 'with', vector: [1, 0], payload: { topic: 'food', rank: 3, fresh: true, tags: ['a', 'b'], weight: 2.5 } },
          { id: 'without', vector: [0.5, 0] },
        ]);
        const hits = await store.search(c, [1, 0], { limit: 5, withPayload: true });
        expect(hits).toEqual([
          { id: 'with', score: expect.closeTo(1, 5), payload: { topic: 'food', rank: 3, fresh: true, tags: ['a', 'b'], weight: 2.5 } },
          { id: 'without', score: expect.closeTo(0.5, 5), payload: {} },
        ]);
        (hits[0].payload?.tags as string[]).push('mutated');
        const again = await store.search(c, [1, 0], { limit: 1, withPayload: true });
        expect(again[0].payload?.tags).toEqual(['a', 'b']);
      },
      TEST_TIMEOUT_MS,
    );

    /** Five points on a line (scores 5, 4, 3, 2, 1 for the query [1, 0]) with payloads to filter on. */
    async function filterFixture(): Promise<string> {
      const c = await collection({ dimension: 2, distance: 'dot' });
      const points: VectorPoint[] = [
        { id: 'p5', vector: [5, 0], payload: { topic: 'food', creator: 'ann', rank: 1, fresh: true, tags: ['vegan', 'quick'], weight: 2.5 } },
        { id: 'p4', vector: [4, 0], payload: { topic: 'travel', creator: 'bob', rank: 2, fresh: false, tags: ['beach'], weight: 1 } },
        { id: 'p3', vector: [3, 0], payload: { topic: 'food', creator: 'bob', rank: 3, fresh: false, tags: [], weight: 2.5 } },
        { id: 'p2', vector: [2, 0], payload: { topic: 'diy', creator: 'cy', rank: 2, fresh: true, tags: ['quick'] } },
        { id: 'p1', vector: [1, 0], payload: { topic: '2', creator: 'ann' } },
      ];
      await store.upsert(c, points);
      return c;
    }

    it(
      'equals matches strings, integers, fractional numbers, booleans and array elements, type-strictly',
      async () => {
        const c = await filterFixture();
        const find = async (filter: Parameters<VectorStore['search']>[2]['filter']) => ids(await store.search(c, [1, 0], { limit: 10, filter }));
        expect(await find({ must: [{ key: 'topic', equals: 'food' }] })).toEqual(['p5', 'p3']);
        expect(await find({ must: [{ key: 'rank', equals: 2 }] })).toEqual(['p4', 'p2']);
        expect(await find({ must: [{ key: 'weight', equals: 2.5 }] })).toEqual(['p5', 'p3']);
        expect(await find({ must: [{ key: 'fresh', equals: true }] })).toEqual(['p5', 'p2']);
        expect(await find({ must: [{ key: 'fresh', equals: false }] })).toEqual(['p4', 'p3']);
        expect(await find({ must: [{ key: 'tags', equals: 'quick' }] })).toEqual(['p5', 'p2']);
        expect(await find({ must: [{ key: 'topic', equals: 2 }] })).toEqual([]);
        expect(await find({ must: [{ key: 'rank', equals: '2' }] })).toEqual([]);
        expect(await find({ must: [{ key: 'no-such-key', equals: 'x' }] })).toEqual([]);
        expect(await find({ must: [{ key: 'topic', equals: 'food' }, { key: 'creator', equals: 'bob' }] })).toEqual(['p3']);
        expect(await find({})).toEqual(['p5', 'p4', 'p3', 'p2', 'p1']);
        expect(await find({ must: [], mustNot: [] })).toEqual(['p5', 'p4', 'p3', 'p2', 'p1']);
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'anyOf matches any listed string or number; mustNot excludes; a point without the key passes mustNot',
      async () => {
        const c = await filterFixture();
        const find = async (filter: Parameters<VectorStore['search']>[2]['filter'], limit = 10) =>
          ids(await store.search(c, [1, 0], { limit, filter }));
        expect(await find({ must: [{ key: 'topic', anyOf: ['travel', 'diy'] }] })).toEqual(['p4', 'p2']);
        expect(await find({ must: [{ key: 'rank', anyOf: [1, 3] }] })).toEqual(['p5', 'p3']);
        expect(await find({ must: [{ key: 'weight', anyOf: [1, 2.5] }] })).toEqual(['p5', 'p4', 'p3']);
        expect(await find({ must: [{ key: 'topic', anyOf: ['diy', 2, '2'] }] })).toEqual(['p2', 'p1']);
        expect(await find({ must: [{ key: 'tags', anyOf: ['beach', 'vegan'] }] })).toEqual(['p5', 'p4']);
        expect(await find({ mustNot: [{ key: 'topic', equals: 'food' }] })).toEqual(['p4', 'p2', 'p1']);
        expect(await find({ mustNot: [{ key: 'rank', anyOf: [2, 3] }] })).toEqual(['p5', 'p1']);
        expect(await find({ mustNot: [{ key: 'tags', equals: 'quick' }, { key: 'creator', equals: 'bob' }] })).toEqual(['p1']);
        expect(await find({ must: [{ key: 'creator', anyOf: ['ann', 'bob'] }], mustNot: [{ key: 'fresh', equals: false }] })).toEqual(['p5', 'p1']);
        expect(await find({ must: [{ key: 'creator', anyOf: ['ann', 'bob'] }] }, 2)).toEqual(['p5', 'p4']);
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'a filtered search returns min(limit, matching points), the best of them, even when few points match',
      async () => {
        const c = await collection({ dimension: 8, distance: 'cosine' });
        const vectors = randomVectors(600, 8, 23);
        const points = vectors.map((vector, i) => ({
          id: `p${i}`,
          vector,
          payload: { creator: i % 97 === 5 ? 'rare' : `c${i % 13}`, topic: `t${i % 3}` } as VectorPayload,
        }));
        await store.upsert(c, points);
        const query = randomVectors(1, 8, 99)[0];
        const rare = await store.search(c, query, { limit: 10, filter: { must: [{ key: 'creator', equals: 'rare' }] } });
        expect(ids(rare)).toEqual(bruteForce('cosine', points, query, 10, (p) => p.creator === 'rare'));
        expect(rare).toHaveLength(7);
        expectDescending(rare);
        rare.forEach((hit) => expect(hit.score).toBeCloseTo(referenceScore('cosine', query, vectors[Number(hit.id.slice(1))]), 4));
        const notT0T1 = await store.search(c, query, { limit: 5, filter: { mustNot: [{ key: 'topic', anyOf: ['t0', 't1'] }] } });
        expect(ids(notT0T1)).toEqual(bruteForce('cosine', points, query, 5, (p) => p.topic === 't2'));
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'upsert replaces vector and payload of an existing id; a repeated id within one call keeps its last point',
      async () => {
        const c = await collection({ dimension: 2, distance: 'dot' });
        await store.upsert(c, [
          { id: 'x', vector: [1, 0], payload: { topic: 'old', gone: 'yes' } },
          { id: 'y', vector: [0, 1] },
        ]);
        await store.upsert(c, [{ id: 'x', vector: [0, 3], payload: { topic: 'new' } }]);
        expect(await store.count(c)).toBe(2);
        const [x] = await store.get(c, ['x']);
        expect(Array.from(x?.vector ?? [])).toEqual([0, 3]);
        expect(x?.payload).toEqual({ topic: 'new' });
        expect(ids(await store.search(c, [0, 1], { limit: 2 }))).toEqual(['x', 'y']);
        expect(ids(await store.search(c, [0, 1], { limit: 2, filter: { must: [{ key: 'topic', equals: 'old' }] } }))).toEqual([]);
        expect(ids(await store.search(c, [0, 1], { limit: 2, filter: { must: [{ key: 'gone', equals: 'yes' }] } }))).toEqual([]);

        await store.upsert(c, [
          { id: 'z', vector: [1, 1], payload: { v: 1 } },
          { id: 'z', vector: [2, 2], payload: { v: 2 } },
        ]);
        expect(await store.count(c)).toBe(3);
        const [z] = await store.get(c, ['z']);
        expect(Array.from(z?.vector ?? [])).toEqual([2, 2]);
        expect(z?.payload).toEqual({ v: 2 });
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'delete removes points, ignores unknown ids, and a deleted id can be stored again',
      async () => {
        const c = await collection({ dimension: 2, distance: 'euclid' });
        await store.upsert(c, [
          { id: 'a', vector: [0, 0] },
          { id: 'b', vector: [1, 0] },
          { id: 'c', vector: [2.5, 0] },
        ]);
        await store.delete(c, ['b', 'never-stored', 'b']);
        expect(await store.count(c)).toBe(2);
        expect(await store.get(c, ['a', 'b', 'c']).then((r) => r.map((p) => p?.id))).toEqual(['a', undefined, 'c']);
        expect(ids(await store.search(c, [1, 0], { limit: 3 }))).toEqual(['a', 'c']);
        await store.delete(c, []);
        await store.upsert(c, [{ id: 'b', vector: [1.1, 0], payload: { back: true } }]);
        expect(await store.count(c)).toBe(3);
        expect(ids(await store.search(c, [1, 0], { limit: 1 }))).toEqual(['b']);
        await store.delete(c, ['a', 'b', 'c']);
        expect(await store.count(c)).toBe(0);
        expect(await store.search(c, [1, 0], { limit: 3 })).toEqual([]);
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'get answers in request order, undefined for missing ids, duplicates each time; cosine vectors come back unit length',
      async () => {
        const dot = await collection({ dimension: 3, distance: 'dot' });
        await store.upsert(dot, [
          { id: 'u', vector: new Float32Array([0.1, -2, 3.5]), payload: { k: 'v', list: ['x'] } },
          { id: 'w', vector: [1, 2, 3] },
        ]);
        const got = await store.get(dot, ['w', 'missing', 'u', 'w']);
        expect(got.map((r) => r?.id)).toEqual(['w', undefined, 'u', 'w']);
        expect(got[0]?.vector).toBeInstanceOf(Float32Array);
        expect(Array.from(got[2]?.vector ?? [])).toEqual(Array.from(new Float32Array([0.1, -2, 3.5])));
        expect(got[2]?.payload).toEqual({ k: 'v', list: ['x'] });
        expect(got[0]?.payload).toEqual({});
        expect(await store.get(dot, [])).toEqual([]);

        const cos = await collection({ dimension: 2, distance: 'cosine' });
        await store.upsert(cos, [{ id: 'v', vector: [3, 4] }]);
        const [v] = await store.get(cos, ['v']);
        expect(v?.vector[0]).toBeCloseTo(0.6, 5);
        expect(v?.vector[1]).toBeCloseTo(0.8, 5);
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'a wrong dimension is a bad request naming the field, and a rejected upsert writes nothing',
      async () => {
        const c = await collection({ dimension: 3, distance: 'cosine' });
        await expectRejection(
          store.upsert(c, [
            { id: 'ok', vector: [1, 0, 0] },
            { id: 'short', vector: [1, 0] },
          ]),
          'bad-request',
          /^points\[1\]\.vector: dimension mismatch: the collection has dimension 3, the vector has 2 numbers$/,
        );
        expect(await store.count(c)).toBe(0);
        await expectRejection(store.search(c, [1, 0, 0, 0], { limit: 1 }), 'bad-request', /^vector: dimension mismatch: the collection has dimension 3, the vector has 4/);
        await expectRejection(store.upsert(c, [{ id: 'nan', vector: [1, NaN, 0] }]), 'bad-request', /^points\[0\]\.vector\[1\]: must be a finite number/);
        await expectRejection(store.upsert(c, [{ id: 'zero', vector: [0, 0, 0] }]), 'bad-request', /zero vector/);
        await expectRejection(store.search(c, [0, 0, 0], { limit: 1 }), 'bad-request', /zero vector/);
        expect(await store.count(c)).toBe(0);
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'bad ids, reserved or malformed payload keys, bad payload values, bad filters and bad limits are bad requests',
      async () => {
        const c = await collection({ dimension: 2, distance: 'dot' });
        const v = [1, 0];
        await expectRejection(store.upsert(c, [{ id: '', vector: v }]), 'bad-request', /^points\[0\]\.id: /);
        await expectRejection(store.upsert(c, [{ id: 7 as unknown as string, vector: v }]), 'bad-request', /^points\[0\]\.id: /);
        await expectRejection(store.upsert(c, [{ id: 'x'.repeat(1_025), vector: v }]), 'bad-request', /^points\[0\]\.id: /);
        await expectRejection(store.upsert(c, [{ id: 'a', vector: v, payload: { _recsys_id: 'spoof' } }]), 'bad-request', /_recsys_id is reserved/);
        await expectRejection(store.upsert(c, [{ id: 'a', vector: v, payload: { 'a.b': 'x' } }]), 'bad-request', /^points\[0\]\.payload\.a\.b: /);
        await expectRejection(
          store.upsert(c, [{ id: 'a', vector: v, payload: { nested: { x: 1 } as unknown as string } }]),
          'bad-request',
          /^points\[0\]\.payload\.nested: /,
        );
        await expectRejection(store.upsert(c, [{ id: 'a', vector: v, payload: { list: [1] as unknown as string[] } }]), 'bad-request', /list\[0\]: array payload values hold strings only/);
        await expectRejection(store.get(c, ['ok', '']), 'bad-request', /^ids\[1\]: /);
        await expectRejection(store.delete(c, [null as unknown as string]), 'bad-request', /^ids\[0\]: /);
        await expectRejection(store.search(c, v, { limit: 0 }), 'bad-request', /^options\.limit: /);
        await expectRejection(store.search(c, v, { limit: 2.5 }), 'bad-request', /^options\.limit: /);
        await expectRejection(store.search(c, v, { limit: 1, ef: 0 }), 'bad-request', /^options\.ef: /);
        await expectRejection(store.search(c, v, { limit: 1, filter: { must: [{ key: 'k', anyOf: [] }] } }), 'bad-request', /^options\.filter\.must\[0\]\.anyOf: /);
        await expectRejection(
          store.search(c, v, { limit: 1, filter: { mustNot: [{ key: 'k', equals: { x: 1 } as unknown as string }] } }),
          'bad-request',
          /^options\.filter\.mustNot\[0\]\.equals: /,
        );
        await expectRejection(store.search(c, v, { limit: 1, filter: { must: [{ key: '_recsys_id', equals: 'a' }] } }), 'bad-request', /reserved/);
        expect(await store.count(c)).toBe(0);
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'operations on a collection that does not exist are not-found; dropCollection says whether it existed',
      async () => {
        const missing = unique('missing');
        await expectRejection(store.upsert(missing, [{ id: 'a', vector: [1] }]), 'not-found', /does not exist/);
        await expectRejection(store.search(missing, [1], { limit: 1 }), 'not-found', /does not exist/);
        await expectRejection(store.get(missing, ['a']), 'not-found', /does not exist/);
        await expectRejection(store.delete(missing, ['a']), 'not-found', /does not exist/);
        await expectRejection(store.count(missing), 'not-found', /does not exist/);
        expect(await store.dropCollection(missing)).toBe(false);

        const c = await collection({ dimension: 1, distance: 'dot' });
        await store.upsert(c, [{ id: 'a', vector: [1] }]);
        expect(await store.dropCollection(c)).toBe(true);
        expect(await store.dropCollection(c)).toBe(false);
        await expectRejection(store.count(c), 'not-found', /does not exist/);
        await expectRejection(store.search(c, [1], { limit: 1 }), 'not-found', /does not exist/);
        expect(await store.ensureCollection(c, { dimension: 2, distance: 'euclid' })).toBe(true);
        expect(await store.count(c)).toBe(0);
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'a call with 2,000 points stores them all (adapters with a server split it into batches)',
      async () => {
        const c = await collection({ dimension: 4, distance: 'euclid' }, 'contract-large');
        const vectors = randomVectors(2_000, 4, 5);
        await store.upsert(c, vectors.map((vector, i) => ({ id: `item-${i}`, vector, payload: { i, bucket: `b${i % 10}` } })));
        expect(await store.count(c)).toBe(2_000);
        const sample = [0, 255, 256, 1_234, 1_999];
        const got = await store.get(c, sample.map((i) => `item-${i}`));
        got.forEach((record, j) => {
          expect(Array.from(record?.vector ?? [])).toEqual(vectors[sample[j]]);
          expect(record?.payload).toEqual({ i: sample[j], bucket: `b${sample[j] % 10}` });
        });
        for (const i of sample) expect((await store.search(c, vectors[i], { limit: 1 }))[0]?.id).toBe(`item-${i}`);
        const inBucket = await store.search(c, vectors[1_234], { limit: 3, filter: { must: [{ key: 'bucket', equals: 'b4' }] }, withPayload: true });
        expect(inBucket[0].id).toBe('item-1234');
        expect(inBucket.every((h) => h.payload?.bucket === 'b4')).toBe(true);
      },
      TEST_TIMEOUT_MS,
    );
  });
}
