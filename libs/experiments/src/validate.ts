// Argument checks shared by design and analysis: each failure is a RecsysError bad request naming the field.
import { RecsysError } from '@recsys/domain';

/** Throws unless `value` is strictly between 0 and 1 (a significance level, a power, a rate). */
export function requireOpenUnit(field: string, value: number): void {
  if (!(value > 0 && value < 1)) throw RecsysError.badRequest(field, `must be strictly between 0 and 1, got ${value}`);
}

/** Throws unless `value` is a finite number greater than 0. */
export function requirePositive(field: string, value: number): void {
  if (!(value > 0) || !Number.isFinite(value)) throw RecsysError.badRequest(field, `must be a finite number > 0, got ${value}`);
}

/** Throws unless `value` is a finite number ≥ 0. */
export function requireNonNegative(field: string, value: number): void {
  if (!(value >= 0) || !Number.isFinite(value)) throw RecsysError.badRequest(field, `must be a finite number ≥ 0, got ${value}`);
}

/** Throws unless `value` is a finite number. */
export function requireFinite(field: string, value: number): void {
  if (!Number.isFinite(value)) throw RecsysError.badRequest(field, `must be a finite number, got ${value}`);
}

/**
 * Throws unless `values` holds at least `minLength` finite numbers; a bad entry is named with its index,
 * e.g. `treatment.values[17]`. O(n).
 */
export function requireValues(field: string, values: ArrayLike<number>, minLength: number): void {
  if (values.length < minLength) throw RecsysError.badRequest(field, `needs at least ${minLength} users, got ${values.length}`);
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) throw RecsysError.badRequest(`${field}[${i}]`, `must be a finite number, got ${values[i]}`);
  }
}

/** Throws unless `values` has exactly `length` entries (a per-user array parallel to another one). */
export function requireSameLength(field: string, values: ArrayLike<number>, length: number, other: string): void {
  if (values.length !== length) throw RecsysError.badRequest(field, `must have one entry per user of ${other} (${length}), got ${values.length}`);
}
