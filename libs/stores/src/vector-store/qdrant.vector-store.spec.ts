import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { vectorStoreContract } from '../contracts/vector-store.contract';
import { qdrantPointId, uuidV5 } from './qdrant-point-id';
import type { OpenApiDocument } from './qdrant-recorder/openapi-validator';
import { startQdrantRecorder, type QdrantRecorder } from './qdrant-recorder/recorder-server';
import { openQdrantVectorStore, type QdrantVectorStore } from './qdrant.vector-store';

/** Qdrant's published OpenAPI document, in the project's planning space beside the repository (DESIGN.md). */
const QDRANT_OPENAPI = path.resolve(__dirname, '../../openapi/qdrant-openapi-v1.19.0.json');

/** Every REST operation the adapter sends; the recorder must have validated each of them, and nothing else. */
const ADAPTER_OPERATIONS = [
  'count_points',
  'create_collection',
  'delete_collection',
  'delete_points',
  'get_collection',
  'get_points',
  'query_points',
  'upsert_points',
];

let recorder: QdrantRecorder;

beforeAll(async () => {
  recorder = await startQdrantRecorder(JSON.parse(readFileSync(QDRANT_OPENAPI, 'utf8')) as OpenApiDocument);
});

afterAll(async () => {
  await recorder.close();
});

vectorStoreContract('QdrantVectorStore through the OpenAPI recording validator', () => openQdrantVectorStore({ url: recorder.url }));

describe('QdrantVectorStore requests, validated against qdrant-openapi-v1.19.0.json', () => {
  it('every request the contract flows sent was valid, and every operation the adapter uses was validated', () => {
    expect(recorder.requests.length).toBeGreaterThan(100);
    expect(recorder.violations()).toEqual([]);
    expect(recorder.requests.filter((r) => r.operationId === undefined)).toEqual([]);
    expect([...recorder.operations().keys()].sort()).toEqual(ADAPTER_OPERATIONS);
    // The not-found flows were answered 404 with a body valid for the operation's 4XX schema.
    expect(recorder.requests.some((r) => r.operationId === 'get_collection' && r.status === 404)).toBe(true);
  });
});

describe('QdrantVectorStore', () => {
  const open: QdrantVectorStore[] = [];
  let seq = 0;
  const name = (): string => `adapter-${process.pid}-${++seq}`;

  async function openStore(options: { batchSize?: number } = {}): Promise<QdrantVectorStore> {
    const store = await openQdrantVectorStore({ url: recorder.url, ...options });
    open.push(store);
    return store;
  }

  beforeEach(() => recorder.clearLog());

  afterEach(async () => {
    expect(recorder.violations()).toEqual([]);
    await Promise.all(open.splice(0).map((s) => s.close()));
  });

  it('maps ids to RFC 9562 version-5 UUIDs (reference value from Python uuid.uuid5)', () => {
    expect(uuidV5('www.example.com', '6ba7b810-9dad-11d1-80b4-00c04fd430c8')).toBe('2ed6657d-e927-568b-95e1-2665a8aea6a2');
    expect(qdrantPointId('pin_000123')).toBe('73fdec6e-dc8d-5811-b210-1fe91dda97ed');
    expect(qdrantPointId('pin_000124')).not.toBe(qdrantPointId('pin_000123'));
  });

  it('creates a collection with the mapped distance and sends 2,000 points as 8 waited upserts of at most 256', async () => {
    const store = await openStore();
    const c = name();
    await store.ensureCollection(c, { dimension: 2, distance: 'euclid' });
    const create = recorder.requests.find((r) => r.operationId === 'create_collection');
    expect(create?.body).toEqual({ vectors: { size: 2, distance: 'Euclid' } });
    await store.upsert(
      c,
      Array.from({ length: 2_000 }, (_, i) => ({ id: `item-${i}`, vector: [i, 1], payload: { n: i } })),
    );
    const upserts = recorder.requests.filter((r) => r.operationId === 'upsert_points');
    expect(upserts.map((r) => (r.body as { points: unknown[] }).points.length)).toEqual([256, 256, 256, 256, 256, 256, 256, 208]);
    expect(upserts.every((r) => r.url === `/collections/${c}/points?wait=true`)).toBe(true);
    const first = (upserts[7].body as { points: { id: string; vector: number[]; payload: Record<string, unknown> }[] }).points[207];
    expect(first).toEqual({ id: qdrantPointId('item-1999'), vector: [1999, 1], payload: { n: 1999, _recsys_id: 'item-1999' } });
  });

  it('honours batchSize for upserts, gets and deletes', async () => {
    const store = await openStore({ batchSize: 100 });
    const c = name();
    await store.ensureCollection(c, { dimension: 1, distance: 'dot' });
    const ids = Array.from({ length: 250 }, (_, i) => `p${i}`);
    await store.upsert(c, ids.map((id, i) => ({ id, vector: [i + 1] })));
    await store.get(c, ids);
    await store.delete(c, ids.slice(0, 150));
    const sizes = (op: string, field: string): number[] =>
      recorder.requests.filter((r) => r.operationId === op).map((r) => ((r.body as Record<string, unknown[]>)[field] ?? []).length);
    expect(sizes('upsert_points', 'points')).toEqual([100, 100, 50]);
    expect(sizes('get_points', 'ids')).toEqual([100, 100, 50]);
    expect(sizes('delete_points', 'points')).toEqual([100, 50]);
    expect(await store.count(c)).toBe(100);
    await expect(openQdrantVectorStore({ url: recorder.url, batchSize: 0 })).rejects.toThrow('batchSize: must be a positive integer');
  });

  it('translates a filter to Qdrant’s language and asks only for the id when no payload is wanted', async () => {
    const store = await openStore();
    const c = name();
    await store.ensureCollection(c, { dimension: 2, distance: 'cosine' });
    await store.search(c, [1, 0], {
      limit: 7,
      ef: 32,
      filter: {
        must: [
          { key: 'topic', equals: 'food' },
          { key: 'w', equals: 2.5 },
          { key: 'fresh', equals: true },
          { key: 't', anyOf: ['a', 1, 1.5, 'b', 'a'] },
        ],
        mustNot: [{ key: 'creator', anyOf: [3, 4] }],
      },
    });
    const query = recorder.requests.find((r) => r.operationId === 'query_points');
    expect(query?.body).toEqual({
      query: [1, 0],
      limit: 7,
      filter: {
        must: [
          { key: 'topic', match: { value: 'food' } },
          { key: 'w', range: { gte: 2.5, lte: 2.5 } },
          { key: 'fresh', match: { value: true } },
          {
            should: [
              { key: 't', match: { any: ['a', 'b'] } },
              { key: 't', match: { any: [1] } },
              { key: 't', range: { gte: 1.5, lte: 1.5 } },
            ],
          },
        ],
        must_not: [{ key: 'creator', match: { any: [3, 4] } }],
      },
      params: { hnsw_ef: 32 },
      with_payload: ['_recsys_id'],
      with_vector: false,
    });
  });

  it('a server-side dimension error after another client recreated the collection is a bad request', async () => {
    const a = await openStore();
    const b = await openStore();
    const c = name();
    await a.ensureCollection(c, { dimension: 3, distance: 'dot' });
    await b.dropCollection(c);
    await b.ensureCollection(c, { dimension: 2, distance: 'dot' });
    await expect(a.upsert(c, [{ id: 'x', vector: [1, 2, 3] }])).rejects.toMatchObject({
      category: 'bad-request',
      message: expect.stringMatching(/^qdrant rejected upsert on .*: Wrong input: Vector dimension error: expected dim: 2, got 3$/),
    });
    await b.dropCollection(c);
    await expect(a.count(c)).rejects.toMatchObject({ category: 'not-found' });
  });

  it('an unreachable server is unavailable', async () => {
    const store = await openQdrantVectorStore({ url: 'http://127.0.0.1:9', timeoutMs: 5_000 });
    await expect(store.count('anything')).rejects.toMatchObject({ category: 'unavailable', message: expect.stringContaining('qdrant: reading collection anything failed') });
  });
});
