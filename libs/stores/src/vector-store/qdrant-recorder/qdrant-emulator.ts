// A minimal in-memory stand-in for the Qdrant REST operations the vector-store adapter uses. NOT a Qdrant: exact
// brute-force search, a subset of the filter language, one unnamed vector per collection; it exists so the
// recording validator can answer each request with a response that is valid for the operation.

/** A response: HTTP status and JSON body. */
export interface EmulatorResponse {
  status: number;
  body: unknown;
}

type QdrantDistance = 'Cosine' | 'Dot' | 'Euclid' | 'Manhattan';
type PointId = number | string;
type Payload = Record<string, unknown>;

interface StoredPoint {
  id: PointId;
  vector: Float32Array;
  payload: Payload;
  version: number;
}

interface Collection {
  size: number;
  distance: QdrantDistance;
  points: Map<string, StoredPoint>;
}

/** A request the emulator deliberately does not implement (answered 400 with a message saying so). */
class Unsupported extends Error {}

/** A request Qdrant itself would refuse. */
class Rejected extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const DISTANCES: readonly string[] = ['Cosine', 'Dot', 'Euclid', 'Manhattan'];

function keyOf(id: unknown): string {
  if (typeof id === 'number') return `n:${id}`;
  if (typeof id === 'string') return `u:${id.toLowerCase()}`;
  throw new Rejected(400, `Wrong input: bad point id ${JSON.stringify(id)}`);
}

function list(x: unknown): unknown[] {
  if (x === null || x === undefined) return [];
  return Array.isArray(x) ? x : [x];
}

function valuesAt(payload: Payload, key: string): unknown[] {
  const value = payload[key];
  return value === undefined || value === null ? [] : Array.isArray(value) ? value : [value];
}

function conditionHolds(condition: unknown, point: StoredPoint): boolean {
  if (condition === null || typeof condition !== 'object') throw new Unsupported(`condition ${JSON.stringify(condition)}`);
  const c = condition as Record<string, unknown>;
  if (typeof c.key === 'string') {
    const values = valuesAt(point.payload, c.key);
    const match = c.match as Record<string, unknown> | null | undefined;
    const range = c.range as Record<string, number | null | undefined> | null | undefined;
    const others = Object.keys(c).filter((k) => !['key', 'match', 'range'].includes(k) && c[k] !== null && c[k] !== undefined);
    if (others.length > 0) throw new Unsupported(`field condition with ${others.join(', ')}`);
    if (match !== null && match !== undefined) {
      if ('value' in match) return values.some((v) => v === match.value);
      if ('any' in match && Array.isArray(match.any)) return values.some((v) => (match.any as unknown[]).includes(v));
      if ('except' in match && Array.isArray(match.except)) return values.length > 0 && values.every((v) => !(match.except as unknown[]).includes(v));
      throw new Unsupported(`match ${JSON.stringify(match)}`);
    }
    if (range !== null && range !== undefined) {
      return values.some(
        (v) =>
          typeof v === 'number' &&
          (range.gt == null || v > range.gt) &&
          (range.gte == null || v >= range.gte) &&
          (range.lt == null || v < range.lt) &&
          (range.lte == null || v <= range.lte),
      );
    }
    throw new Unsupported(`field condition ${JSON.stringify(c)}`);
  }
  if (Array.isArray(c.has_id)) return c.has_id.some((id) => keyOf(id) === keyOf(point.id));
  if ('must' in c || 'should' in c || 'must_not' in c || 'min_should' in c) return filterHolds(c, point);
  throw new Unsupported(`condition ${JSON.stringify(c)}`);
}

/** Qdrant's boolean filter: every `must`, at least one `should` (when any), no `must_not`, `min_should`. */
function filterHolds(filter: unknown, point: StoredPoint): boolean {
  if (filter === null || filter === undefined) return true;
  const f = filter as Record<string, unknown>;
  if (!list(f.must).every((c) => conditionHolds(c, point))) return false;
  if (list(f.must_not).some((c) => conditionHolds(c, point))) return false;
  const should = list(f.should);
  if (should.length > 0 && !should.some((c) => conditionHolds(c, point))) return false;
  const minShould = f.min_should as { conditions: unknown[]; min_count: number } | null | undefined;
  if (minShould != null && minShould.conditions.filter((c) => conditionHolds(c, point)).length < minShould.min_count) return false;
  return true;
}

function selectPayload(payload: Payload, selector: unknown): Payload | undefined {
  if (selector === true) return structuredClone(payload);
  if (selector === false || selector === null || selector === undefined) return undefined;
  const pick = (keys: string[], keep: boolean): Payload =>
    Object.fromEntries(Object.entries(payload).filter(([k]) => keys.includes(k) === keep).map(([k, v]) => [k, structuredClone(v)]));
  if (Array.isArray(selector)) return pick(selector as string[], true);
  const s = selector as { include?: string[]; exclude?: string[] };
  if (Array.isArray(s.include)) return pick(s.include, true);
  if (Array.isArray(s.exclude)) return pick(s.exclude, false);
  throw new Unsupported(`payload selector ${JSON.stringify(selector)}`);
}

/**
 * The emulator: collections in memory; `handle` answers one operation (by OpenAPI `operationId`) with Qdrant's
 * envelope `{ result, status: "ok", time }` or an error `{ status: { error } }` with Qdrant's status codes (404 for
 * a missing collection, 400 for a wrong dimension, 409 for an existing collection). Scores follow Qdrant: cosine
 * similarity (vectors normalized on upsert), dot product, and for Euclid/Manhattan the distance itself, ascending.
 */
export class QdrantEmulator {
  private readonly collections = new Map<string, Collection>();
  private version = 0;

  /** Operation ids this emulator answers. */
  static readonly operations: readonly string[] = [
    'root',
    'get_collections',
    'get_collection',
    'collection_exists',
    'create_collection',
    'delete_collection',
    'upsert_points',
    'get_points',
    'delete_points',
    'count_points',
    'query_points',
  ];

  /** Answers one validated request. */
  handle(operationId: string, pathParams: Record<string, unknown>, body: unknown): EmulatorResponse {
    if (operationId === 'root') return { status: 200, body: { title: 'recsys Qdrant emulator (not a Qdrant)', version: '1.19.0' } };
    const start = process.hrtime.bigint();
    try {
      const result = this.dispatch(operationId, String(pathParams.collection_name ?? ''), (body ?? {}) as Record<string, unknown>);
      return { status: 200, body: { result, status: 'ok', time: Number(process.hrtime.bigint() - start) / 1e9 } };
    } catch (error) {
      const status = error instanceof Rejected ? error.status : 400;
      const message = error instanceof Unsupported ? `the recorder's Qdrant emulator does not support ${error.message}` : (error as Error).message;
      return { status, body: { status: { error: message }, time: 0, result: null } };
    }
  }

  private dispatch(operationId: string, name: string, body: Record<string, unknown>): unknown {
    switch (operationId) {
      case 'get_collections':
        return { collections: [...this.collections.keys()].map((n) => ({ name: n })) };
      case 'collection_exists':
        return { exists: this.collections.has(name) };
      case 'get_collection':
        return this.info(this.collection(name));
      case 'create_collection':
        return this.create(name, body);
      case 'delete_collection':
        return this.collections.delete(name);
      case 'upsert_points':
        return this.upsert(this.collection(name), body);
      case 'get_points':
        return this.retrieve(this.collection(name), body);
      case 'delete_points':
        return this.remove(this.collection(name), body);
      case 'count_points': {
        const c = this.collection(name);
        return { count: [...c.points.values()].filter((p) => filterHolds(body.filter, p)).length };
      }
      case 'query_points':
        return this.query(this.collection(name), body);
      default:
        throw new Unsupported(`operation ${operationId}`);
    }
  }

  private collection(name: string): Collection {
    const c = this.collections.get(name);
    if (c === undefined) throw new Rejected(404, `Not found: Collection \`${name}\` doesn't exist!`);
    return c;
  }

  private info(c: Collection): unknown {
    return {
      status: 'green',
      optimizer_status: 'ok',
      indexed_vectors_count: 0,
      points_count: c.points.size,
      segments_count: 1,
      config: {
        params: { vectors: { size: c.size, distance: c.distance }, shard_number: 1, replication_factor: 1, write_consistency_factor: 1, on_disk_payload: true },
        hnsw_config: { m: 16, ef_construct: 100, full_scan_threshold: 10_000, max_indexing_threads: 0, on_disk: false },
        optimizer_config: {
          deleted_threshold: 0.2,
          vacuum_min_vector_number: 1_000,
          default_segment_number: 0,
          max_segment_size: null,
          memmap_threshold: null,
          indexing_threshold: 10_000,
          flush_interval_sec: 5,
          max_optimization_threads: null,
        },
        wal_config: { wal_capacity_mb: 32, wal_segments_ahead: 0 },
        quantization_config: null,
      },
      payload_schema: {},
    };
  }

  private create(name: string, body: Record<string, unknown>): boolean {
    if (this.collections.has(name)) throw new Rejected(409, `Wrong input: Collection \`${name}\` already exists!`);
    const vectors = body.vectors as { size?: unknown; distance?: unknown } | undefined;
    if (vectors === undefined || typeof vectors.size !== 'number' || typeof vectors.distance !== 'string') {
      throw new Unsupported('collections without a single unnamed vector');
    }
    if (!DISTANCES.includes(vectors.distance)) throw new Rejected(400, `Wrong input: unknown distance ${vectors.distance}`);
    this.collections.set(name, { size: vectors.size, distance: vectors.distance as QdrantDistance, points: new Map() });
    return true;
  }

  private vectorOf(c: Collection, vector: unknown): Float32Array {
    if (!Array.isArray(vector) || !vector.every((x) => typeof x === 'number')) throw new Unsupported(`vector ${JSON.stringify(vector)?.slice(0, 80)}`);
    if (vector.length !== c.size) throw new Rejected(400, `Wrong input: Vector dimension error: expected dim: ${c.size}, got ${vector.length}`);
    const v = Float32Array.from(vector as number[]);
    if (c.distance === 'Cosine') {
      let norm = 0;
      for (const x of v) norm += x * x;
      norm = Math.sqrt(norm);
      if (norm > 0) for (let i = 0; i < v.length; i++) v[i] /= norm;
    }
    return v;
  }

  private upsert(c: Collection, body: Record<string, unknown>): unknown {
    if (!Array.isArray(body.points)) throw new Unsupported('upserts other than a list of points');
    const version = ++this.version;
    const staged = (body.points as Record<string, unknown>[]).map((p) => ({
      id: p.id as PointId,
      vector: this.vectorOf(c, p.vector),
      payload: structuredClone((p.payload ?? {}) as Payload),
      version,
    }));
    for (const p of staged) c.points.set(keyOf(p.id), p);
    return { operation_id: version, status: 'completed' };
  }

  private retrieve(c: Collection, body: Record<string, unknown>): unknown[] {
    const out: unknown[] = [];
    for (const id of list(body.ids)) {
      const p = c.points.get(keyOf(id));
      if (p === undefined) continue;
      out.push(this.record(p, body.with_payload ?? true, body.with_vector ?? false));
    }
    return out;
  }

  private record(p: StoredPoint, withPayload: unknown, withVector: unknown): Record<string, unknown> {
    const out: Record<string, unknown> = { id: p.id };
    const payload = selectPayload(p.payload, withPayload);
    if (payload !== undefined) out.payload = payload;
    if (withVector === true) out.vector = Array.from(p.vector);
    else if (withVector !== false && withVector !== null && withVector !== undefined) throw new Unsupported(`with_vector ${JSON.stringify(withVector)}`);
    return out;
  }

  private remove(c: Collection, body: Record<string, unknown>): unknown {
    const version = ++this.version;
    if (Array.isArray(body.points)) {
      for (const id of body.points) c.points.delete(keyOf(id));
    } else if (body.filter !== undefined) {
      for (const [key, p] of c.points) if (filterHolds(body.filter, p)) c.points.delete(key);
    } else {
      throw new Unsupported('a points selector without points or filter');
    }
    return { operation_id: version, status: 'completed' };
  }

  private query(c: Collection, body: Record<string, unknown>): unknown {
    for (const k of ['prefetch', 'using', 'lookup_from', 'shard_key']) if (body[k] != null) throw new Unsupported(`query ${k}`);
    const raw = body.query;
    const vector = Array.isArray(raw) ? raw : (raw as { nearest?: unknown } | null)?.nearest;
    if (vector === undefined) throw new Unsupported(`query ${JSON.stringify(raw)?.slice(0, 80)}`);
    const q = this.vectorOf(c, vector);
    const ascending = c.distance === 'Euclid' || c.distance === 'Manhattan';
    const limit = typeof body.limit === 'number' ? body.limit : 10;
    const offset = typeof body.offset === 'number' ? body.offset : 0;
    const threshold = typeof body.score_threshold === 'number' ? body.score_threshold : undefined;
    const scored = [...c.points.values()]
      .filter((p) => filterHolds(body.filter, p))
      .map((p) => ({ p, score: Math.fround(this.score(c.distance, q, p.vector)) }))
      .filter(({ score }) => threshold === undefined || (ascending ? score <= threshold : score >= threshold))
      .sort((a, b) => (ascending ? a.score - b.score : b.score - a.score));
    const points = scored.slice(offset, offset + limit).map(({ p, score }) => ({
      ...this.record(p, body.with_payload ?? false, body.with_vector ?? false),
      version: p.version,
      score,
    }));
    return { points };
  }

  private score(distance: QdrantDistance, q: Float32Array, x: Float32Array): number {
    let s = 0;
    for (let i = 0; i < q.length; i++) {
      if (distance === 'Euclid') s += (q[i] - x[i]) ** 2;
      else if (distance === 'Manhattan') s += Math.abs(q[i] - x[i]);
      else s += q[i] * x[i];
    }
    return distance === 'Euclid' ? Math.sqrt(s) : s;
  }
}
