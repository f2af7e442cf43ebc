/** Small field rules shared by the request validators; each throws INVALID_ARGUMENT naming the field. */
import { RecsysError } from '@recsys/domain';

/** Longest id accepted (user, item, creator, event, board ids). */
export const MAX_ID_LENGTH = 128;

/** A required id: non-empty, at most MAX_ID_LENGTH characters, no control characters. */
export function requireId(field: string, value: string): void {
  if (value.length === 0) throw RecsysError.badRequest(field, 'must not be empty');
  optionalString(field, value, MAX_ID_LENGTH);
}

/** An optional string of at most `max` characters without control characters. */
export function optionalString(field: string, value: string, max: number): void {
  if (value.length > max) throw RecsysError.badRequest(field, `must be at most ${max} characters (got ${value.length})`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(value)) throw RecsysError.badRequest(field, 'must not contain control characters');
}

/** A list with a bounded number of entries. */
export function requireCount(field: string, count: number, min: number, max: number): void {
  if (count < min || count > max) {
    throw RecsysError.badRequest(field, count < min ? `needs at least ${min} entr${min === 1 ? 'y' : 'ies'}` : `accepts at most ${max} entries (got ${count})`);
  }
}

/** A finite number within [min, max]. */
export function requireRange(field: string, value: number, min: number, max: number): void {
  if (!Number.isFinite(value) || value < min || value > max) {
    throw RecsysError.badRequest(field, `must be a number between ${min} and ${max} (got ${value})`);
  }
}

/** An int64 millisecond timestamp carried as a decimal string; returns it as a number. */
export function requireTimestamp(field: string, value: string, opts: { nowMs: number; maxFutureMs: number; maxAgeMs: number }): number {
  if (!/^\d{1,16}$/.test(value)) throw RecsysError.badRequest(field, 'must be milliseconds since the Unix epoch');
  const ms = Number(value);
  if (ms > opts.nowMs + opts.maxFutureMs) throw RecsysError.badRequest(field, `is ${Math.round((ms - opts.nowMs) / 1000)} s in the future`);
  if (ms < opts.nowMs - opts.maxAgeMs) throw RecsysError.badRequest(field, `is more than ${Math.round(opts.maxAgeMs / 86_400_000)} days in the past`);
  return ms;
}

/** Empty, or an ISO 3166-1 alpha-2 country code. */
export function optionalCountry(field: string, value: string): void {
  if (value !== '' && !/^[A-Za-z]{2}$/.test(value)) throw RecsysError.badRequest(field, 'must be empty or a two-letter country code');
}
