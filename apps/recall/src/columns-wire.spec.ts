// The hand-written RecallColumnsResponse encoder against the generated one: identical bytes, including UTF-8 ids.
import { RecallColumnsResponse, columnBytes } from '@recsys/contracts';
import fc from 'fast-check';
import { encodeRecallColumnsResponse } from './columns-wire';

describe('encodeRecallColumnsResponse', () => {
  it('writes what the generated encoder writes', () => {
    const message: RecallColumnsResponse = {
      itemIds: ['pin_000001', 'épinglé', '', 'x'.repeat(300), '图钉'],
      recallScores: columnBytes(Float64Array.from([1, 0.5, 0.25, 0, 2])),
      channelNames: ['popular', 'fresh'],
      hitEnds: columnBytes(Uint32Array.from([1, 2, 2, 3, 5])),
      hitChannels: columnBytes(Uint8Array.from([0, 1, 0, 0, 1])),
      hitScores: columnBytes(Float64Array.from([1, 0.5, 0.25, 0.1, 2])),
      degraded: [{ stage: 'recall.graph', reason: 'timeout', fallback: 'other channels' }],
    };
    const bytes = encodeRecallColumnsResponse(message);
    expect(Buffer.compare(bytes, Buffer.from(RecallColumnsResponse.encode(message).finish()))).toBe(0);
    expect(RecallColumnsResponse.decode(bytes)).toEqual(message);
  });

  it('agrees with the generated encoder on random answers, empty fields included', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'grapheme', maxLength: 20 }), { maxLength: 40 }), fc.uint8Array({ maxLength: 200 }), fc.boolean(), (ids, raw, withDegraded) => {
        const message: RecallColumnsResponse = {
          itemIds: ids,
          recallScores: Buffer.from(raw),
          channelNames: ids.slice(0, 3),
          hitEnds: Buffer.alloc(0),
          hitChannels: Buffer.from(raw.subarray(0, 7)),
          hitScores: Buffer.alloc(0),
          degraded: withDegraded ? [{ stage: 's', reason: '', fallback: 'f' }] : [],
        };
        expect(Buffer.compare(encodeRecallColumnsResponse(message), Buffer.from(RecallColumnsResponse.encode(message).finish()))).toBe(0);
      }),
    );
  });
});
