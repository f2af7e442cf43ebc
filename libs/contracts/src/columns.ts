/**
 * Codecs of the columnar batches of common.proto: packed little-endian arrays in `bytes` fields, row-major float32
 * matrices, dictionary-encoded string columns and bitsets. Writing a column wraps the typed array's memory (no copy);
 * reading one returns a typed array over the received bytes when they are aligned, else an aligned copy.
 */
import { RecsysError, type ErrorCategory } from '@recsys/domain';
import type { DictionaryColumn, Float32Matrix } from './gen/recsys/v1/common';

/** Whether this machine stores numbers little-endian, as the wire does (every platform Node supports today is). */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
if (!LITTLE_ENDIAN) throw new Error('@recsys/contracts columns need a little-endian machine');

/** Who gets the blame for a malformed column: the client that sent it (`bad-request`) or the server that answered it (`internal`). */
export type ColumnFault = Extract<ErrorCategory, 'bad-request' | 'internal'>;

function columnError(fault: ColumnFault, field: string, rule: string): RecsysError {
  return fault === 'bad-request' ? RecsysError.badRequest(field, rule) : new RecsysError('internal', `answer field ${field}: ${rule}`);
}

type TypedArray = Float64Array | Float32Array | Uint32Array | Uint8Array;

/** The bytes of a typed array (or of its first `length` entries), as a Buffer over the same memory. */
export function columnBytes(values: TypedArray, length: number = values.length): Buffer {
  return Buffer.from(values.buffer, values.byteOffset, length * values.BYTES_PER_ELEMENT);
}

function readColumn<T extends TypedArray>(
  make: { new (buffer: ArrayBufferLike, byteOffset: number, length: number): T; new (length: number): T; BYTES_PER_ELEMENT: number },
  bytes: Uint8Array,
  length: number,
  field: string,
  fault: ColumnFault,
): T {
  const size = make.BYTES_PER_ELEMENT;
  if (bytes.byteLength !== length * size) {
    throw columnError(fault, field, `must hold ${length} values of ${size} byte(s) (${length * size} bytes), got ${bytes.byteLength} bytes`);
  }
  if (bytes.byteOffset % size === 0) return new make(bytes.buffer, bytes.byteOffset, length);
  const copy = new make(length);
  new Uint8Array(copy.buffer).set(bytes);
  return copy;
}

/** A float64 column of `length` rows; throws a RecsysError of `fault` naming `field` when its size is wrong. */
export function readFloat64Column(bytes: Uint8Array, length: number, field: string, fault: ColumnFault = 'bad-request'): Float64Array {
  return readColumn(Float64Array, bytes, length, field, fault);
}

/** A float32 column of `length` rows (see {@link readFloat64Column}). */
export function readFloat32Column(bytes: Uint8Array, length: number, field: string, fault: ColumnFault = 'bad-request'): Float32Array {
  return readColumn(Float32Array, bytes, length, field, fault);
}

/** A uint32 column of `length` rows (see {@link readFloat64Column}). */
export function readUint32Column(bytes: Uint8Array, length: number, field: string, fault: ColumnFault = 'bad-request'): Uint32Array {
  return readColumn(Uint32Array, bytes, length, field, fault);
}

/** A uint8 column of `length` rows (see {@link readFloat64Column}). */
export function readUint8Column(bytes: Uint8Array, length: number, field: string, fault: ColumnFault = 'bad-request'): Uint8Array {
  return readColumn(Uint8Array, bytes, length, field, fault);
}

/** The wire form of a row-major `rows × columns` matrix (a view over `values`, which must hold at least that many). */
export function float32MatrixToWire(rows: number, columns: number, values: Float32Array): Float32Matrix {
  return { rows, columns, values: columnBytes(values, rows * columns) };
}

/**
 * The values of a wire matrix that must be `rows × columns` (`rows` undefined: any number of rows), row-major.
 * A missing matrix is an empty one. Throws a RecsysError of `fault` naming `field` on a shape mismatch.
 */
export function readFloat32Matrix(
  matrix: Float32Matrix | undefined,
  rows: number | undefined,
  columns: number,
  field: string,
  fault: ColumnFault = 'bad-request',
): { rows: number; values: Float32Array } {
  const m = matrix ?? { rows: 0, columns, values: Buffer.alloc(0) };
  if (rows !== undefined && m.rows !== rows) throw columnError(fault, `${field}.rows`, `must be ${rows}, got ${m.rows}`);
  if (m.columns !== columns && m.rows > 0) throw columnError(fault, `${field}.columns`, `must be ${columns}, got ${m.columns}`);
  return { rows: m.rows, values: readFloat32Column(m.values, m.rows * columns, `${field}.values`, fault) };
}

/** Builds a dictionary-encoded column row by row. */
export class DictionaryEncoder {
  private readonly index = new Map<string, number>();
  private readonly values: string[] = [];
  private readonly indexes: Uint32Array;
  private rows = 0;

  constructor(capacity: number) {
    this.indexes = new Uint32Array(capacity);
  }

  /** Appends a row holding `value`. */
  push(value: string): void {
    let at = this.index.get(value);
    if (at === undefined) {
      at = this.values.length;
      this.values.push(value);
      this.index.set(value, at);
    }
    this.indexes[this.rows++] = at;
  }

  /** The column of the rows pushed so far. */
  toWire(): DictionaryColumn {
    return { values: this.values, indexes: columnBytes(this.indexes, this.rows) };
  }
}

/** A decoded dictionary column: row r holds `values[indexes[r]]`. */
export interface Dictionary {
  values: readonly string[];
  indexes: Uint32Array;
}

/** Encodes `rows` strings (row r is `valueOf(r)`) as a dictionary column. */
export function dictionaryToWire(rows: number, valueOf: (row: number) => string): DictionaryColumn {
  const encoder = new DictionaryEncoder(rows);
  for (let r = 0; r < rows; r++) encoder.push(valueOf(r));
  return encoder.toWire();
}

/**
 * A dictionary column of `rows` rows; a missing column with 0 rows is empty. Throws a RecsysError of `fault` naming
 * `field` when the index column has the wrong size or points past the values.
 */
export function readDictionary(column: DictionaryColumn | undefined, rows: number, field: string, fault: ColumnFault = 'bad-request'): Dictionary {
  const values = column?.values ?? [];
  const indexes = readUint32Column(column?.indexes ?? Buffer.alloc(0), rows, `${field}.indexes`, fault);
  for (let r = 0; r < rows; r++) {
    if (indexes[r] >= values.length) throw columnError(fault, `${field}.indexes`, `row ${r} points at value ${indexes[r]} of ${values.length}`);
  }
  return { values, indexes };
}

/** A zeroed bitset of `bits` bits (least significant bit of each byte first). */
export function newBitset(bits: number): Uint8Array {
  return new Uint8Array((bits + 7) >> 3);
}

/** Sets bit `i` of a bitset. */
export function setBit(bits: Uint8Array, i: number): void {
  bits[i >> 3] |= 1 << (i & 7);
}

/** Whether bit `i` of a bitset is set. */
export function hasBit(bits: Uint8Array, i: number): boolean {
  return (bits[i >> 3] & (1 << (i & 7))) !== 0;
}

/** A bitset of `bits` bits from the wire (an empty field means all clear); throws a RecsysError of `fault` naming `field` on a wrong size. */
export function readBitset(bytes: Uint8Array, bits: number, field: string, fault: ColumnFault = 'bad-request'): Uint8Array {
  if (bytes.byteLength === 0) return newBitset(bits);
  const size = (bits + 7) >> 3;
  if (bytes.byteLength !== size) throw columnError(fault, field, `must hold ${bits} bits (${size} bytes), got ${bytes.byteLength} bytes`);
  return bytes;
}
