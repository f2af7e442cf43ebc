// Dead letters: what a handler's returned DeadLetter[] becomes on the dead-letter topic, shared by every bus adapter.
import { RecsysError } from '@recsys/domain';
import type { DeadLetter, OutgoingMessage, SubscribeOptions } from '../ports';

/** Header holding the handler's reason for giving up on the message. */
export const DEAD_LETTER_REASON_HEADER = 'x-dead-letter-reason';
/** Header holding the topic the message was consumed from. */
export const DEAD_LETTER_TOPIC_HEADER = 'x-dead-letter-topic';
/** Header holding the partition the message was consumed from (decimal). */
export const DEAD_LETTER_PARTITION_HEADER = 'x-dead-letter-partition';
/** Header holding the offset the message had in that partition (decimal). */
export const DEAD_LETTER_OFFSET_HEADER = 'x-dead-letter-offset';

/** The dead-letter topic of a subscription: `deadLetterTopic`, or `${topic}.dlq` when absent. */
export function deadLetterTopicOf(options: Pick<SubscribeOptions, 'topic' | 'deadLetterTopic'>): string {
  return options.deadLetterTopic ?? `${options.topic}.dlq`;
}

/**
 * The dead letters a handler resolved with: `[]` for `undefined`; otherwise it must be an array of
 * `{ message, reason }` with a delivered message and a string reason.
 *
 * @throws RecsysError internal when the handler returned something else (treated like a handler failure).
 */
export function deadLettersOf(result: unknown): DeadLetter[] {
  if (result === undefined) return [];
  if (!Array.isArray(result)) throw new RecsysError('internal', `handler resolved with ${typeof result}; expected nothing or an array of dead letters`);
  result.forEach((letter: Partial<DeadLetter> | null, i) => {
    const message = letter?.message;
    if (typeof letter?.reason !== 'string' || typeof message?.key !== 'string' || !(message.value instanceof Uint8Array)) {
      throw new RecsysError('internal', `dead letter ${i} returned by the handler is not { message: DeliveredMessage, reason: string }`);
    }
  });
  return result as DeadLetter[];
}

/** The messages to publish for dead letters: original key, value and headers plus the `x-dead-letter-*` headers. */
export function deadLetterMessages(letters: readonly DeadLetter[]): OutgoingMessage[] {
  return letters.map(({ message, reason }) => ({
    key: message.key,
    value: message.value,
    headers: {
      ...message.headers,
      [DEAD_LETTER_REASON_HEADER]: reason,
      [DEAD_LETTER_TOPIC_HEADER]: message.topic,
      [DEAD_LETTER_PARTITION_HEADER]: String(message.partition),
      [DEAD_LETTER_OFFSET_HEADER]: String(message.offset),
    },
  }));
}
