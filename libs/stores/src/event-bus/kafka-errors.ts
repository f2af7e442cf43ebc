// Reading kafkajs errors: the root cause, whether trying again can help, and a one-line description.
import { errorMessage } from '@recsys/domain';

/** The innermost `cause` of a kafkajs error (kafkajs wraps retried errors, e.g. in KafkaJSNumberOfRetriesExceeded). */
export function rootCause(error: unknown): unknown {
  let current = error;
  for (let depth = 0; depth < 10; depth++) {
    const cause = (current as { cause?: unknown } | null)?.cause;
    if (cause === undefined || cause === null || cause === current) break;
    current = cause;
  }
  return current;
}

/**
 * True when trying again can succeed: the root cause is a kafkajs error not marked `retriable: false` (broker down,
 * connection closed, leader moving, coordinator loading...). False for protocol errors Kafka calls permanent
 * (message too large, invalid record, authorisation) and for programming errors.
 */
export function isRetriable(error: unknown): boolean {
  const cause = rootCause(error) as { name?: unknown; retriable?: unknown; errors?: unknown } | null;
  if (cause === null || typeof cause !== 'object') return false;
  if (typeof cause.name !== 'string' || !cause.name.startsWith('KafkaJS')) return false;
  // KafkaJSAggregateError (e.g. from createTopics) carries one error per item and no flag of its own.
  if (Array.isArray(cause.errors) && cause.errors.length > 0) return cause.errors.every(isRetriable);
  return cause.retriable !== false;
}

/** `outer message (cause: root message)`, or just the message when it already says what the root cause says. */
export function describeKafkaError(error: unknown): string {
  const outer = errorMessage(error);
  const inner = errorMessage(rootCause(error));
  return outer.includes(inner) ? outer : `${outer} (cause: ${inner})`;
}
