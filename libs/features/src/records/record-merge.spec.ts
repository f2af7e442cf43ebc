import type { EventType } from '@recsys/domain';
import fc from 'fast-check';
import { countInto, emptyBlock, mergeBlock, type CounterBlock } from '../state/counter-block';
import { DAY, HOUR, MINUTE, T0 } from '../testing/fixtures';
import { decodeCreatorRecord, decodeItemRecord, encodeCreatorRecord, encodeItemRecord, encodeUserRecord } from './encoding';
import { ENTITY_RECORD_MERGE } from './record-merge';

type Ev = [EventType, number, number];
const TYPES: EventType[] = ['impression', 'click', 'save', 'share', 'hide', 'dwell'];
const evArb: fc.Arbitrary<Ev> = fc.tuple(fc.constantFrom(...TYPES), fc.integer({ min: -10 * DAY, max: 10 * DAY }), fc.integer({ min: 0, max: 3_600_000 }));

function blockOf(events: readonly Ev[]): CounterBlock {
  const block = emptyBlock();
  for (const [type, dt, dwellMs] of events) countInto(block, type, dwellMs, T0 + dt);
  return block;
}

describe('mergeBlock', () => {
  it('merging the blocks of two parts of the events equals counting all of them one by one, in either order', () => {
    fc.assert(
      fc.property(fc.array(evArb, { maxLength: 60 }), fc.array(evArb, { maxLength: 60 }), (a, b) => {
        const whole = encodeItemRecord({ counters: blockOf([...a, ...b]) });
        const ab = blockOf(a);
        mergeBlock(ab, blockOf(b));
        const ba = blockOf(b);
        mergeBlock(ba, blockOf(a));
        expect(encodeItemRecord({ counters: ab })).toEqual(whole);
        expect(encodeItemRecord({ counters: ba })).toEqual(whole);
      }),
      { numRuns: 300 },
    );
  });

  it('drops the buckets a newer delta pushes out of each window and leaves the delta untouched', () => {
    const stored = blockOf([['click', 0, 0], ['click', 30 * MINUTE, 0]]);
    const delta = blockOf([['save', 2 * HOUR, 0]]);
    const deltaBytes = encodeItemRecord({ counters: delta });
    mergeBlock(stored, delta);
    expect(stored.windows.map((slots) => slots.length)).toEqual([1, 2, 1]); // 1h: only the new bucket; 24h: hours 0 and 2
    expect(Array.from(stored.totals)).toEqual([0, 2, 1, 0, 0, 0, 0]);
    expect(stored.lastEngagedAtMs).toBe(T0 + 2 * HOUR);
    expect(encodeItemRecord({ counters: delta })).toEqual(deltaBytes);
  });
});

describe('ENTITY_RECORD_MERGE', () => {
  it('adds a delta into the stored item or creator record, keeping the kind', () => {
    const stored = encodeCreatorRecord({ counters: blockOf([['click', 0, 0]]) });
    const delta = encodeCreatorRecord({ counters: blockOf([['click', MINUTE, 0], ['dwell', MINUTE, 1500]]) });
    const { value, unreadable } = ENTITY_RECORD_MERGE.merge(stored, delta);
    expect(unreadable).toBe(false);
    expect(value).toEqual(encodeCreatorRecord({ counters: blockOf([['click', 0, 0], ['click', MINUTE, 0], ['dwell', MINUTE, 1500]]) }));
    expect(decodeCreatorRecord(value).counters.totals[6]).toBe(1500);
  });

  it('stores the delta for a missing key, and replaces (reporting it) a value it cannot read', () => {
    const delta = encodeItemRecord({ counters: blockOf([['save', 0, 0]]) });
    expect(ENTITY_RECORD_MERGE.merge(undefined, delta)).toEqual({ value: delta, unreadable: false });
    for (const bad of [new Uint8Array([2, 2, 0xff]), encodeCreatorRecord({ counters: blockOf([]) }), encodeUserRecord({ counters: emptyBlock(), recent: [], topics: [] })]) {
      expect(ENTITY_RECORD_MERGE.merge(bad, delta)).toEqual({ value: delta, unreadable: true });
    }
    expect(decodeItemRecord(ENTITY_RECORD_MERGE.merge(undefined, delta).value).counters.totals[2]).toBe(1);
  });

  it('refuses a delta that is not an item or creator record', () => {
    expect(() => ENTITY_RECORD_MERGE.merge(undefined, new Uint8Array([2, 1]))).toThrow(RangeError);
  });
});
