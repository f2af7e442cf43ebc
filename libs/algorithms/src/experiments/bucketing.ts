// Experiment assignment: a user's bucket in a layer is a stable hash of the layer and the user id.

import { hashString, mix32 } from '../random/hash';

/**
 * The bucket of `userId` in experiment layer `layer`: `fmix32(FNV-1a-32("<layer>:<userId>")) mod buckets`
 * (UTF-8 bytes, unsigned 32-bit arithmetic), an integer in [0, buckets).
 *
 * Stable across processes, restarts and languages. The MurmurHash3 finaliser after FNV-1a is required:
 * plain FNV-1a's low bits are linear in the input's low bits, so with an even bucket count the buckets of
 * one user in layers "a" and "b" would be perfectly correlated (mod 2 they always differ). With the
 * finaliser, layers are independent, so arms of different layers cross rather than align.
 * `buckets` must be a positive integer.
 */
export function bucketOf(userId: string, layer: string, buckets: number): number {
  if (!Number.isInteger(buckets) || buckets <= 0) throw new RangeError(`buckets must be a positive integer, got ${buckets}`);
  return mix32(hashString(`${layer}:${userId}`)) % buckets;
}
