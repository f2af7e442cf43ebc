// CRC-32 (IEEE 802.3, the zlib/PNG polynomial) over bytes, table-driven, so frames and snapshots can detect damage.

const TABLE: Uint32Array = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/**
 * The CRC-32 of `bytes[start, end)`, continuing from `previous` (the CRC of the bytes before, 0 to start).
 * `crc32(Buffer.from('123456789')) === 0xcbf43926`. O(n), one table lookup per byte.
 */
export function crc32(bytes: Uint8Array, previous = 0, start = 0, end = bytes.length): number {
  let c = (previous ^ 0xffffffff) >>> 0;
  for (let i = start; i < end; i++) c = TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
