// Small builders of domain objects for the features tests.

import type { EngagementEvent, EventType, Item, User } from '@recsys/domain';

/** Hours in ms. */
export const HOUR = 3_600_000;
/** Days in ms. */
export const DAY = 24 * HOUR;

/** A catalog item with test defaults. */
export function item(id: string, creatorId: string, topics: string[], extra: Partial<Item> = {}): Item {
  return { id, creatorId, topics, aspectRatio: 0.75, createdAtMs: 0, quality: 0.8, embedding: [0.25, -0.5], unsafe: false, ...extra };
}

/** A registered user with test defaults. */
export function user(id: string, extra: Partial<User> = {}): User {
  return { id, ageBucket: '25-34', gender: 'female', country: 'US', signupAtMs: 0, ...extra };
}

let sequence = 0;

/** An engagement event with a fresh id unless one is given. */
export function event(type: EventType, userId: string, itemId: string, timestampMs: number, extra: Partial<EngagementEvent> = {}): EngagementEvent {
  sequence++;
  return {
    eventId: `evt-${sequence}`,
    userId,
    itemId,
    type,
    timestampMs,
    dwellMs: 0,
    requestId: 'req-1',
    position: 0,
    surface: 'home_feed',
    boardId: '',
    ...extra,
  };
}
