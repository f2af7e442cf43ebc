// Validation of names that become file names (topics, groups, model names, versions), so no input escapes its directory.
import { RecsysError } from '@recsys/domain';

const SAFE = /^[A-Za-z0-9._-]+$/;

/**
 * Throws a bad-request RecsysError unless `value` is 1..249 of letters, digits, `.`, `-`, `_`
 * and is not `.` or `..` (the character set and length limit Kafka uses for topic names).
 */
export function assertSafeName(field: string, value: string): void {
  if (typeof value !== 'string' || !SAFE.test(value) || value.length > 249 || value === '.' || value === '..') {
    throw RecsysError.badRequest(field, `must be 1-249 letters, digits, '.', '-' or '_' (and not '.' or '..'), got ${JSON.stringify(value)}`);
  }
}
