// CRC-32 (IEEE 802.3, the zlib/PNG polynomial) over bytes, so frames and snapshots can detect damage.
import * as zlib from 'node:zlib';

/** zlib's CRC-32 (Node ≥ 20.15, 22.2): native, several GB/s. */
const native = (zlib as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;

const TABLE: Uint32Array = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** The table-driven CRC-32, one lookup per byte: the same values as zlib's, for Node versions without it. */
export function crc32Table(bytes: Uint8Array, previous = 0, start = 0, end = bytes.length): number {
  let c = (previous ^ 0xffffffff) >>> 0;
  for (let i = start; i < end; i++) c = TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/**
 * The CRC-32 of `bytes[start, end)`, continuing from `previous` (the CRC of the bytes before, 0 to start).
 * `crc32(Buffer.from('123456789')) === 0xcbf43926`. O(n): zlib's native CRC when Node has it, else {@link crc32Table}.
 */
export function crc32(bytes: Uint8Array, previous = 0, start = 0, end = bytes.length): number {
  if (native === undefined) return crc32Table(bytes, previous, start, end);
  return native(start === 0 && end === bytes.length ? bytes : bytes.subarray(start, end), previous) >>> 0;
}
