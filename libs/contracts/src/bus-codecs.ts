// Event-bus payloads → domain types: what the services consuming the bus decode, in one place.
import { EngagementEvent, EngagementType } from './gen/recsys/events/v1/engagement_event';
import { CatalogEvent } from './gen/recsys/v1/catalog_event';
import { eventFromWire, itemFromWire, userFromWire } from './mappers';
import type { EngagementEvent as DomainEvent, Item, User } from '@recsys/domain';

/** A decoded catalog upsert with its acceptance time (ms since the Unix epoch; NaN when absent). */
export type CatalogUpsert = { kind: 'item'; item: Item; atMs: number } | { kind: 'user'; user: User; atMs: number };

/**
 * Decodes a `recsys.v1.CatalogEvent` payload. Throws on malformed bytes, a missing entity or an empty id, so the
 * consumer can log and skip the message.
 */
export function decodeCatalogUpsert(bytes: Uint8Array): CatalogUpsert {
  const message = CatalogEvent.decode(bytes);
  const atMs = message.timestampMs === '' ? NaN : Number(message.timestampMs);
  const entity = message.entity;
  if (entity?.$case === 'item') {
    if (entity.item.itemId === '') throw new Error('catalog item without item_id');
    return { kind: 'item', item: itemFromWire(entity.item), atMs };
  }
  if (entity?.$case === 'user') {
    if (entity.user.userId === '') throw new Error('catalog user without user_id');
    return { kind: 'user', user: userFromWire(entity.user), atMs };
  }
  throw new Error('catalog event without an entity');
}

/**
 * Decodes a `recsys.events.v1.EngagementEvent` payload. Throws on malformed bytes, an UNSPECIFIED type or a missing
 * event, user or item id, so the consumer can log and skip the message.
 */
export function decodeEngagement(bytes: Uint8Array): DomainEvent {
  const message = EngagementEvent.decode(bytes);
  if (message.type === EngagementType.ENGAGEMENT_TYPE_UNSPECIFIED) throw new Error(`event ${message.eventId}: type is UNSPECIFIED`);
  if (message.eventId === '' || message.userId === '' || message.itemId === '') throw new Error('event without event_id, user_id or item_id');
  const event = eventFromWire(message);
  if (!Number.isFinite(event.timestampMs)) throw new Error(`event ${message.eventId}: timestamp_ms is not a number`);
  return event;
}
