// Validation of FeatureStore writes, shared by every adapter so they reject the same inputs the same way.
import { RecsysError } from '@recsys/domain';
import type { FeatureWrite } from '../ports';

/**
 * Checks every write before any is applied: `key` a string, `value` a Uint8Array, `ttlMs` absent or a positive
 * finite number of milliseconds. Throws a `bad-request` RecsysError naming the first bad field (`writes[i].ttlMs`).
 * `what` names the list in the message (`writes`, or `compute result` for a transaction).
 */
export function validateWrites(writes: readonly FeatureWrite[], what = 'writes'): void {
  if (!Array.isArray(writes)) throw RecsysError.badRequest(what, 'must be an array of writes');
  writes.forEach((write, i) => {
    if (typeof write?.key !== 'string') throw RecsysError.badRequest(`${what}[${i}].key`, 'must be a string');
    if (!(write.value instanceof Uint8Array)) throw RecsysError.badRequest(`${what}[${i}].value`, 'must be a Uint8Array');
    if (write.ttlMs !== undefined && !(write.ttlMs > 0 && Number.isFinite(write.ttlMs))) {
      throw RecsysError.badRequest(`${what}[${i}].ttlMs`, 'must be a positive number of milliseconds');
    }
  });
}
