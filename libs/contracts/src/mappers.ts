/**
 * Conversions between wire messages and domain types. They convert, they do not validate: services validate
 * requests before mapping (see the orchestrator's validators).
 */
import {
  AGE_BUCKETS,
  EVENT_TYPES,
  GENDERS,
  type AgeBucket as DomainAgeBucket,
  type EngagementEvent as DomainEvent,
  type EventType,
  type Gender as DomainGender,
  type Item,
  type Surface as DomainSurface,
  type User,
} from '@recsys/domain';
import { EngagementType, type EngagementEvent } from './gen/recsys/events/v1/engagement_event';
import { AgeBucket, Gender, Surface, type ItemAttributes, type UserAttributes } from './gen/recsys/v1/common';

/** Wire engagement type → domain event type; undefined for UNSPECIFIED or unknown values. */
export function eventTypeFromWire(type: EngagementType): EventType | undefined {
  return type >= 1 && type <= EVENT_TYPES.length ? EVENT_TYPES[type - 1] : undefined;
}

/** Domain event type → wire engagement type. */
export function eventTypeToWire(type: EventType): EngagementType {
  return (EVENT_TYPES.indexOf(type) + 1) as EngagementType;
}

/** Wire surface → domain surface; undefined for UNSPECIFIED or unknown values. */
export function surfaceFromWire(surface: Surface): DomainSurface | undefined {
  if (surface === Surface.SURFACE_HOME_FEED) return 'home_feed';
  if (surface === Surface.SURFACE_RELATED_PINS) return 'related_pins';
  return undefined;
}

/** Domain surface → wire surface. */
export function surfaceToWire(surface: DomainSurface): Surface {
  return surface === 'home_feed' ? Surface.SURFACE_HOME_FEED : Surface.SURFACE_RELATED_PINS;
}

/** Wire age bucket → domain (UNSPECIFIED and unknown values → 'unknown'). */
export function ageBucketFromWire(bucket: AgeBucket): DomainAgeBucket {
  return AGE_BUCKETS[bucket] ?? 'unknown';
}

/** Domain age bucket → wire. */
export function ageBucketToWire(bucket: DomainAgeBucket): AgeBucket {
  return AGE_BUCKETS.indexOf(bucket) as AgeBucket;
}

/** Wire gender → domain (UNSPECIFIED and unknown values → 'unknown'). */
export function genderFromWire(gender: Gender): DomainGender {
  return GENDERS[gender] ?? 'unknown';
}

/** Domain gender → wire. */
export function genderToWire(gender: DomainGender): Gender {
  return GENDERS.indexOf(gender) as Gender;
}

/** Wire item attributes → domain item. */
export function itemFromWire(item: ItemAttributes): Item {
  return {
    id: item.itemId,
    creatorId: item.creatorId,
    topics: [...item.topics],
    aspectRatio: item.aspectRatio,
    createdAtMs: Number(item.createdAtMs),
    quality: item.quality,
    embedding: [...item.embedding],
    unsafe: item.unsafe,
  };
}

/** Domain item → wire item attributes. */
export function itemToWire(item: Item): ItemAttributes {
  return {
    itemId: item.id,
    creatorId: item.creatorId,
    topics: [...item.topics],
    aspectRatio: item.aspectRatio,
    createdAtMs: String(Math.trunc(item.createdAtMs)),
    quality: item.quality,
    embedding: [...item.embedding],
    unsafe: item.unsafe,
  };
}

/** Wire user attributes → domain user. */
export function userFromWire(user: UserAttributes): User {
  return {
    id: user.userId,
    ageBucket: ageBucketFromWire(user.ageBucket),
    gender: genderFromWire(user.gender),
    country: user.country.toUpperCase(),
    signupAtMs: Number(user.signupAtMs),
  };
}

/** Domain user → wire user attributes. */
export function userToWire(user: User): UserAttributes {
  return {
    userId: user.id,
    ageBucket: ageBucketToWire(user.ageBucket),
    gender: genderToWire(user.gender),
    country: user.country,
    signupAtMs: String(Math.trunc(user.signupAtMs)),
  };
}

/** Wire engagement event → domain event. Throws on an UNSPECIFIED type: validate first. */
export function eventFromWire(event: EngagementEvent): DomainEvent {
  const type = eventTypeFromWire(event.type);
  if (!type) throw new Error(`event ${event.eventId}: engagement type ${event.type} has no domain meaning`);
  return {
    eventId: event.eventId,
    userId: event.userId,
    itemId: event.itemId,
    type,
    timestampMs: Number(event.timestampMs),
    dwellMs: event.dwellMs,
    requestId: event.requestId,
    position: event.position,
    surface: event.surface,
    boardId: event.boardId,
  };
}

/** Domain event → wire engagement event. */
export function eventToWire(event: DomainEvent): EngagementEvent {
  return {
    eventId: event.eventId,
    userId: event.userId,
    itemId: event.itemId,
    type: eventTypeToWire(event.type),
    timestampMs: String(Math.trunc(event.timestampMs)),
    dwellMs: event.dwellMs,
    requestId: event.requestId,
    position: event.position,
    surface: event.surface,
    boardId: event.boardId,
  };
}
