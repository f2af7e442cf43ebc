/** Validates LogEvents, UpsertItems and UpsertUsers requests field by field. */
import {
  AgeBucket,
  EngagementType,
  Gender,
  type EngagementEvent,
  type ItemAttributes,
  type UserAttributes,
} from '@recsys/contracts';
import { RecsysError } from '@recsys/domain';
import { optionalCountry, optionalString, requireCount, requireId, requireRange, requireTimestamp } from './rules';

/** Largest batch of events, items or users in one call. */
export const MAX_BATCH = 1000;
const DAY_MS = 86_400_000;
/** Clock skew tolerated for client timestamps. */
const MAX_FUTURE_MS = 5 * 60_000;
/** Oldest event accepted (late backfills beyond this belong to the offline path). */
const MAX_EVENT_AGE_MS = 400 * DAY_MS;
/** Longest dwell accepted. */
const MAX_DWELL_MS = 3_600_000;

/** Validates every event of a LogEvents request. */
export function validateEvents(events: readonly EngagementEvent[], nowMs: number): void {
  requireCount('events', events.length, 1, MAX_BATCH);
  events.forEach((e, i) => {
    const f = (name: string) => `events[${i}].${name}`;
    requireId(f('event_id'), e.eventId);
    requireId(f('user_id'), e.userId);
    requireId(f('item_id'), e.itemId);
    if (!(e.type in EngagementType) || e.type === EngagementType.ENGAGEMENT_TYPE_UNSPECIFIED || e.type === EngagementType.UNRECOGNIZED) {
      throw RecsysError.badRequest(f('type'), 'must be one of IMPRESSION, CLICK, SAVE, SHARE, HIDE, DWELL');
    }
    requireTimestamp(f('timestamp_ms'), e.timestampMs, { nowMs, maxFutureMs: MAX_FUTURE_MS, maxAgeMs: MAX_EVENT_AGE_MS });
    if (e.type === EngagementType.ENGAGEMENT_TYPE_DWELL) requireRange(f('dwell_ms'), e.dwellMs, 1, MAX_DWELL_MS);
    else if (e.dwellMs !== 0) throw RecsysError.badRequest(f('dwell_ms'), 'is only allowed on DWELL events');
    requireRange(f('position'), e.position, 0, 10_000);
    optionalString(f('request_id'), e.requestId, 64);
    optionalString(f('surface'), e.surface, 32);
    optionalString(f('board_id'), e.boardId, 128);
  });
}

/** Validates every item of an UpsertItems request. */
export function validateItems(items: readonly ItemAttributes[], nowMs: number): void {
  requireCount('items', items.length, 1, MAX_BATCH);
  items.forEach((item, i) => {
    const f = (name: string) => `items[${i}].${name}`;
    requireId(f('item_id'), item.itemId);
    requireId(f('creator_id'), item.creatorId);
    requireCount(f('topics'), item.topics.length, 1, 10);
    item.topics.forEach((t, j) => {
      if (t.length === 0) throw RecsysError.badRequest(`${f('topics')}[${j}]`, 'must not be empty');
      optionalString(`${f('topics')}[${j}]`, t, 64);
    });
    requireRange(f('aspect_ratio'), item.aspectRatio, 0.1, 10);
    requireTimestamp(f('created_at_ms'), item.createdAtMs, { nowMs, maxFutureMs: MAX_FUTURE_MS, maxAgeMs: 50 * 365 * DAY_MS });
    requireRange(f('quality'), item.quality, 0, 1);
    requireCount(f('embedding'), item.embedding.length, 0, 1024);
    item.embedding.forEach((v, j) => {
      if (!Number.isFinite(v)) throw RecsysError.badRequest(`${f('embedding')}[${j}]`, 'must be a finite number');
    });
  });
}

/** Validates every user of an UpsertUsers request. */
export function validateUsers(users: readonly UserAttributes[], nowMs: number): void {
  requireCount('users', users.length, 1, MAX_BATCH);
  users.forEach((user, i) => {
    const f = (name: string) => `users[${i}].${name}`;
    requireId(f('user_id'), user.userId);
    if (!(user.ageBucket in AgeBucket) || user.ageBucket === AgeBucket.UNRECOGNIZED) throw RecsysError.badRequest(f('age_bucket'), 'unknown value');
    if (!(user.gender in Gender) || user.gender === Gender.UNRECOGNIZED) throw RecsysError.badRequest(f('gender'), 'unknown value');
    optionalCountry(f('country'), user.country);
    requireTimestamp(f('signup_at_ms'), user.signupAtMs, { nowMs, maxFutureMs: MAX_FUTURE_MS, maxAgeMs: 50 * 365 * DAY_MS });
  });
}
