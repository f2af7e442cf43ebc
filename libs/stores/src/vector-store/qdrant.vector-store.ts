// The production VectorStore: Qdrant over its REST API (@qdrant/js-client-rest), ids mapped to UUIDs, filters translated.
import type { QdrantClient, Schemas } from '@qdrant/js-client-rest';
import { RecsysError, errorMessage } from '@recsys/domain';
import type {
  VectorCollectionSpec,
  VectorCondition,
  VectorDistance,
  VectorHit,
  VectorPayload,
  VectorPoint,
  VectorRecord,
  VectorSearchOptions,
  VectorStore,
} from '../ports';
import { qdrantPointId } from './qdrant-point-id';
import {
  RESERVED_ID_KEY,
  assertCollectionName,
  assertSameSpec,
  validateIds,
  validatePoints,
  validateSearch,
  validateSpec,
  type ValidFilter,
} from './vector-input';

/** Options of {@link openQdrantVectorStore}. */
export interface QdrantVectorStoreOptions {
  /** Qdrant's REST address, e.g. `http://127.0.0.1:6333` (config: `QDRANT_URL`). */
  url: string;
  /** API key, sent as the `api-key` header. */
  apiKey?: string;
  /** Points per upsert request, and ids per get or delete request. Default 256. */
  batchSize?: number;
  /** Timeout of each request, ms. Default 30,000. */
  timeoutMs?: number;
}

const TO_QDRANT: Record<VectorDistance, Schemas['Distance']> = { cosine: 'Cosine', dot: 'Dot', euclid: 'Euclid' };
const FROM_QDRANT: Partial<Record<Schemas['Distance'], VectorDistance>> = { Cosine: 'cosine', Dot: 'dot', Euclid: 'euclid' };

/** A condition on one payload key, in Qdrant's filter language. */
function matchValue(key: string, value: string | number | boolean): Schemas['Condition'] {
  // Qdrant matches integers and keywords exactly; a fractional number is matched as the range [v, v].
  if (typeof value === 'number' && !Number.isSafeInteger(value)) return { key, range: { gte: value, lte: value } };
  return { key, match: { value } };
}

function toQdrantCondition(c: VectorCondition): Schemas['Condition'] {
  if ('equals' in c) return matchValue(c.key, c.equals);
  // `match.any` takes all strings or all integers; anything else becomes one alternative of a nested `should`.
  const strings = c.anyOf.filter((v): v is string => typeof v === 'string');
  const integers = c.anyOf.filter((v): v is number => typeof v === 'number' && Number.isSafeInteger(v));
  const others = c.anyOf.filter((v): v is number => typeof v === 'number' && !Number.isSafeInteger(v));
  const parts: Schemas['Condition'][] = [];
  if (strings.length > 0) parts.push({ key: c.key, match: { any: strings } });
  if (integers.length > 0) parts.push({ key: c.key, match: { any: integers } });
  for (const v of others) parts.push(matchValue(c.key, v));
  return parts.length === 1 ? parts[0] : { should: parts };
}

/**
 * Translates a validated filter to Qdrant's: `must` → `must`, `mustNot` → `must_not`, `equals` → `match.value`
 * (a fractional number → `range` [v, v]), `anyOf` → `match.any` per value type (mixed types → a nested `should`).
 * Qdrant's semantics are the port's: any element of an array value matches, a missing key matches nothing.
 */
export function toQdrantFilter(filter: ValidFilter): Schemas['Filter'] | undefined {
  if (filter.must.length === 0 && filter.mustNot.length === 0) return undefined;
  const out: Schemas['Filter'] = {};
  if (filter.must.length > 0) out.must = filter.must.map(toQdrantCondition);
  if (filter.mustNot.length > 0) out.must_not = filter.mustNot.map(toQdrantCondition);
  return out;
}

/**
 * Converts a Qdrant score to the port's higher-is-better score: Qdrant reports cosine similarity and dot product
 * as is and, for Euclid, the distance itself (smaller is better), which becomes its negation.
 */
export function scoreFromQdrant(distance: VectorDistance, score: number): number {
  return distance === 'euclid' ? -score : score;
}

/** An error the REST client threw, as a RecsysError with the category a caller can act on. */
function mapError(error: unknown, what: string): RecsysError {
  if (error instanceof RecsysError) return error;
  const name = (error as Error | undefined)?.name;
  if (name === 'QdrantClientTimeoutError') return new RecsysError('deadline', `qdrant: ${what} timed out`, { cause: error });
  if (name === 'QdrantClientResourceExhaustedError') return new RecsysError('unavailable', `qdrant: ${what}: rate limited (${errorMessage(error)})`, { cause: error });
  const status = typeof (error as { status?: unknown })?.status === 'number' ? (error as { status: number }).status : undefined;
  const detail = (error as { data?: { status?: { error?: unknown } } })?.data?.status?.error;
  const message = typeof detail === 'string' ? detail : errorMessage(error);
  if (status === 404) return new RecsysError('not-found', `qdrant: ${what}: ${message}`, { cause: error });
  if (status !== undefined && status >= 400 && status < 500 && status !== 429) {
    return new RecsysError('bad-request', `qdrant rejected ${what}: ${message}`, { cause: error });
  }
  // fetch reports a refused or dropped connection as a TypeError (compared by name: it may come from another realm).
  if (status === undefined && name !== 'TypeError') return new RecsysError('internal', `qdrant: ${what}: ${message}`, { cause: error });
  return new RecsysError('unavailable', `qdrant: ${what} failed: ${message}`, { cause: error });
}

function notFound(name: string): RecsysError {
  return new RecsysError('not-found', `vector collection ${JSON.stringify(name)} does not exist; create it with ensureCollection`);
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** A payload as Qdrant returned it, without the reserved id key; undefined when it has no id (not one of ours). */
function unwrap(payload: Record<string, unknown> | null | undefined): { id: string; payload: VectorPayload } | undefined {
  if (payload === null || payload === undefined) return undefined;
  const { [RESERVED_ID_KEY]: id, ...rest } = payload;
  if (typeof id !== 'string') return undefined;
  return { id, payload: rest as VectorPayload };
}

/**
 * The Qdrant {@link VectorStore}. Collections hold one unnamed vector (size, distance Cosine/Dot/Euclid). Qdrant
 * point ids must be unsigned integers or UUIDs, so each point's id is the version-5 UUID of our id
 * ({@link qdrantPointId}) and our id travels in the payload under `_recsys_id` (refused in callers' payloads).
 * Collection specs are cached after the first look-up so dimensions are checked before a request is sent; every
 * write waits for Qdrant to apply it (`wait=true`). Upserts are sent in batches of `batchSize`, in order; when one
 * batch fails the earlier batches stay written.
 */
export class QdrantVectorStore implements VectorStore {
  private readonly specs = new Map<string, VectorCollectionSpec>();
  private closed = false;

  constructor(
    private readonly client: QdrantClient,
    private readonly batchSize: number,
  ) {}

  async ensureCollection(name: string, spec: VectorCollectionSpec): Promise<boolean> {
    this.assertOpen();
    assertCollectionName(name);
    const wanted = validateSpec(spec);
    const existing = await this.fetchSpec(name);
    if (existing !== undefined) {
      assertSameSpec(name, existing, wanted);
      return false;
    }
    try {
      await this.client.createCollection(name, { vectors: { size: wanted.dimension, distance: TO_QDRANT[wanted.distance] } });
    } catch (error) {
      // Another writer may have created it since the look-up: then it must have our spec.
      const now = await this.fetchSpec(name).catch(() => undefined);
      if (now === undefined) throw mapError(error, `creating collection ${name}`);
      assertSameSpec(name, now, wanted);
      return false;
    }
    this.specs.set(name, wanted);
    return true;
  }

  async upsert(collection: string, points: readonly VectorPoint[]): Promise<void> {
    const spec = await this.specOf(collection);
    const valid = validatePoints(points, spec);
    for (const batch of chunks(valid, this.batchSize)) {
      const body: Schemas['PointStruct'][] = batch.map((p) => ({
        id: qdrantPointId(p.id),
        vector: p.vector,
        payload: { ...p.payload, [RESERVED_ID_KEY]: p.id },
      }));
      await this.call(collection, 'upsert', () => this.client.upsert(collection, { wait: true, points: body }));
    }
  }

  async search(collection: string, vector: Float32Array | readonly number[], options: VectorSearchOptions): Promise<VectorHit[]> {
    const spec = await this.specOf(collection);
    const s = validateSearch(vector, options, spec);
    const filter = s.filter === undefined ? undefined : toQdrantFilter(s.filter);
    const response = await this.call(collection, 'search', () =>
      this.client.query(collection, {
        query: s.vector,
        limit: s.limit,
        ...(filter === undefined ? {} : { filter }),
        ...(s.ef === undefined ? {} : { params: { hnsw_ef: s.ef } }),
        with_payload: s.withPayload ? true : [RESERVED_ID_KEY],
        with_vector: false,
      }),
    );
    const hits: VectorHit[] = [];
    for (const point of response.points) {
      const stored = unwrap(point.payload);
      if (stored === undefined) continue;
      const score = scoreFromQdrant(spec.distance, point.score);
      hits.push(s.withPayload ? { id: stored.id, score, payload: stored.payload } : { id: stored.id, score });
    }
    return hits;
  }

  async get(collection: string, ids: readonly string[]): Promise<(VectorRecord | undefined)[]> {
    await this.specOf(collection);
    const wanted = validateIds(ids);
    const found = new Map<string, VectorRecord>();
    for (const batch of chunks([...new Set(wanted)], this.batchSize)) {
      const records = await this.call(collection, 'get', () =>
        this.client.retrieve(collection, { ids: batch.map(qdrantPointId), with_payload: true, with_vector: true }),
      );
      for (const record of records) {
        const stored = unwrap(record.payload);
        if (stored === undefined || !Array.isArray(record.vector)) continue;
        found.set(stored.id, { id: stored.id, vector: Float32Array.from(record.vector as number[]), payload: stored.payload });
      }
    }
    return wanted.map((id) => {
      const record = found.get(id);
      return record === undefined ? undefined : { id, vector: record.vector.slice(), payload: structuredClone(record.payload) };
    });
  }

  async delete(collection: string, ids: readonly string[]): Promise<void> {
    await this.specOf(collection);
    const valid = [...new Set(validateIds(ids))];
    for (const batch of chunks(valid, this.batchSize)) {
      await this.call(collection, 'delete', () => this.client.delete(collection, { wait: true, points: batch.map(qdrantPointId) }));
    }
  }

  async count(collection: string): Promise<number> {
    await this.specOf(collection);
    const result = await this.call(collection, 'count', () => this.client.count(collection, { exact: true }));
    return result.count;
  }

  async dropCollection(name: string): Promise<boolean> {
    this.assertOpen();
    assertCollectionName(name);
    this.specs.delete(name);
    try {
      return await this.client.deleteCollection(name);
    } catch (error) {
      const mapped = mapError(error, `dropping collection ${name}`);
      if (mapped.category === 'not-found') return false;
      throw mapped;
    }
  }

  /** Stops accepting calls (the REST client holds no resources that need releasing beyond idle sockets). */
  async close(): Promise<void> {
    this.closed = true;
    this.specs.clear();
  }

  /** Runs one request on a collection; a 404 means the collection is gone (the cached spec is dropped). */
  private async call<T>(collection: string, what: string, request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (error) {
      const mapped = mapError(error, `${what} on ${collection}`);
      if (mapped.category === 'not-found') {
        this.specs.delete(collection);
        throw notFound(collection);
      }
      throw mapped;
    }
  }

  /** The collection's spec, cached; `not-found` when it does not exist. */
  private async specOf(name: string): Promise<VectorCollectionSpec> {
    this.assertOpen();
    assertCollectionName(name);
    const cached = this.specs.get(name);
    if (cached !== undefined) return cached;
    const spec = await this.fetchSpec(name);
    if (spec === undefined) throw notFound(name);
    return spec;
  }

  /** Reads a collection's spec from Qdrant (and caches it); undefined when it does not exist. */
  private async fetchSpec(name: string): Promise<VectorCollectionSpec | undefined> {
    let info: Schemas['CollectionInfo'];
    try {
      info = await this.client.getCollection(name);
    } catch (error) {
      const mapped = mapError(error, `reading collection ${name}`);
      if (mapped.category === 'not-found') return undefined;
      throw mapped;
    }
    const vectors = info.config.params.vectors as Partial<Schemas['VectorParams']> | undefined;
    const distance = vectors?.distance === undefined ? undefined : FROM_QDRANT[vectors.distance];
    if (vectors === undefined || typeof vectors.size !== 'number' || distance === undefined) {
      throw RecsysError.badRequest(
        'collection',
        `Qdrant collection ${JSON.stringify(name)} is not a single unnamed vector with distance Cosine, Dot or Euclid; it was not created by this store`,
      );
    }
    const spec = { dimension: vectors.size, distance };
    this.specs.set(name, spec);
    return spec;
  }

  private assertOpen(): void {
    if (this.closed) throw new RecsysError('unavailable', 'vector store is closed');
  }
}

/**
 * Opens a {@link QdrantVectorStore} (no request is sent until the first call; version checks are off). The REST
 * client is loaded here, on first use, so processes that never talk to Qdrant do not load it.
 */
export async function openQdrantVectorStore(options: QdrantVectorStoreOptions): Promise<QdrantVectorStore> {
  const batchSize = options.batchSize ?? 256;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw RecsysError.badRequest('batchSize', `must be a positive integer, got ${batchSize}`);
  const qdrant = await import('@qdrant/js-client-rest');
  const client = new qdrant.QdrantClient({
    url: options.url,
    ...(options.apiKey === undefined ? {} : { apiKey: options.apiKey }),
    timeout: options.timeoutMs ?? 30_000,
    checkCompatibility: false,
  });
  return new QdrantVectorStore(client, batchSize);
}
