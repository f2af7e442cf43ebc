// Validation of messages handed to EventBus.publish, shared by the adapters.
import { RecsysError } from '@recsys/domain';
import type { OutgoingMessage } from '../ports';

/**
 * Throws a bad-request RecsysError naming the first field at fault unless `messages` is an array of
 * `{ key: string, value: Uint8Array, headers?: Record<string, string> }`.
 */
export function assertOutgoingMessages(messages: readonly OutgoingMessage[]): void {
  if (!Array.isArray(messages)) throw RecsysError.badRequest('messages', 'must be an array');
  messages.forEach((message, i) => {
    if (typeof message?.key !== 'string') throw RecsysError.badRequest(`messages[${i}].key`, 'must be a string');
    if (!(message.value instanceof Uint8Array)) throw RecsysError.badRequest(`messages[${i}].value`, 'must be a Uint8Array');
    for (const [name, value] of Object.entries(message.headers ?? {})) {
      if (typeof value !== 'string') throw RecsysError.badRequest(`messages[${i}].headers.${name}`, 'must be a string');
    }
  });
}
