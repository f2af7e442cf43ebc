import { crc32, crc32Table } from './crc32';

describe('crc32', () => {
  it('matches the IEEE check value and known vectors', () => {
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
    expect(crc32(Buffer.alloc(0))).toBe(0);
    expect(crc32(Buffer.from('The quick brown fox jumps over the lazy dog'))).toBe(0x414fa339);
  });

  it('continues across pieces and honours start/end', () => {
    const all = Buffer.from('hello, world');
    expect(crc32(all.subarray(5), crc32(all.subarray(0, 5)))).toBe(crc32(all));
    expect(crc32(all, 0, 7, 12)).toBe(crc32(Buffer.from('world')));
  });
});

describe('crc32Table', () => {
  it('gives the same values as crc32 (zlib when Node has it), also continued and on ranges', () => {
    const bytes = Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 7919) % 251));
    expect(crc32Table(bytes)).toBe(crc32(bytes));
    expect(crc32Table(bytes, 0, 100, 2000)).toBe(crc32(bytes, 0, 100, 2000));
    expect(crc32Table(bytes, crc32(bytes.subarray(0, 10)), 10)).toBe(crc32(bytes));
    expect(crc32Table(Buffer.from('123456789'))).toBe(0xcbf43926);
  });
});
