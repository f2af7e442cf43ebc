// Small builders of domain objects and counter state for the features tests.

import type { EngagementEvent, EventType, Item, User } from '@recsys/domain';
import { countInto, emptyBlock, type CounterBlock } from '../state/counter-block';

/** Minutes in ms. */
export const MINUTE = 60_000;
/** Hours in ms. */
export const HOUR = 3_600_000;
/** Days in ms. */
export const DAY = 24 * HOUR;
/** A time aligned to every bucket width (5 min, 1 h, 1 d): day 1000 since the epoch, ms. */
export const T0 = 1000 * DAY;

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

/** A counter block with `events` (type, time in ms, dwell in ms) counted into it in the given order. */
export function blockOf(events: readonly (readonly [type: EventType, tMs: number, dwellMs?: number])[]): CounterBlock {
  const block = emptyBlock();
  for (const [type, tMs, dwellMs] of events) countInto(block, type, dwellMs ?? 0, tMs);
  return block;
}
