// Feature-store bytes for user and item records: a format byte, then UTF-8 JSON (exact round trip).

import { AGE_BUCKETS, GENDERS, RecsysError, type Item, type User } from '@recsys/domain';
import { COUNTER_COUNT } from '../definitions/event-updates';
import type { CounterValues, CreatorRecord, ItemRecord, RecentItem, UserRecord, UserTopicRecord } from './records';

/**
 * Format byte of the current encoding: UTF-8 JSON. JSON prints every finite double in its shortest
 * round-trip form, so decode(encode(r)) equals r exactly. A packed binary layout (fixed counter blocks as
 * float64, varint-prefixed strings) comes with the Redis adapter under a new format byte; the byte lets
 * both layouts coexist in one store during a migration.
 */
export const RECORD_FORMAT_JSON_V1 = 1;

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

function encode(kind: string, record: unknown): Uint8Array {
  const json = JSON.stringify(record, (key, value) => {
    if (typeof value === 'number' && !Number.isFinite(value)) {
      throw new RecsysError('internal', `cannot encode ${kind} record: field "${key}" is ${value}`);
    }
    return value;
  });
  const body = encoder.encode(json);
  const bytes = new Uint8Array(body.length + 1);
  bytes[0] = RECORD_FORMAT_JSON_V1;
  bytes.set(body, 1);
  return bytes;
}

function decode(kind: string, bytes: Uint8Array): unknown {
  if (bytes.length === 0) throw corrupt(kind, 'empty value');
  if (bytes[0] !== RECORD_FORMAT_JSON_V1) throw corrupt(kind, `unknown format byte ${bytes[0]}`);
  try {
    return JSON.parse(decoder.decode(bytes.subarray(1)));
  } catch (error) {
    throw corrupt(kind, error instanceof Error ? error.message : String(error));
  }
}

function corrupt(kind: string, why: string): RecsysError {
  return new RecsysError('internal', `corrupt ${kind} record in the feature store: ${why}`);
}

/** Validates decoded JSON field by field, naming the first path that does not match. */
class Reader {
  constructor(private readonly kind: string) {}

  object(value: unknown, path: string): Record<string, unknown> {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw corrupt(this.kind, `${path} is not an object`);
    return value as Record<string, unknown>;
  }

  string(value: unknown, path: string): string {
    if (typeof value !== 'string') throw corrupt(this.kind, `${path} is not a string`);
    return value;
  }

  number(value: unknown, path: string): number {
    if (typeof value !== 'number' || !Number.isFinite(value)) throw corrupt(this.kind, `${path} is not a finite number`);
    return value;
  }

  boolean(value: unknown, path: string): boolean {
    if (typeof value !== 'boolean') throw corrupt(this.kind, `${path} is not a boolean`);
    return value;
  }

  array<T>(value: unknown, path: string, each: (v: unknown, p: string) => T): T[] {
    if (!Array.isArray(value)) throw corrupt(this.kind, `${path} is not an array`);
    return value.map((v, i) => each(v, `${path}[${i}]`));
  }

  oneOf<T extends string>(value: unknown, path: string, allowed: readonly T[]): T {
    const s = this.string(value, path);
    if (!(allowed as readonly string[]).includes(s)) throw corrupt(this.kind, `${path} is not one of ${allowed.join(', ')}`);
    return s as T;
  }

  counters(value: unknown, path: string): CounterValues {
    const values = this.array(value, path, (v, p) => this.number(v, p));
    if (values.length !== COUNTER_COUNT) throw corrupt(this.kind, `${path} has ${values.length} counters, expected ${COUNTER_COUNT}`);
    return values;
  }

  user(value: unknown, path: string): User {
    const o = this.object(value, path);
    return {
      id: this.string(o.id, `${path}.id`),
      ageBucket: this.oneOf(o.ageBucket, `${path}.ageBucket`, AGE_BUCKETS),
      gender: this.oneOf(o.gender, `${path}.gender`, GENDERS),
      country: this.string(o.country, `${path}.country`),
      signupAtMs: this.number(o.signupAtMs, `${path}.signupAtMs`),
    };
  }

  item(value: unknown, path: string): Item {
    const o = this.object(value, path);
    return {
      id: this.string(o.id, `${path}.id`),
      creatorId: this.string(o.creatorId, `${path}.creatorId`),
      topics: this.array(o.topics, `${path}.topics`, (v, p) => this.string(v, p)),
      aspectRatio: this.number(o.aspectRatio, `${path}.aspectRatio`),
      createdAtMs: this.number(o.createdAtMs, `${path}.createdAtMs`),
      quality: this.number(o.quality, `${path}.quality`),
      embedding: this.array(o.embedding, `${path}.embedding`, (v, p) => this.number(v, p)),
      unsafe: this.boolean(o.unsafe, `${path}.unsafe`),
    };
  }
}

/** Encodes a user record to feature-store bytes. Throws `internal` on a non-finite number. */
export function encodeUserRecord(record: UserRecord): Uint8Array {
  return encode('user', record);
}

/** Decodes feature-store bytes to a user record; throws an `internal` RecsysError naming the bad field. */
export function decodeUserRecord(bytes: Uint8Array): UserRecord {
  const r = new Reader('user');
  const o = r.object(decode('user', bytes), 'record');
  const userId = r.string(o.userId, 'userId');
  const user = o.user === undefined ? undefined : r.user(o.user, 'user');
  const counters = o.counters === undefined ? undefined : r.counters(o.counters, 'counters');
  const recent = r.array(o.recent, 'recent', (v, p): RecentItem => {
    const e = r.object(v, p);
    return { itemId: r.string(e.itemId, `${p}.itemId`), atMs: r.number(e.atMs, `${p}.atMs`) };
  });
  const topics = r.array(o.topics, 'topics', (v, p): UserTopicRecord => {
    const t = r.object(v, p);
    return {
      topic: r.string(t.topic, `${p}.topic`),
      counters: r.counters(t.counters, `${p}.counters`),
      affinity: r.number(t.affinity, `${p}.affinity`),
      affinityAtMs: r.number(t.affinityAtMs, `${p}.affinityAtMs`),
    };
  });
  // Keys in the order the engine writes them, so re-encoding a decoded record gives the same bytes.
  return { userId, ...(user && { user }), ...(counters && { counters }), recent, topics };
}

/** Encodes an item record to feature-store bytes. Throws `internal` on a non-finite number. */
export function encodeItemRecord(record: ItemRecord): Uint8Array {
  return encode('item', record);
}

/** Decodes feature-store bytes to an item record; throws an `internal` RecsysError naming the bad field. */
export function decodeItemRecord(bytes: Uint8Array): ItemRecord {
  const r = new Reader('item');
  const o = r.object(decode('item', bytes), 'record');
  const itemId = r.string(o.itemId, 'itemId');
  const item = o.item === undefined ? undefined : r.item(o.item, 'item');
  const counters = o.counters === undefined ? undefined : r.counters(o.counters, 'counters');
  let creator: CreatorRecord | undefined;
  if (o.creator !== undefined) {
    const c = r.object(o.creator, 'creator');
    const creatorId = r.string(c.creatorId, 'creator.creatorId');
    const creatorCounters = c.counters === undefined ? undefined : r.counters(c.counters, 'creator.counters');
    creator = { creatorId, ...(creatorCounters && { counters: creatorCounters }), items: r.number(c.items, 'creator.items') };
  }
  return { itemId, ...(item && { item }), ...(counters && { counters }), ...(creator && { creator }) };
}
