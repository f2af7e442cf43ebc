import { hash53, hashString, mix32 } from './hash';

/** Reference FNV-1a 32 over the UTF-8 bytes produced by Node's encoder. */
function fnv1aBytes(s: string): number {
  let h = 0x811c9dc5;
  for (const byte of Buffer.from(s, 'utf8')) h = Math.imul(h ^ byte, 0x01000193);
  return h >>> 0;
}

describe('hashString (FNV-1a 32)', () => {
  it('matches the published test vectors', () => {
    expect(hashString('')).toBe(0x811c9dc5);
    expect(hashString('a')).toBe(0xe40c292c);
    expect(hashString('foobar')).toBe(0xbf9cf968);
  });

  it('hashes the UTF-8 bytes of non-ASCII text', () => {
    for (const s of ['é', 'ß-日本', '😀 pin', 'Ω:user-1', '\ud800x']) expect(hashString(s)).toBe(fnv1aBytes(s));
  });
});

describe('hash53', () => {
  it('returns safe integers, is deterministic and separates near strings', () => {
    const a = hash53('event-1');
    expect(Number.isSafeInteger(a)).toBe(true);
    expect(a).toBeGreaterThanOrEqual(0);
    expect(hash53('event-1')).toBe(a);
    expect(hash53('event-2')).not.toBe(a);
    expect(hash53('event-1', 1)).not.toBe(a);
  });

  it('has no collisions over 100,000 sequential ids', () => {
    const seen = new Set<number>();
    for (let i = 0; i < 100_000; i++) seen.add(hash53(`evt-${i}`));
    expect(seen.size).toBe(100_000);
  });
});

describe('mix32', () => {
  it('matches the MurmurHash3 finaliser on known inputs and is a bijection sample', () => {
    expect(mix32(0)).toBe(0);
    expect(mix32(1)).toBe(0x514e28b7);
    const outputs = new Set<number>();
    for (let i = 0; i < 10_000; i++) outputs.add(mix32(i));
    expect(outputs.size).toBe(10_000);
  });
});
