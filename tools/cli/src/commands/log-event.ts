/** `recsys log-event`: sends one engagement event through the public API. */
import { randomUUID } from 'node:crypto';
import { eventTypeToWire } from '@recsys/contracts';
import { EVENT_TYPES, type EventType } from '@recsys/domain';
import { orchestratorClient } from '../client';

/** Options of the log-event command. */
export interface LogEventOptions {
  addr: string;
  user: string;
  item: string;
  type: string;
  dwellMs?: number;
}

/** Sends the event; returns its id. Throws on an unknown type before calling the server. */
export async function logEvent(opts: LogEventOptions): Promise<string> {
  if (!EVENT_TYPES.includes(opts.type as EventType)) {
    throw new Error(`--type must be one of ${EVENT_TYPES.join(', ')} (got "${opts.type}")`);
  }
  const eventId = `cli_${randomUUID()}`;
  const client = orchestratorClient(opts.addr);
  try {
    await client.logEvents({
      events: [
        {
          eventId,
          userId: opts.user,
          itemId: opts.item,
          type: eventTypeToWire(opts.type as EventType),
          timestampMs: String(Date.now()),
          dwellMs: opts.type === 'dwell' ? (opts.dwellMs ?? 5000) : 0,
          requestId: '',
          position: 0,
          surface: 'home_feed',
          boardId: '',
        },
      ],
    });
    return eventId;
  } finally {
    client.close();
  }
}
