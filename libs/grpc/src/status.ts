// The one table between error categories and gRPC status codes, used by servers (throw → status) and clients (back).
import { status as Status } from '@grpc/grpc-js';
import type { ErrorCategory } from '@recsys/domain';

const CATEGORY_TO_STATUS: Record<ErrorCategory, Status> = {
  'bad-request': Status.INVALID_ARGUMENT,
  'not-found': Status.NOT_FOUND,
  deadline: Status.DEADLINE_EXCEEDED,
  unavailable: Status.UNAVAILABLE,
  internal: Status.INTERNAL,
};

/**
 * The gRPC status code of an error category: bad-request → INVALID_ARGUMENT, not-found → NOT_FOUND,
 * deadline → DEADLINE_EXCEEDED, unavailable → UNAVAILABLE, internal → INTERNAL.
 */
export function statusOf(category: ErrorCategory): Status {
  return CATEGORY_TO_STATUS[category];
}

/**
 * The error category of a gRPC status code: the inverse of {@link statusOf}, plus CANCELLED → `unavailable` (the
 * call was cut off, e.g. the server was forced down: another replica may answer). Every other code (UNKNOWN,
 * UNIMPLEMENTED, ...) is `internal`; OK has no category and also maps to `internal` (only failed calls are asked).
 */
export function categoryOf(code: Status): ErrorCategory {
  switch (code) {
    case Status.INVALID_ARGUMENT:
      return 'bad-request';
    case Status.NOT_FOUND:
      return 'not-found';
    case Status.DEADLINE_EXCEEDED:
      return 'deadline';
    case Status.UNAVAILABLE:
    case Status.CANCELLED:
      return 'unavailable';
    default:
      return 'internal';
  }
}

/** Trailer carrying the offending request field of a bad-request error, so the client's RecsysError keeps `field`. */
export const FIELD_TRAILER = 'recsys-error-field';
