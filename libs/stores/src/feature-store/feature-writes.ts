// Validation of FeatureStore writes, shared by every adapter so they reject the same inputs the same way.
import { RecsysError } from '@recsys/domain';
import type { FeatureMerge, FeatureWrite, MergeOperator, TransactWrite } from '../ports';

/**
 * Checks every write before any is applied: `key` a string, `value` a Uint8Array, `ttlMs` absent or a positive
 * finite number of milliseconds. Throws a `bad-request` RecsysError naming the first bad field (`writes[i].ttlMs`).
 * `what` names the list in the message (`writes`, or `compute result` for a transaction).
 */
export function validateWrites(writes: readonly FeatureWrite[], what = 'writes'): void {
  if (!Array.isArray(writes)) throw RecsysError.badRequest(what, 'must be an array of writes');
  writes.forEach((write, i) => checkWrite(write, i, what));
}

function checkWrite(write: FeatureWrite, i: number, what: string): void {
  if (typeof write?.key !== 'string') throw RecsysError.badRequest(`${what}[${i}].key`, 'must be a string');
  if (!(write.value instanceof Uint8Array)) throw RecsysError.badRequest(`${what}[${i}].value`, 'must be a Uint8Array');
  checkTtl(write.ttlMs, i, what);
}

function checkTtl(ttlMs: number | undefined, i: number, what: string): void {
  if (ttlMs !== undefined && !(ttlMs > 0 && Number.isFinite(ttlMs))) throw RecsysError.badRequest(`${what}[${i}].ttlMs`, 'must be a positive number of milliseconds');
}

/** True for a merge, false for a plain write. */
export function isMerge(write: TransactWrite): write is FeatureMerge {
  return (write as Partial<FeatureMerge>).delta !== undefined && (write as Partial<FeatureWrite>).value === undefined;
}

/**
 * Checks a transaction's result before any of it is applied: each entry a write (as {@link validateWrites}) or a
 * merge (`key`, `delta` a Uint8Array, `ttlMs` as a write's, `merged` a Uint8Array for a key read); merges only with an
 * operator, and a merged key neither
 * merged again nor written by the same transaction (plain writes of one key apply in order, as before).
 * Throws a `bad-request` RecsysError naming the first bad field.
 */
export function validateTransactWrites(writes: readonly TransactWrite[], operator: MergeOperator | undefined, keys: readonly string[], what = 'compute result'): void {
  if (!Array.isArray(writes)) throw RecsysError.badRequest(what, 'must be an array of writes');
  let merged: Set<string> | undefined;
  let readKeys: Set<string> | undefined;
  writes.forEach((write, i) => {
    if (write === null || typeof write !== 'object' || !isMerge(write)) return checkWrite(write as FeatureWrite, i, what);
    if (typeof write.key !== 'string') throw RecsysError.badRequest(`${what}[${i}].key`, 'must be a string');
    if (!(write.delta instanceof Uint8Array)) throw RecsysError.badRequest(`${what}[${i}].delta`, 'must be a Uint8Array');
    checkTtl(write.ttlMs, i, what);
    if (write.merged !== undefined) {
      if (!(write.merged instanceof Uint8Array)) throw RecsysError.badRequest(`${what}[${i}].merged`, 'must be a Uint8Array');
      readKeys ??= new Set(keys);
      if (!readKeys.has(write.key)) throw RecsysError.badRequest(`${what}[${i}].merged`, `is given, but ${JSON.stringify(write.key)} is not one of the keys read`);
    }
    if (operator === undefined) throw RecsysError.badRequest(`${what}[${i}]`, 'is a merge, but the transaction has no merge operator (options.merge)');
    merged ??= new Set();
    if (merged.has(write.key)) throw RecsysError.badRequest(`${what}[${i}].key`, `merges ${JSON.stringify(write.key)} a second time`);
    merged.add(write.key);
  });
  if (merged === undefined) return;
  writes.forEach((write, i) => {
    if (!isMerge(write) && merged!.has(write.key)) throw RecsysError.badRequest(`${what}[${i}].key`, `writes ${JSON.stringify(write.key)}, which the transaction also merges`);
  });
}
