import { RecsysError } from '@recsys/domain';
import {
  DictionaryEncoder,
  columnBytes,
  dictionaryToWire,
  float32MatrixToWire,
  hasBit,
  newBitset,
  readBitset,
  readDictionary,
  readFloat32Matrix,
  readFloat64Column,
  readUint32Column,
  readUint8Column,
  setBit,
} from './columns';
import { Float32Matrix, RecallColumnsResponse } from './index';

describe('columns', () => {
  it('round-trips numeric columns through a message, values exact', () => {
    const scores = Float64Array.from([0.1, 1 / 3, -2.5e-300, 7]);
    const ends = Uint32Array.from([1, 3, 3, 4]);
    const bytes = RecallColumnsResponse.encode({
      itemIds: ['a', 'b', 'c', 'd'],
      recallScores: columnBytes(scores),
      channelNames: ['popular'],
      hitEnds: columnBytes(ends),
      hitChannels: Buffer.from([0, 0, 0, 0]),
      hitScores: columnBytes(new Float64Array(4)),
      degraded: [],
    }).finish();
    // Decode from an odd offset so the fields are not aligned: the readers must copy.
    const shifted = Buffer.alloc(bytes.length + 1);
    bytes.forEach((b, i) => (shifted[i + 1] = b));
    const decoded = RecallColumnsResponse.decode(shifted.subarray(1));
    expect(Array.from(readFloat64Column(decoded.recallScores, 4, 'recall_scores'))).toEqual(Array.from(scores));
    expect(Array.from(readUint32Column(decoded.hitEnds, 4, 'hit_ends'))).toEqual([1, 3, 3, 4]);
    expect(Array.from(readUint8Column(decoded.hitChannels, 4, 'hit_channels'))).toEqual([0, 0, 0, 0]);
  });

  it('writes only the first `length` entries and reads aligned bytes without copying', () => {
    const values = Float64Array.from([1, 2, 3]);
    const bytes = columnBytes(values, 2);
    expect(bytes.byteLength).toBe(16);
    const read = readFloat64Column(bytes, 2, 'x');
    values[0] = 9;
    expect(read[0]).toBe(9);
  });

  it('rejects a column of the wrong size, naming the field and blaming the sender', () => {
    const error = (() => {
      try {
        readFloat64Column(Buffer.alloc(12), 2, 'recall_scores');
      } catch (e) {
        return e as RecsysError;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(RecsysError);
    expect(error?.category).toBe('bad-request');
    expect(error?.field).toBe('recall_scores');
    expect(() => readUint32Column(Buffer.alloc(3), 1, 'rows', 'internal')).toThrow(expect.objectContaining({ category: 'internal' }));
  });

  it('round-trips a row-major float32 matrix and checks its shape', () => {
    const values = Float32Array.from([1, 2, 3, 4, 5, 6]);
    const wire = Float32Matrix.decode(Float32Matrix.encode(float32MatrixToWire(2, 3, values)).finish());
    expect(Array.from(readFloat32Matrix(wire, 2, 3, 'm').values)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(readFloat32Matrix(wire, undefined, 3, 'm').rows).toBe(2);
    expect(() => readFloat32Matrix(wire, 3, 3, 'm')).toThrow('m.rows: must be 3, got 2');
    expect(() => readFloat32Matrix(wire, 2, 2, 'm')).toThrow('m.columns: must be 2, got 3');
    expect(readFloat32Matrix(undefined, 0, 5, 'm')).toEqual({ rows: 0, values: new Float32Array(0) });
  });

  it('dictionary-encodes strings once each and rejects indexes past the values', () => {
    const rows = ['t1', 't2', 't1', '', 't2'];
    const wire = dictionaryToWire(rows.length, (r) => rows[r]);
    expect(wire.values).toEqual(['t1', 't2', '']);
    const read = readDictionary(wire, rows.length, 'topics');
    expect(Array.from(read.indexes, (i) => read.values[i])).toEqual(rows);
    const encoder = new DictionaryEncoder(4);
    encoder.push('x');
    expect(readDictionary(encoder.toWire(), 1, 'c').values).toEqual(['x']);
    expect(() => readDictionary({ values: ['a'], indexes: columnBytes(Uint32Array.from([1])) }, 1, 'topics')).toThrow('topics.indexes: row 0 points at value 1 of 1');
    expect(readDictionary(undefined, 0, 'topics')).toEqual({ values: [], indexes: new Uint32Array(0) });
  });

  it('sets and reads bits least significant first; an empty field is all clear', () => {
    const bits = newBitset(10);
    setBit(bits, 0);
    setBit(bits, 9);
    expect(Array.from(bits)).toEqual([0b1, 0b10]);
    expect([0, 1, 9].map((i) => hasBit(bits, i))).toEqual([true, false, true]);
    expect(readBitset(Buffer.alloc(0), 10, 'd')).toEqual(new Uint8Array(2));
    expect(() => readBitset(Buffer.alloc(1), 10, 'd')).toThrow('d: must hold 10 bits (2 bytes), got 1 bytes');
  });
});
