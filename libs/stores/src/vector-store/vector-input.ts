// Validation of VectorStore arguments, shared by every adapter so all of them refuse the same inputs the same way.
import { RecsysError } from '@recsys/domain';
import { assertSafeName } from '../internal/names';
import type {
  VectorCollectionSpec,
  VectorCondition,
  VectorDistance,
  VectorFilter,
  VectorPayload,
  VectorPayloadValue,
  VectorPoint,
  VectorSearchOptions,
} from '../ports';

/** Payload key under which the Qdrant adapter keeps a point's own id; refused in callers' payloads by every adapter. */
export const RESERVED_ID_KEY = '_recsys_id';

/** Largest vector dimension accepted (Qdrant's limit). */
export const MAX_DIMENSION = 65_536;

/** Longest point id accepted, in UTF-16 code units. */
export const MAX_ID_LENGTH = 1_024;

/** Longest payload key accepted. */
export const MAX_PAYLOAD_KEY_LENGTH = 256;

const DISTANCES: readonly VectorDistance[] = ['cosine', 'dot', 'euclid'];

/** A validated point: a plain array of numbers and a private copy of the payload. */
export interface ValidPoint {
  id: string;
  vector: number[];
  payload: VectorPayload;
}

/** A validated filter with both lists present. */
export interface ValidFilter {
  must: VectorCondition[];
  mustNot: VectorCondition[];
}

/** Validated search arguments. */
export interface ValidSearch {
  vector: number[];
  limit: number;
  filter: ValidFilter | undefined;
  withPayload: boolean;
  ef: number | undefined;
}

/** Throws a bad-request RecsysError unless `name` is a safe collection name (letters, digits, `.`, `-`, `_`). */
export function assertCollectionName(name: string, field = 'collection'): void {
  assertSafeName(field, name);
}

/** Checks a collection spec; returns a copy holding only the known fields. */
export function validateSpec(spec: VectorCollectionSpec): VectorCollectionSpec {
  if (spec === null || typeof spec !== 'object') throw RecsysError.badRequest('spec', 'must be { dimension, distance }');
  const { dimension, distance } = spec;
  if (!Number.isInteger(dimension) || dimension < 1 || dimension > MAX_DIMENSION) {
    throw RecsysError.badRequest('spec.dimension', `must be an integer from 1 to ${MAX_DIMENSION}, got ${JSON.stringify(dimension)}`);
  }
  if (!DISTANCES.includes(distance)) {
    throw RecsysError.badRequest('spec.distance', `must be one of ${DISTANCES.join(', ')}, got ${JSON.stringify(distance)}`);
  }
  return { dimension, distance };
}

/** Throws unless `id` is a string of 1..{@link MAX_ID_LENGTH} characters. */
export function assertPointId(field: string, id: unknown): asserts id is string {
  if (typeof id !== 'string' || id.length === 0 || id.length > MAX_ID_LENGTH) {
    throw RecsysError.badRequest(field, `must be a string of 1 to ${MAX_ID_LENGTH} characters, got ${describe(id)}`);
  }
}

/** Throws a bad-request RecsysError when an existing collection's spec differs from the one asked for. */
export function assertSameSpec(name: string, existing: VectorCollectionSpec, wanted: VectorCollectionSpec): void {
  if (existing.dimension !== wanted.dimension || existing.distance !== wanted.distance) {
    throw RecsysError.badRequest(
      'spec',
      `collection ${JSON.stringify(name)} exists with dimension ${existing.dimension} and distance ${existing.distance}, not dimension ${wanted.dimension} and distance ${wanted.distance}`,
    );
  }
}

/** Checks a list of ids; returns them as given (duplicates kept). */
export function validateIds(ids: readonly string[], field = 'ids'): string[] {
  if (!Array.isArray(ids)) throw RecsysError.badRequest(field, 'must be an array of ids');
  ids.forEach((id, i) => assertPointId(`${field}[${i}]`, id));
  return [...ids];
}

/**
 * Checks a vector against the collection: `dimension` finite numbers (a number[] or Float32Array), not all zero
 * for cosine. Returns a plain array (what hnswlib and JSON need).
 */
export function validateVector(field: string, vector: unknown, spec: VectorCollectionSpec): number[] {
  if (!(vector instanceof Float32Array) && !Array.isArray(vector)) {
    throw RecsysError.badRequest(field, `must be a Float32Array or an array of numbers, got ${describe(vector)}`);
  }
  if (vector.length !== spec.dimension) {
    throw RecsysError.badRequest(field, `dimension mismatch: the collection has dimension ${spec.dimension}, the vector has ${vector.length} numbers`);
  }
  const out = new Array<number>(vector.length);
  let norm = 0;
  for (let i = 0; i < vector.length; i++) {
    const v = vector[i];
    if (typeof v !== 'number' || !Number.isFinite(v)) throw RecsysError.badRequest(`${field}[${i}]`, `must be a finite number, got ${describe(v)}`);
    out[i] = v;
    norm += v * v;
  }
  if (spec.distance === 'cosine' && norm === 0) throw RecsysError.badRequest(field, 'a cosine collection cannot hold or search a zero vector');
  return out;
}

/** Throws unless `key` is a usable payload or filter key. */
export function assertPayloadKey(field: string, key: unknown): asserts key is string {
  if (typeof key !== 'string' || key.length === 0 || key.length > MAX_PAYLOAD_KEY_LENGTH || /[.[\]"]/.test(key)) {
    throw RecsysError.badRequest(field, `a payload key must be 1 to ${MAX_PAYLOAD_KEY_LENGTH} characters without '.', '[', ']' or '"', got ${describe(key)}`);
  }
  if (key === RESERVED_ID_KEY) throw RecsysError.badRequest(field, `the payload key ${RESERVED_ID_KEY} is reserved for the store`);
}

/** Checks a payload; returns a copy (arrays copied) so later changes by the caller do not reach the store. */
export function validatePayload(field: string, payload: unknown): VectorPayload {
  if (payload === undefined) return {};
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) {
    throw RecsysError.badRequest(field, `must be an object of payload values, got ${describe(payload)}`);
  }
  const out: VectorPayload = {};
  for (const [key, value] of Object.entries(payload)) {
    assertPayloadKey(`${field}.${key}`, key);
    out[key] = validatePayloadValue(`${field}.${key}`, value);
  }
  return out;
}

function validatePayloadValue(field: string, value: unknown): VectorPayloadValue {
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw RecsysError.badRequest(field, `must be a finite number, got ${describe(value)}`);
    return value;
  }
  if (Array.isArray(value)) {
    value.forEach((v, i) => {
      if (typeof v !== 'string') throw RecsysError.badRequest(`${field}[${i}]`, `array payload values hold strings only, got ${describe(v)}`);
    });
    return [...(value as string[])];
  }
  throw RecsysError.badRequest(field, `must be a string, finite number, boolean or array of strings, got ${describe(value)}`);
}

/**
 * Checks every point of an upsert before anything is written. A repeated id keeps its last point (in the position
 * of its first occurrence).
 */
export function validatePoints(points: readonly VectorPoint[], spec: VectorCollectionSpec): ValidPoint[] {
  if (!Array.isArray(points)) throw RecsysError.badRequest('points', 'must be an array of points');
  const byId = new Map<string, ValidPoint>();
  points.forEach((point, i) => {
    if (point === null || typeof point !== 'object') throw RecsysError.badRequest(`points[${i}]`, 'must be { id, vector, payload? }');
    assertPointId(`points[${i}].id`, point.id);
    const vector = validateVector(`points[${i}].vector`, point.vector, spec);
    const payload = validatePayload(`points[${i}].payload`, point.payload);
    byId.set(point.id, { id: point.id, vector, payload });
  });
  return [...byId.values()];
}

/** Checks a filter; undefined when absent. */
export function validateFilter(filter: VectorFilter | undefined, field = 'options.filter'): ValidFilter | undefined {
  if (filter === undefined) return undefined;
  if (filter === null || typeof filter !== 'object') throw RecsysError.badRequest(field, 'must be { must?, mustNot? }');
  const list = (name: 'must' | 'mustNot'): VectorCondition[] => {
    const conditions = filter[name];
    if (conditions === undefined) return [];
    if (!Array.isArray(conditions)) throw RecsysError.badRequest(`${field}.${name}`, 'must be an array of conditions');
    return conditions.map((c, i) => validateCondition(`${field}.${name}[${i}]`, c));
  };
  return { must: list('must'), mustNot: list('mustNot') };
}

function validateCondition(field: string, condition: unknown): VectorCondition {
  if (condition === null || typeof condition !== 'object') throw RecsysError.badRequest(field, 'must be { key, equals } or { key, anyOf }');
  const c = condition as Record<string, unknown>;
  assertPayloadKey(`${field}.key`, c.key);
  const hasEquals = 'equals' in c;
  const hasAnyOf = 'anyOf' in c;
  if (hasEquals === hasAnyOf) throw RecsysError.badRequest(field, 'must have exactly one of equals and anyOf');
  if (hasEquals) {
    const v = c.equals;
    const ok = typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v));
    if (!ok) throw RecsysError.badRequest(`${field}.equals`, `must be a string, finite number or boolean, got ${describe(v)}`);
    return { key: c.key, equals: v as string | number | boolean };
  }
  const values = c.anyOf;
  if (!Array.isArray(values) || values.length === 0) throw RecsysError.badRequest(`${field}.anyOf`, 'must be a non-empty array of strings and numbers');
  values.forEach((v, i) => {
    if (typeof v !== 'string' && !(typeof v === 'number' && Number.isFinite(v))) {
      throw RecsysError.badRequest(`${field}.anyOf[${i}]`, `must be a string or finite number, got ${describe(v)}`);
    }
  });
  return { key: c.key, anyOf: [...new Set(values as (string | number)[])] };
}

/** Checks the arguments of a search. */
export function validateSearch(vector: unknown, options: VectorSearchOptions, spec: VectorCollectionSpec): ValidSearch {
  const checked = validateVector('vector', vector, spec);
  if (options === null || typeof options !== 'object') throw RecsysError.badRequest('options', 'must be { limit, filter?, withPayload?, ef? }');
  const { limit, ef, withPayload } = options;
  if (!Number.isInteger(limit) || limit < 1) throw RecsysError.badRequest('options.limit', `must be a positive integer, got ${describe(limit)}`);
  if (ef !== undefined && (!Number.isInteger(ef) || ef < 1)) throw RecsysError.badRequest('options.ef', `must be a positive integer, got ${describe(ef)}`);
  if (withPayload !== undefined && typeof withPayload !== 'boolean') throw RecsysError.badRequest('options.withPayload', 'must be a boolean');
  return { vector: checked, limit, filter: validateFilter(options.filter), withPayload: withPayload ?? false, ef };
}

/** True when one payload value (or an element of an array value) equals `wanted` (type-strict). */
function valueMatches(value: VectorPayloadValue | undefined, wanted: ReadonlySet<string | number | boolean>): boolean {
  if (value === undefined) return false;
  if (Array.isArray(value)) return value.some((v) => wanted.has(v));
  return wanted.has(value as string | number | boolean);
}

/**
 * Compiles a validated filter into a payload predicate (each condition a Set lookup), with the semantics of
 * {@link VectorCondition}: type-strict, any element of an array value, a missing key matches nothing.
 */
export function compileFilter(filter: ValidFilter): (payload: VectorPayload | undefined) => boolean {
  const compile = (c: VectorCondition): { key: string; values: Set<string | number | boolean> } => ({
    key: c.key,
    values: new Set('equals' in c ? [c.equals] : c.anyOf),
  });
  const must = filter.must.map(compile);
  const mustNot = filter.mustNot.map(compile);
  return (payload) => {
    if (payload === undefined) return false;
    for (const c of must) if (!valueMatches(payload[c.key], c.values)) return false;
    for (const c of mustNot) if (valueMatches(payload[c.key], c.values)) return false;
    return true;
  };
}

function describe(value: unknown): string {
  if (value instanceof Float32Array) return `a Float32Array of ${value.length}`;
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined) return String(value);
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  return typeof value;
}
