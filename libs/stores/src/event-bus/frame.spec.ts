import { encodeFrame, readFrame, FRAME_HEADER_BYTES, FRAME_MAGIC } from './frame';

describe('event-bus frame', () => {
  const message = { key: 'user-7', value: new Uint8Array([9, 8, 7, 0, 255]), headers: { traceparent: 'tp', 'x-b': 'β' } };

  it('round-trips key, headers, timestamp and payload', () => {
    const frame = encodeFrame(message, 1_700_000_000_123.5);
    expect(frame[0]).toBe(FRAME_MAGIC);
    expect(frame.readUInt32BE(1)).toBe(frame.length - FRAME_HEADER_BYTES);
    const read = readFrame(frame, 0);
    expect(read).toEqual({
      kind: 'frame',
      length: frame.length,
      frame: { key: 'user-7', headers: { traceparent: 'tp', 'x-b': 'β' }, timestampMs: 1_700_000_000_123.5, value: new Uint8Array([9, 8, 7, 0, 255]) },
    });
  });

  it('reads a frame at an offset inside a larger buffer', () => {
    const a = encodeFrame({ key: 'a', value: new Uint8Array([1]) }, 1);
    const b = encodeFrame({ key: 'b', value: new Uint8Array([2, 3]) }, 2);
    const both = Buffer.concat([a, b]);
    const read = readFrame(both, a.length);
    expect(read.kind === 'frame' && read.frame.key).toBe('b');
    expect(read.kind === 'frame' && Array.from(read.frame.value)).toEqual([2, 3]);
  });

  it('gives a copy of the value by default and a view of the buffer when asked; empty headers decode to {}', () => {
    const frame = encodeFrame({ key: 'k', value: new Uint8Array([4, 5, 6]) }, 3);
    const copy = readFrame(frame, 0);
    const view = readFrame(frame, 0, true);
    frame[frame.length - 1] = 9;
    expect(copy.kind === 'frame' && Array.from(copy.frame.value)).toEqual([4, 5, 6]);
    expect(view.kind === 'frame' && Array.from(view.frame.value)).toEqual([4, 5, 9]);
    expect(view.kind === 'frame' && view.frame.headers).toEqual({});
  });

  it('reports every proper prefix as incomplete, with the bytes it needs', () => {
    const frame = encodeFrame(message, 5);
    for (let n = 0; n < frame.length; n++) {
      const read = readFrame(frame.subarray(0, n), 0);
      expect(read).toEqual({ kind: 'incomplete', needed: n < FRAME_HEADER_BYTES ? FRAME_HEADER_BYTES : frame.length });
    }
  });

  it('reports a flipped payload bit as damaged, keeping the frame length', () => {
    const frame = encodeFrame(message, 5);
    frame[frame.length - 1] ^= 0x01;
    const read = readFrame(frame, 0);
    expect(read.kind).toBe('damaged');
    expect(read.kind === 'damaged' && read.length).toBe(frame.length);
    expect(read.kind === 'damaged' && read.reason).toMatch(/crc mismatch/);
  });

  it('reports a wrong magic byte or an absurd length as a bad header', () => {
    const frame = encodeFrame(message, 5);
    const wrongMagic = Buffer.from(frame);
    wrongMagic[0] = 0x00;
    expect(readFrame(wrongMagic, 0)).toEqual({ kind: 'bad-header', reason: 'bad magic byte 0x0' });
    const hugeLength = Buffer.from(frame);
    hugeLength.writeUInt32BE(0xffffffff, 1);
    expect(readFrame(hugeLength, 0).kind).toBe('bad-header');
  });

  it('refuses to encode a body over the frame limit', () => {
    expect(() => encodeFrame({ key: 'k', value: new Uint8Array(64 * 1024 * 1024) }, 0)).toThrow(RangeError);
  });
});
