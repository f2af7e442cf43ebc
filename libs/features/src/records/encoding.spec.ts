import { RecsysError } from '@recsys/domain';
import { FeatureEngine } from '../engine/feature-engine';
import { HOUR, event, item, user } from '../testing/fixtures';
import { RECORD_FORMAT_JSON_V1, decodeItemRecord, decodeUserRecord, encodeItemRecord, encodeUserRecord } from './encoding';
import type { ItemRecord, UserRecord } from './records';

function populated(): FeatureEngine {
  const engine = new FeatureEngine();
  engine.applyCatalogItem(item('pin-é', 'creator/1', ['t1', 'tôpic 2'], { aspectRatio: 2 / 3, createdAtMs: 1_700_000_000_123, quality: 0.1 + 0.2, embedding: [Math.fround(0.1), -1e-30, 123456.789] }));
  engine.applyUser(user('user-日本', { country: '', ageBucket: 'unknown', gender: 'other', signupAtMs: 1_600_000_000_000 }));
  engine.applyEvent(event('click', 'user-日本', 'pin-é', 1_700_000_000_000 + HOUR / 3));
  engine.applyEvent(event('dwell', 'user-日本', 'pin-é', 1_700_000_000_000 + HOUR, { dwellMs: 1 / 3 }));
  engine.applyEvent(event('hide', 'user-日本', 'pin-é', 1_700_000_000_000 + 2 * HOUR));
  return engine;
}

describe('record encoding', () => {
  it('round-trips a full user record exactly, bytes included', () => {
    const record = populated().userRecord('user-日本') as UserRecord;
    const bytes = encodeUserRecord(record);
    expect(bytes[0]).toBe(RECORD_FORMAT_JSON_V1);
    const decoded = decodeUserRecord(bytes);
    expect(decoded).toStrictEqual(record);
    expect(encodeUserRecord(decoded)).toEqual(bytes);
    expect(decoded.topics.map((t) => t.topic)).toEqual(['t1', 'tôpic 2']);
  });

  it('round-trips a full item record exactly, bytes included', () => {
    const record = populated().itemRecord('pin-é') as ItemRecord;
    expect(record.item?.quality).toBe(0.1 + 0.2);
    const decoded = decodeItemRecord(encodeItemRecord(record));
    expect(decoded).toStrictEqual(record);
    expect(encodeItemRecord(decoded)).toEqual(encodeItemRecord(record));
  });

  it('round-trips minimal records without inventing optional fields', () => {
    const u: UserRecord = { userId: 'u', recent: [], topics: [] };
    const i: ItemRecord = { itemId: 'i' };
    expect(decodeUserRecord(encodeUserRecord(u))).toStrictEqual(u);
    expect(decodeItemRecord(encodeItemRecord(i))).toStrictEqual(i);
    const withCreator: ItemRecord = { itemId: 'i', item: item('i', 'c', []), creator: { creatorId: 'c', items: 1 } };
    expect(decodeItemRecord(encodeItemRecord(withCreator))).toStrictEqual(withCreator);
  });

  it('refuses to encode non-finite numbers', () => {
    const bad: UserRecord = { userId: 'u', recent: [{ itemId: 'i', atMs: Number.NaN }], topics: [] };
    expect(() => encodeUserRecord(bad)).toThrow(RecsysError);
  });

  it('rejects corrupt bytes with an internal error naming the problem', () => {
    const expectCorrupt = (fn: () => unknown, text: string) => {
      try {
        fn();
        throw new Error('expected a failure');
      } catch (error) {
        expect(error).toBeInstanceOf(RecsysError);
        expect((error as RecsysError).category).toBe('internal');
        expect((error as RecsysError).message).toContain(text);
      }
    };
    const json = (value: unknown) => Uint8Array.from([RECORD_FORMAT_JSON_V1, ...new TextEncoder().encode(JSON.stringify(value))]);
    expectCorrupt(() => decodeUserRecord(new Uint8Array()), 'empty');
    expectCorrupt(() => decodeUserRecord(Uint8Array.from([9, 123, 125])), 'format byte 9');
    expectCorrupt(() => decodeUserRecord(Uint8Array.from([RECORD_FORMAT_JSON_V1, 123])), 'corrupt user record');
    expectCorrupt(() => decodeUserRecord(json({ userId: 'u', recent: [], topics: [{ topic: 't', counters: [1, 2], affinity: 0, affinityAtMs: 0 }] })), 'topics[0].counters has 2 counters');
    expectCorrupt(() => decodeUserRecord(json({ userId: 'u', user: { id: 'u', ageBucket: '12-17' }, recent: [], topics: [] })), 'user.ageBucket');
    expectCorrupt(() => decodeItemRecord(json({ itemId: 5 })), 'itemId is not a string');
    expectCorrupt(() => decodeItemRecord(json([1])), 'record is not an object');
  });
});
