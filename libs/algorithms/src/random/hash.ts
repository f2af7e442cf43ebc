// String hashes: FNV-1a 32-bit (stable across languages, for bucketing) and a 53-bit hash (for compact id sets).

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/**
 * FNV-1a, 32-bit, over the UTF-8 bytes of `s` (so it matches reference implementations in other
 * languages for any Unicode input). Returns an unsigned integer in [0, 2^32). O(length of s).
 */
export function hashString(s: string): number {
  let h = FNV_OFFSET;
  for (let i = 0; i < s.length; i++) {
    let cp = s.codePointAt(i) as number;
    if (cp > 0xffff) i++; // a surrogate pair: one code point, two UTF-16 units
    if (cp >= 0xd800 && cp <= 0xdfff) cp = 0xfffd; // lone surrogate: hashed as U+FFFD, like TextEncoder does
    if (cp < 0x80) {
      h = Math.imul(h ^ cp, FNV_PRIME);
    } else if (cp < 0x800) {
      h = Math.imul(h ^ (0xc0 | (cp >> 6)), FNV_PRIME);
      h = Math.imul(h ^ (0x80 | (cp & 0x3f)), FNV_PRIME);
    } else if (cp < 0x10000) {
      h = Math.imul(h ^ (0xe0 | (cp >> 12)), FNV_PRIME);
      h = Math.imul(h ^ (0x80 | ((cp >> 6) & 0x3f)), FNV_PRIME);
      h = Math.imul(h ^ (0x80 | (cp & 0x3f)), FNV_PRIME);
    } else {
      h = Math.imul(h ^ (0xf0 | (cp >> 18)), FNV_PRIME);
      h = Math.imul(h ^ (0x80 | ((cp >> 12) & 0x3f)), FNV_PRIME);
      h = Math.imul(h ^ (0x80 | ((cp >> 6) & 0x3f)), FNV_PRIME);
      h = Math.imul(h ^ (0x80 | (cp & 0x3f)), FNV_PRIME);
    }
  }
  return h >>> 0;
}

/**
 * A 53-bit non-cryptographic hash of the UTF-16 code units of `s` (the cyrb53 construction: two
 * multiplicative 32-bit lanes, cross-mixed). The result is a safe integer in [0, 2^53), so it can be
 * stored in a `Set<number>` instead of the string. For n distinct strings the chance of any collision
 * is about n² / 2^54 (≈ 6e-5 for a million strings). Only for in-process use: not stable across languages.
 */
export function hash53(s: string, seed = 0): number {
  let h1 = 0xdeadbeef ^ seed;
  let h2 = 0x41c6ce57 ^ seed;
  for (let i = 0; i < s.length; i++) {
    const ch = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
  h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
  h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

/**
 * The MurmurHash3 32-bit finaliser (fmix32): a bijection on 32-bit integers in which every output bit
 * depends on every input bit. Used after FNV-1a where low bits are taken (`mod` a small or even number):
 * FNV-1a's lowest bit is only the parity of the input bytes' lowest bits, so keys differing in one
 * character would otherwise land in buckets correlated with each other.
 */
export function mix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
