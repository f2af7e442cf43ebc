/**
 * The one error type of the system. Every failure a user can act on is a RecsysError with a category;
 * `@recsys/grpc` maps categories to gRPC status codes in one table and clients map them back.
 */

/** What kind of failure happened; decides the gRPC status code and whether a retry can help. */
export type ErrorCategory = 'bad-request' | 'not-found' | 'deadline' | 'unavailable' | 'internal';

/** A failure with a category and a message a user can act on. */
export class RecsysError extends Error {
  /** The failure category. */
  readonly category: ErrorCategory;
  /** For bad requests: the request field at fault, e.g. `page_size` or `events[3].user_id`. */
  readonly field?: string;

  constructor(category: ErrorCategory, message: string, options: { field?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'RecsysError';
    this.category = category;
    this.field = options.field;
  }

  /** A bad-request error naming the field and the rule it breaks: `"<field>: <rule>"`. */
  static badRequest(field: string, rule: string): RecsysError {
    return new RecsysError('bad-request', `${field}: ${rule}`, { field });
  }
}

/** The message of any thrown value. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

/** The category of any thrown value: a RecsysError's own, `internal` for anything else. */
export function errorCategory(error: unknown): ErrorCategory {
  return error instanceof RecsysError ? error.category : 'internal';
}
