import { RecsysError } from '@recsys/domain';
import fc from 'fast-check';
import { COUNTER_COUNT } from '../definitions/event-updates';
import { WINDOWS } from '../definitions/windows';
import { FeatureEngine } from '../engine/feature-engine';
import { emptyBlock, type CounterBlock } from '../state/counter-block';
import { DAY, HOUR, MINUTE, T0, blockOf, event, item } from '../testing/fixtures';
import {
  RECORD_FORMAT_BINARY_V2,
  decodeCreatorRecord,
  decodeItemRecord,
  decodeUserRecord,
  encodeCreatorRecord,
  encodeItemRecord,
  encodeUserRecord,
  readEntityRecord,
} from './encoding';
import type { EntityRecord, UserRecord } from './records';

/** An engine whose records use every part of the layout: several slots per window, topics, recent items, unicode ids. */
function populated(): FeatureEngine {
  const engine = new FeatureEngine();
  engine.applyCatalogItem(item('pin-é', 'creator/1', ['t1', 'tôpic 2']));
  engine.applyCatalogItem(item('pin-😀', 'créateur', ['日本']));
  const u = 'user-日本';
  engine.applyEvent(event('click', u, 'pin-é', T0 - 3 * DAY + HOUR / 3));
  engine.applyEvent(event('impression', u, 'pin-é', T0 - 5 * HOUR));
  engine.applyEvent(event('dwell', u, 'pin-é', T0 - 20 * MINUTE, { dwellMs: 1 / 3 }));
  engine.applyEvent(event('save', u, 'pin-é', T0 - 7 * MINUTE));
  engine.applyEvent(event('hide', u, 'pin-é', T0));
  engine.applyEvent(event('impression', u, 'pin-😀', T0 + MINUTE)); // 日本 has no engagement: lastEngagedAtMs −∞
  engine.applyEvent(event('share', u, 'pin-ghost-ü', T0 + 2 * MINUTE)); // outside the catalog, still a recent item
  return engine;
}

/** Calls `fn` and returns the RecsysError it throws. */
function errorOf(fn: () => unknown): RecsysError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(RecsysError);
    return error as RecsysError;
  }
  throw new Error('expected a RecsysError');
}

function expectCorrupt(fn: () => unknown, kind: string, problem: string): void {
  const error = errorOf(fn);
  expect(error.category).toBe('internal');
  expect(error.message).toBe(`corrupt ${kind} record in the feature store: ${problem}`);
}

const hex = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');

const emptyUser = (): UserRecord => ({ counters: emptyBlock(), recent: [], topics: [] });

// Byte sizes of the layout: header 2; an all-zero counter row is its mask byte; a block is a row, the last
// engagement (f64) and one slot count per window.
const EMPTY_BLOCK_BYTES = 1 + 8 + WINDOWS.length;

describe('record encoding', () => {
  it('round-trips a full user record exactly, bytes included', () => {
    const record = populated().userRecord('user-日本') as UserRecord;
    // The fixture exercises every part of the layout.
    expect(record.counters.windows.map((slots) => slots.length)).toEqual([3, 3, 3]);
    expect(record.topics.map((t) => t.topic)).toEqual(['t1', 'tôpic 2', '日本']);
    expect(record.topics[2].counters.lastEngagedAtMs).toBe(Number.NEGATIVE_INFINITY);
    expect(record.recent.map((r) => r.itemId)).toEqual(['pin-ghost-ü', 'pin-é']);

    const bytes = encodeUserRecord(record);
    expect(Array.from(bytes.subarray(0, 2))).toEqual([RECORD_FORMAT_BINARY_V2, 1]);
    const decoded = decodeUserRecord(bytes);
    expect(decoded).toStrictEqual(record);
    expect(decoded.topics[1].counters.totals[6]).toBe(1 / 3);
    expect(encodeUserRecord(decoded)).toEqual(bytes);
  });

  it('round-trips full item and creator records exactly, bytes included', () => {
    const engine = populated();
    for (const [record, kind] of [
      [engine.itemRecord('pin-é'), 2],
      [engine.itemRecord('pin-ghost-ü'), 2],
    ] as const) {
      const bytes = encodeItemRecord(record as EntityRecord);
      expect(bytes[1]).toBe(kind);
      expect(decodeItemRecord(bytes)).toStrictEqual(record);
      expect(encodeItemRecord(decodeItemRecord(bytes))).toEqual(bytes);
    }
    const creator = engine.creatorRecord('creator/1') as EntityRecord;
    const bytes = encodeCreatorRecord(creator);
    expect(bytes[1]).toBe(3);
    expect(decodeCreatorRecord(bytes)).toStrictEqual(creator);
    expect(encodeCreatorRecord(decodeCreatorRecord(bytes))).toEqual(bytes);
  });

  it('round-trips empty records and −Infinity times', () => {
    expect(decodeUserRecord(encodeUserRecord(emptyUser()))).toStrictEqual(emptyUser());
    expect(decodeItemRecord(encodeItemRecord({ counters: emptyBlock() }))).toStrictEqual({ counters: emptyBlock() });
    const user: UserRecord = {
      counters: emptyBlock(),
      recent: [{ itemId: '', atMs: -0 }],
      topics: [{ topic: '', counters: emptyBlock(), affinity: 0, affinityAtMs: Number.NEGATIVE_INFINITY }],
    };
    const decoded = decodeUserRecord(encodeUserRecord(user));
    expect(decoded).toStrictEqual(user);
    expect(Object.is(decoded.recent[0].atMs, -0)).toBe(true);
  });

  it('packs the documented layout, little endian, with sparse counter rows', () => {
    expect(encodeUserRecord(emptyUser())).toHaveLength(2 + EMPTY_BLOCK_BYTES + 2 + 2);
    expect(encodeItemRecord({ counters: emptyBlock() })).toHaveLength(2 + EMPTY_BLOCK_BYTES);

    // One click: every row holds only the clicks counter (mask bit 1).
    const bytes = encodeItemRecord({ counters: blockOf([['click', T0]]) });
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    expect(Array.from(bytes.subarray(0, 3))).toEqual([RECORD_FORMAT_BINARY_V2, 2, 0b10]);
    expect(view.getFloat64(3, true)).toBe(1); // totals[clicks]
    expect(view.getFloat64(11, true)).toBe(T0); // last engagement
    let at = 19;
    for (const window of WINDOWS) {
      expect(bytes[at]).toBe(1); // one slot
      expect(view.getInt32(at + 1, true)).toBe(T0 / window.bucketMs);
      expect(bytes[at + 5]).toBe(0b10);
      expect(view.getFloat64(at + 6, true)).toBe(1);
      at += 1 + 4 + 1 + 8;
    }
    expect(at).toBe(bytes.length);

    // Only +0 is left out of a row: −0 and NaN are stored.
    const totals = new Float64Array(COUNTER_COUNT);
    totals[0] = -0;
    totals[6] = Number.NaN;
    totals[3] = 2.5;
    const signed = encodeItemRecord({ counters: { ...emptyBlock(), totals } });
    expect(signed[2]).toBe(0b100_1001);
    expect(signed).toHaveLength(2 + EMPTY_BLOCK_BYTES + 3 * 8);
    const decoded = decodeItemRecord(signed).counters.totals;
    expect(Object.is(decoded[0], -0)).toBe(true);
    expect(Array.from(decoded)).toEqual([-0, 0, 0, 2.5, 0, 0, Number.NaN]);

    const user = encodeUserRecord({ counters: emptyBlock(), recent: [{ itemId: 'é', atMs: 5 }], topics: [] });
    const u = new DataView(user.buffer, user.byteOffset, user.byteLength);
    const recentAt = 2 + EMPTY_BLOCK_BYTES;
    expect(u.getUint16(recentAt, true)).toBe(1);
    expect(u.getUint16(recentAt + 2, true)).toBe(2); // 'é' is 2 UTF-8 bytes
    expect(Array.from(user.subarray(recentAt + 4, recentAt + 6))).toEqual([0xc3, 0xa9]);
    expect(u.getFloat64(recentAt + 6, true)).toBe(5);
    expect(u.getUint16(recentAt + 14, true)).toBe(0); // no topics
    expect(user).toHaveLength(recentAt + 16);
  });

  it('decodes from a view into a larger buffer and copies what it reads', () => {
    const record = populated().userRecord('user-日本') as UserRecord;
    const bytes = encodeUserRecord(record);
    const pool = new Uint8Array(bytes.length + 13);
    pool.set(bytes, 5);
    const slice = pool.subarray(5, 5 + bytes.length);
    const decoded = decodeUserRecord(slice);
    expect(decoded).toStrictEqual(record);
    pool.fill(0);
    expect(decoded).toStrictEqual(record);
  });

  it('encodes strings up to 65535 UTF-8 bytes and refuses longer ones', () => {
    const longest: UserRecord = { ...emptyUser(), recent: [{ itemId: 'x'.repeat(65_535), atMs: 1 }] };
    expect(decodeUserRecord(encodeUserRecord(longest))).toStrictEqual(longest);
    for (const itemId of ['x'.repeat(65_536), 'é'.repeat(32_768)]) {
      const error = errorOf(() => encodeUserRecord({ ...emptyUser(), recent: [{ itemId, atMs: 1 }] }));
      expect(error.category).toBe('internal');
      expect(error.message).toContain('a string of 65536 bytes is over 65535');
    }
  });

  describe('corrupt bytes', () => {
    const user = () => encodeUserRecord(populated().userRecord('user-日本') as UserRecord);

    it('rejects input too short for the header', () => {
      expectCorrupt(() => decodeUserRecord(new Uint8Array()), 'user', '0 bytes is too short');
      expectCorrupt(() => decodeItemRecord(Uint8Array.of(RECORD_FORMAT_BINARY_V2)), 'item', '1 bytes is too short');
    });

    it('rejects an unknown format byte, the old JSON format included', () => {
      const bytes = user();
      bytes[0] = 1;
      expectCorrupt(() => decodeUserRecord(bytes), 'user', 'unknown format byte 1');
      expectCorrupt(() => decodeCreatorRecord(Uint8Array.of(9, 3)), 'creator', 'unknown format byte 9');
    });

    it('rejects a record of another kind', () => {
      const item = encodeItemRecord({ counters: emptyBlock() });
      const creator = encodeCreatorRecord({ counters: emptyBlock() });
      expectCorrupt(() => decodeItemRecord(user()), 'item', 'kind byte 1 is not 2 (item)');
      expectCorrupt(() => decodeCreatorRecord(item), 'creator', 'kind byte 2 is not 3 (creator)');
      expectCorrupt(() => decodeUserRecord(creator), 'user', 'kind byte 3 is not 1 (user)');
      expect(item.subarray(2)).toEqual(creator.subarray(2));
    });

    it('rejects every truncation of a record', () => {
      const bytes = user();
      const wrong: string[] = []; // one expect at the end: jest's per-call cost dominates a loop this long
      for (let n = 2; n < bytes.length; n++) {
        try {
          decodeUserRecord(bytes.subarray(0, n));
          wrong.push(`${n} bytes: decoded`);
        } catch (error) {
          const ok = error instanceof RecsysError && error.category === 'internal' && /^corrupt user record in the feature store: truncated at byte \d+ \(needs \d+ more of \d+\)$/.test(error.message);
          if (!ok) wrong.push(`${n} bytes: ${String(error)}`);
        }
      }
      expect(wrong).toEqual([]);
      const empty = encodeUserRecord(emptyUser());
      // The topic count is the last field: 2 bytes at 2 + block + 2.
      const topicsAt = 2 + EMPTY_BLOCK_BYTES + 2;
      expectCorrupt(() => decodeUserRecord(empty.subarray(0, topicsAt + 1)), 'user', `truncated at byte ${topicsAt} (needs 2 more of ${topicsAt + 1})`);
    });

    it('rejects a count larger than the entries present', () => {
      const bytes = encodeUserRecord(emptyUser());
      new DataView(bytes.buffer).setUint16(2 + EMPTY_BLOCK_BYTES, 1000, true); // recent count
      expect(errorOf(() => decodeUserRecord(bytes)).message).toContain('truncated at byte');
    });

    it('rejects trailing bytes', () => {
      const bytes = user();
      expectCorrupt(() => decodeUserRecord(Uint8Array.from([...bytes, 0])), 'user', '1 trailing bytes');
      const item = encodeItemRecord({ counters: emptyBlock() });
      expectCorrupt(() => decodeItemRecord(Uint8Array.from([...item, 1, 2, 3])), 'item', '3 trailing bytes');
      expectCorrupt(() => readEntityRecord('item', Uint8Array.from([...item, 1, 2, 3])), 'item', '3 trailing bytes');
    });

    it('readEntityRecord rejects up front what the full decode rejects, windows included', () => {
      const bytes = encodeItemRecord(populated().itemRecord('pin-é') as EntityRecord);
      const wrong: string[] = [];
      for (let n = 2; n < bytes.length; n++) {
        try {
          readEntityRecord('item', bytes.subarray(0, n));
          wrong.push(`${n} bytes: read`);
        } catch (error) {
          if (!(error instanceof RecsysError && /^corrupt item record in the feature store: truncated at byte/.test(error.message))) wrong.push(`${n} bytes: ${String(error)}`);
        }
      }
      expect(wrong).toEqual([]);
      expectCorrupt(() => readEntityRecord('creator', bytes), 'creator', 'kind byte 2 is not 3 (creator)');
    });

    it('rejects invalid UTF-8 in a string, naming where it starts', () => {
      const stringAt = 2 + EMPTY_BLOCK_BYTES + 2 + 2; // after the recent count and the string length
      const withBytes = (a: number, b: number) => {
        const bytes = encodeUserRecord({ ...emptyUser(), recent: [{ itemId: 'ab', atMs: 0 }] });
        bytes[stringAt] = a;
        bytes[stringAt + 1] = b;
        return bytes;
      };
      expect(decodeUserRecord(withBytes(0xc3, 0xa9)).recent[0].itemId).toBe('é');
      expectCorrupt(() => decodeUserRecord(withBytes(0xff, 0x61)), 'user', `invalid UTF-8 at byte ${stringAt}`);
      expectCorrupt(() => decodeUserRecord(withBytes(0x61, 0xc3)), 'user', `invalid UTF-8 at byte ${stringAt}`); // cut sequence
      expectCorrupt(() => decodeUserRecord(withBytes(0xc0, 0x80)), 'user', `invalid UTF-8 at byte ${stringAt}`); // overlong NUL
    });
  });

  describe('round-trip property', () => {
    const f64 = fc.double({ noNaN: true });
    // Plain objects, as the decoder builds them (fc.record defaults to null-prototype objects).
    const plain = { noNullPrototype: true } as const;
    const counts = fc.float64Array({ minLength: COUNTER_COUNT, maxLength: COUNTER_COUNT, noNaN: true });
    const slots = (buckets: number) =>
      fc.array(fc.record({ bucket: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), counts }, plain), { maxLength: buckets });
    const block: fc.Arbitrary<CounterBlock> = fc.record({
      totals: counts,
      lastEngagedAtMs: fc.oneof(fc.constant(Number.NEGATIVE_INFINITY), f64),
      windows: fc.tuple(...WINDOWS.map((w) => slots(w.buckets))).map((windows) => [...windows]),
    }, plain);
    const id = fc.string({ unit: 'binary', maxLength: 24 });
    const userRecord: fc.Arbitrary<UserRecord> = fc.record({
      counters: block,
      recent: fc.array(fc.record({ itemId: id, atMs: f64 }, plain), { maxLength: 50 }),
      topics: fc.array(fc.record({ topic: id, counters: block, affinity: f64, affinityAtMs: f64 }, plain), { maxLength: 3 }),
    }, plain);

    it('decode(encode(r)) equals r and encode(decode(b)) equals b, for user records', () => {
      fc.assert(
        fc.property(userRecord, (record) => {
          const bytes = encodeUserRecord(record);
          const decoded = decodeUserRecord(bytes);
          expect(decoded).toStrictEqual(record);
          expect(hex(encodeUserRecord(decoded))).toBe(hex(bytes)); // as hex: jest compares typed arrays slowly
        }),
      );
    });

    it('decode(encode(r)) equals r for item and creator records', () => {
      fc.assert(
        fc.property(block, (counters) => {
          expect(decodeItemRecord(encodeItemRecord({ counters }))).toStrictEqual({ counters });
          expect(decodeCreatorRecord(encodeCreatorRecord({ counters }))).toStrictEqual({ counters });
        }),
      );
    });

    it('readEntityRecord gives the values of the full decode, its windows decoded on first read', () => {
      fc.assert(
        fc.property(block, (counters) => {
          for (const kind of ['item', 'creator'] as const) {
            const bytes = kind === 'item' ? encodeItemRecord({ counters }) : encodeCreatorRecord({ counters });
            const read = readEntityRecord(kind, bytes).counters;
            expect(read.totals).toStrictEqual(counters.totals);
            expect(read.lastEngagedAtMs).toBe(counters.lastEngagedAtMs);
            expect(read.windows).toStrictEqual(counters.windows);
            expect(read.windows).toBe(read.windows); // decoded once
          }
        }),
      );
    });
  });
});
